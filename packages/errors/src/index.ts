/** Options every Handoff error accepts. */
export interface HandoffErrorOptions {
  cause?: unknown;
  /** True when trying the same operation again may succeed (a broker or database blip). */
  retriable?: boolean;
  details?: unknown;
}

/**
 * The error root of Handoff. Each package extends it once (its own root) and
 * adds small subclasses that set `name`, so checks survive process and
 * package boundaries: test `err.name` or `err.code`, not only `instanceof`.
 */
export class HandoffError extends Error {
  readonly code: string;
  readonly retriable: boolean;
  readonly details: unknown;

  constructor(code: string, message: string, options: HandoffErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HandoffError';
    this.code = code;
    this.retriable = options.retriable ?? false;
    this.details = options.details;
  }
}

/**
 * Every way a use case refuses a request, one closed list: its input is wrong (`bad_request`), the caller may
 * not (`forbidden`), the thing is out of their sight (`not_found`), its state does not allow it (`conflict`),
 * or it refers to something that is not there (`unprocessable`). The HTTP layer gives each kind its status in
 * one exhaustive table; a use case knows nothing of HTTP.
 */
export type RefusalKind = 'bad_request' | 'forbidden' | 'not_found' | 'conflict' | 'unprocessable';

/** A use case's refusal. Its `code` is the kind, or a more precise one the API documents (`unknown_lead`). */
export class Refusal extends HandoffError {
  constructor(
    readonly kind: RefusalKind,
    message: string,
    options: { code?: string; details?: unknown } = {},
  ) {
    super(options.code ?? kind, message, { details: options.details });
    this.name = 'Refusal';
  }
}

/**
 * The answer to what does not exist, and to what exists out of the caller's
 * reach: the same `not_found`, word for word, so a refusal reveals nothing
 * about what it protects (ADR 0012).
 */
export function unseen(what: string): Refusal {
  return new Refusal('not_found', `${what} is not among those you can see`);
}

/** Whether an error (ours, or a client library's) says a retry may succeed. */
export function isRetriable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { retriable?: unknown; code?: unknown; name?: unknown };
  if (typeof e.retriable === 'boolean') return e.retriable;
  // pg connection-level failures (class 08), server shutdown (57P), serialization and deadlock.
  if (typeof e.code === 'string') {
    if (/^(08|57P|53)/.test(e.code) || e.code === '40001' || e.code === '40P01') return true;
    if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND'].includes(e.code)) return true;
  }
  if (e.name === 'KafkaJSConnectionError' || e.name === 'KafkaJSRequestTimeoutError') return true;
  if (err instanceof Error && /Connection terminated|timeout exceeded when trying to connect/i.test(err.message)) {
    return true;
  }
  return false;
}

/** A short, loggable description of any thrown value. */
export function describeError(err: unknown): { name: string; code: string; message: string } {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return { name: err.name, code: typeof code === 'string' ? code : 'internal', message: err.message };
  }
  return { name: 'Unknown', code: 'internal', message: String(err) };
}

/**
 * Exponential backoff with jitter ("equal jitter": between half and all of the ceiling, so it never collapses to
 * 0): the delay before retry number `attempt` (1-based).
 */
export function backoffDelay(attempt: number, options: { initialMs?: number; maxMs?: number } = {}): number {
  const initial = options.initialMs ?? 100;
  const max = options.maxMs ?? 5000;
  const ceiling = Math.min(max, initial * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}

/** Resolves after `ms`, or at once when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
