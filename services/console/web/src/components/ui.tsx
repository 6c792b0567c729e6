import { useEffect, useId, useState, type ReactNode } from 'react';
import { useQuery, type UseQueryOptions } from '@tanstack/react-query';
import { ApiError } from '../api';
import { useSignedIn } from '../session';

/** A GET through the proxy, cached by its path; `refetchInterval` makes it live. */
export function useApi<T>(path: string | null, options: Partial<UseQueryOptions<T, ApiError>> = {}) {
  const { call } = useSignedIn();
  return useQuery<T, ApiError>({
    queryKey: [path],
    queryFn: () => call<T>(path!),
    enabled: path !== null,
    retry: (count, error) => count < 2 && (error.status === 0 || error.status >= 500),
    ...options,
  });
}

/**
 * Like `useApi`, for a lead's records held by a service that may not have heard of the lead yet (events take
 * a moment to arrive): its 404 — which is also its answer for a lead out of the caller's reach — shows as
 * `empty`, "nothing here yet", not as an error.
 */
export function useApiOrEmpty<T>(path: string, empty: T, options: Partial<UseQueryOptions<T, ApiError>> = {}) {
  const { call } = useSignedIn();
  return useApi<T>(path, {
    queryFn: () =>
      call<T>(path).catch((err: unknown) => {
        if (err instanceof ApiError && err.status === 404) return empty;
        throw err;
      }),
    ...options,
  });
}

/** The current time, ticking (for countdowns). */
export function useNow(everyMs = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

export function Panel(props: { title: string; actions?: ReactNode; children: ReactNode; id?: string }) {
  const headingId = useId();
  return (
    <section className="panel" aria-labelledby={headingId} id={props.id}>
      <header className="panel-head">
        <h2 id={headingId}>{props.title}</h2>
        {props.actions}
      </header>
      {props.children}
    </section>
  );
}

/** An API error in words (an alert, so screen readers announce it). */
export function ErrorText({ error, prefix }: { error: unknown; prefix?: string }) {
  if (!error) return null;
  const message = error instanceof Error ? error.message : String(error);
  return (
    <p className="error" role="alert">
      {prefix ? `${prefix}: ` : ''}
      {message}
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

/** Loading, error or the content: one place for the three states of a query. */
export function Loaded<T>(props: {
  query: { data: T | undefined; error: ApiError | null; isPending: boolean };
  what: string;
  children: (data: T) => ReactNode;
}) {
  if (props.query.error && props.query.data === undefined) {
    return <ErrorText error={props.query.error} prefix={`Could not load ${props.what}`} />;
  }
  if (props.query.data === undefined) {
    return (
      <p className="muted" aria-live="polite">
        Loading {props.what}…
      </p>
    );
  }
  return (
    <>
      {props.query.error ? <ErrorText error={props.query.error} prefix={`Could not refresh ${props.what}`} /> : null}
      {props.children(props.query.data)}
    </>
  );
}

/** A labelled form control with the API's message for it, if any. */
export function Field(props: {
  label: string;
  error?: string | undefined;
  hint?: string;
  children: (id: string, describedBy?: string) => ReactNode;
}) {
  const id = useId();
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const describedBy = [props.error ? errorId : '', props.hint ? hintId : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${props.error ? ' invalid' : ''}`}>
      <label htmlFor={id}>{props.label}</label>
      {props.children(id, describedBy)}
      {props.hint ? (
        <small id={hintId} className="muted">
          {props.hint}
        </small>
      ) : null}
      {props.error ? (
        <small id={errorId} className="field-error">
          {props.error}
        </small>
      ) : null}
    </div>
  );
}

export function Select(props: {
  label: string;
  value: string;
  options: readonly string[];
  onChange: (value: string) => void;
  error?: string | undefined;
  placeholder?: string;
  required?: boolean;
}) {
  return (
    <Field label={props.label} error={props.error}>
      {(id, describedBy) => (
        <select
          id={id}
          value={props.value}
          required={props.required}
          aria-invalid={props.error ? true : undefined}
          aria-describedby={describedBy}
          onChange={(e) => props.onChange(e.target.value)}
        >
          {props.placeholder !== undefined ? <option value="">{props.placeholder}</option> : null}
          {props.options.map((o) => (
            <option key={o} value={o}>
              {o.replace(/_/g, ' ')}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

export function TextInput(props: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  error?: string | undefined;
  hint?: string;
  type?: string;
  required?: boolean;
  multiline?: boolean;
  placeholder?: string;
}) {
  return (
    <Field label={props.label} error={props.error} {...(props.hint ? { hint: props.hint } : {})}>
      {(id, describedBy) =>
        props.multiline ? (
          <textarea
            id={id}
            value={props.value}
            required={props.required}
            rows={3}
            placeholder={props.placeholder}
            aria-invalid={props.error ? true : undefined}
            aria-describedby={describedBy}
            onChange={(e) => props.onChange(e.target.value)}
          />
        ) : (
          <input
            id={id}
            type={props.type ?? 'text'}
            value={props.value}
            required={props.required}
            placeholder={props.placeholder}
            aria-invalid={props.error ? true : undefined}
            aria-describedby={describedBy}
            onChange={(e) => props.onChange(e.target.value)}
          />
        )
      }
    </Field>
  );
}

/** A short-lived confirmation, announced politely. */
export function Notice({ text }: { text: string | null }) {
  return (
    <p className="notice" role="status" aria-live="polite">
      {text ?? ''}
    </p>
  );
}
