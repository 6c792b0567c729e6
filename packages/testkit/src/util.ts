import { randomBytes } from 'node:crypto';

/** The infrastructure a test run or a benchmark uses. */
export interface TestInfra {
  mode: string;
  databaseUrl: string;
  redisUrl: string;
  kafkaBrokers: string[];
  jwtSecret: string;
  repoRoot: string;
}

/** A name no other test uses: for schemas, topic prefixes, consumer groups. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

/** Polls until `check` returns a value other than undefined/false, or fails with the last state. */
export async function waitFor<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  options: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 20000);
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for ${options.what ?? 'condition'}${lastError ? `: ${(lastError as Error).message}` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 100));
  }
}

/**
 * A TCP port free for a server right now, never one this process handed out before, picked below the
 * range outgoing connections use (a client connection cannot take it before the server binds).
 */
export { freePort } from '@handoff/infra';

/** Calls a Handoff API with a bearer token; returns status and parsed body. */
export async function callApi<T = Record<string, unknown>>(
  url: string,
  options: { token?: string; method?: string; body?: unknown } = {},
): Promise<{ status: number; body: T }> {
  const response = await fetch(url, {
    method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
    headers: {
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
}
