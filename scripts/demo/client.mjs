// The demo's way to the stack: every call goes through the console (`/api/<service>/…`) with a token the
// console mints for a role and a name (`POST /auth/local-token`), so the demo signs in like a person would.
// A failed call is logged (the API's own `{error: {code, message}}`) and returned, never thrown: one bad call
// must not stop the stream.

/** Thrown only before the stream starts, when the console cannot be used at all. */
export class ConsoleUnreachable extends Error {
  constructor(message) {
    super(message);
    this.name = 'ConsoleUnreachable';
  }
}

const REQUEST_TIMEOUT_MS = 15_000;

const pad = (n) => String(n).padStart(2, '0');

/** The demo's log: one line per notable action, each with the wall-clock time. */
export function createLog({ out = process.stdout } = {}) {
  const stamp = () => {
    const d = new Date();
    return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  };
  return {
    line: (text) => out.write(`${stamp()} ${text}\n`),
  };
}

export class Api {
  /**
   * @param {{ baseUrl: string, log: ReturnType<typeof createLog>, stats: { errors: number } }} options
   */
  constructor({ baseUrl, log, stats }) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.log = log;
    this.stats = stats;
    this.tokens = new Map();
    // The same error over and over (the stack went away) is said once, then counted.
    this.lastError = { key: '', at: 0, repeats: 0 };
  }

  /** Checks the console answers and lets us sign in; throws ConsoleUnreachable with what to do otherwise. */
  async preflight() {
    let config;
    try {
      const response = await fetch(`${this.baseUrl}/auth/config`, { signal: AbortSignal.timeout(5000) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      config = await response.json();
    } catch (err) {
      throw new ConsoleUnreachable(
        `Cannot reach the Handoff console at ${this.baseUrl} (${causeOf(err)}).\n` +
          'Start the stack first with `npm start` (it prints the console URL), then run `npm run demo` again;\n' +
          'or point the demo at a running console with --url <url> or HANDOFF_URL.',
      );
    }
    if (!config.localSignIn) {
      throw new ConsoleUnreachable(
        `The console at ${this.baseUrl} has local sign-in turned off (LOCAL_SIGNIN), so the demo cannot get tokens.\n` +
          'Run the demo against the local stack started by `npm start`.',
      );
    }
  }

  /** Waits until the console reports every service ready (they may still be starting). */
  async waitReady(timeoutMs = 90_000) {
    const deadline = Date.now() + timeoutMs;
    let said = false;
    for (;;) {
      const body = await fetch(`${this.baseUrl}/health/ready`, { signal: AbortSignal.timeout(5000) })
        .then((r) => r.json())
        .catch(() => null);
      if (body?.status === 'ready') return;
      if (Date.now() > deadline) {
        const down = Object.entries(body?.checks ?? {})
          .filter(([, ok]) => !ok)
          .map(([name]) => name);
        throw new ConsoleUnreachable(
          `The console answers, but not every service is ready${down.length ? ` (${down.join(', ')})` : ''}. ` +
            'Is `npm start` still starting? See its logs.',
        );
      }
      if (!said) {
        this.log.line('waiting for the services behind the console to be ready…');
        said = true;
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }

  async token(role, sub, { fresh = false } = {}) {
    const key = `${role}/${sub}`;
    if (!fresh && this.tokens.has(key)) return this.tokens.get(key);
    const response = await fetch(`${this.baseUrl}/auth/local-token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ role, sub }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const body = await response.json().catch(() => null);
    if (!response.ok || !body?.token) {
      throw new Error(`sign-in as ${role} ${sub} refused: ${body?.error?.message ?? `HTTP ${response.status}`}`);
    }
    this.tokens.set(key, body.token);
    return body.token;
  }

  /**
   * Calls `/api/<service><path>` as `who` ({role, sub}). Resolves with {ok, status, body}; on failure also
   * `error` ({code, message}), already logged unless `quiet` (a status the caller expects, e.g. 404 or 409).
   */
  async call(who, method, service, path, body, { quiet = [] } = {}) {
    const url = `${this.baseUrl}/api/${service}${path}`;
    for (let attempt = 0; ; attempt++) {
      let response;
      try {
        const token = await this.token(who.role, who.sub, { fresh: attempt > 0 });
        response = await fetch(url, {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
      } catch (err) {
        const error = { code: 'network', message: `${causeOf(err)} (is the stack still running?)` };
        this.report(who, method, service, path, 0, error);
        return { ok: false, status: 0, body: null, error };
      }
      // A token can expire in a long run: sign in again once.
      if (response.status === 401 && attempt === 0) continue;
      const text = await response.text();
      let parsed;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        parsed = text;
      }
      if (response.ok) return { ok: true, status: response.status, body: parsed };
      const error = {
        code: parsed?.error?.code ?? String(response.status),
        message: parsed?.error?.message ?? (typeof parsed === 'string' && parsed ? parsed.slice(0, 200) : 'no body'),
        details: parsed?.error?.details,
      };
      if (!quiet.includes(response.status)) this.report(who, method, service, path, response.status, error);
      return { ok: false, status: response.status, body: parsed, error };
    }
  }

  /** Logs a failed call once per burst of the same failure. */
  report(who, method, service, path, status, error) {
    this.stats.errors += 1;
    // Lead ids differ between calls; the failure is the same one.
    const shape = `${method} ${service}${path}`.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, ':id');
    const key = `${shape} ${status} ${error.code}`;
    const now = Date.now();
    if (key === this.lastError.key && now - this.lastError.at < 10_000) {
      this.lastError.repeats += 1;
      this.lastError.at = now;
      return;
    }
    if (this.lastError.repeats > 0) this.log.line(`  ✗ (the previous error ${this.lastError.repeats} more times)`);
    this.lastError = { key, at: now, repeats: 0 };
    const field = error.details?.[0]?.field ? ` [${error.details[0].field}]` : '';
    this.log.line(
      `  ✗ ${who.role} ${who.sub}: ${method} /api/${service}${path} → ${status || 'no answer'} ${error.code}: ${error.message}${field}`,
    );
  }
}

function causeOf(err) {
  const cause = err?.cause;
  if (cause?.code) return cause.code;
  if (err?.name === 'TimeoutError') return 'timed out';
  return err?.message ?? String(err);
}
