// Calls to the services through the console's proxy (`/api/<service>/…`), with
// every failure turned into words a user can act on.

/** A field the API named as wrong, as `body.fit.rules.0.points`. */
export interface FieldProblem {
  field: string;
  message: string;
}

const SERVICE_NAMES: Record<string, string> = {
  'lead-scoring': 'Lead scoring',
  'sdr-queue': 'The SDR queue',
  'sla-monitor': 'The SLA monitor',
  reporting: 'Reporting',
};

/** An API call that failed: `message` is meant for the screen, `details` for the form fields. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly details: FieldProblem[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The problem the API named for one form field (by its path under `body.`) or within it, if any. */
  forField(path: string): string | undefined {
    return this.details.find((d) => {
      const field = d.field.replace(/^body\./, '');
      return field === path || field.startsWith(`${path}.`);
    })?.message;
  }
}

function serviceOf(path: string): string {
  const name = /^\/api\/([^/]+)/.exec(path)?.[1] ?? '';
  return SERVICE_NAMES[name] ?? 'The service';
}

/** The sentence for a failed response: the API's own message where it gave one. */
export function describeFailure(path: string, status: number, body: unknown): ApiError {
  const error = (body as { error?: { code?: string; message?: string; details?: FieldProblem[] } } | null)?.error;
  const said = error?.message;
  const code = error?.code ?? String(status);
  // Some refusals carry an object of facts as details (e.g. where a follow-up stands); only a list names fields.
  const details = Array.isArray(error?.details) ? error.details : [];
  if (status === 401) return new ApiError('Your sign-in has expired or is not valid: sign in again.', status, code);
  if (status === 403) {
    return new ApiError(said ? `You may not do this: ${said}.` : 'Your role may not do this.', status, code);
  }
  if (status === 502 || status === 503 || status === 504) {
    return new ApiError(
      `${serviceOf(path)} is not answering (HTTP ${status}); it may be starting or stopped. Try again in a moment.`,
      status,
      code,
    );
  }
  if (said) {
    const fields = details.length
      ? ` (${details.map((d) => `${d.field.replace(/^body\./, '')}: ${d.message}`).join('; ')})`
      : '';
    return new ApiError(`${said}${fields}`, status, code, details);
  }
  return new ApiError(`${serviceOf(path)} answered HTTP ${status}.`, status, code, details);
}

export type Call = <T>(path: string, init?: { method?: string; body?: unknown }) => Promise<T>;

/** A caller bound to a token; `onUnauthorized` runs when the token is refused. */
export function apiCaller(token: string, onUnauthorized: () => void): Call {
  return async <T>(path: string, init: { method?: string; body?: unknown } = {}) => {
    let response: Response;
    try {
      response = await fetch(path, {
        method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
        headers: {
          authorization: `Bearer ${token}`,
          ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
      });
    } catch {
      throw new ApiError('The console cannot be reached. Is the stack running (npm start)?', 0, 'network');
    }
    if (response.status === 204) return null as T;
    const body: unknown = await response.json().catch(() => null);
    if (!response.ok) {
      if (response.status === 401) onUnauthorized();
      throw describeFailure(path, response.status, body);
    }
    return body as T;
  };
}

/** Builds a query string from the defined values only. */
export function qs(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}
