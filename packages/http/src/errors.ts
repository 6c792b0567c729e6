import { HandoffError, type HandoffErrorOptions } from '@handoff/errors';

/** The error root of HTTP: an error with a status, rendered as `{error: {code, message, details?}}`. */
export class HttpError extends HandoffError {
  constructor(
    readonly status: number,
    code: string,
    message: string,
    options: HandoffErrorOptions = {},
  ) {
    super(code, message, options);
    this.name = 'HttpError';
  }
}

/** 400: the request is malformed; details name the fields. */
export const badRequest = (message: string, details?: unknown) =>
  new HttpError(400, 'bad_request', message, { details });
/** 401: no valid bearer token. */
export const unauthorized = (message = 'a valid bearer token is required') =>
  new HttpError(401, 'unauthorized', message);
/** 403: the caller's role or identity may not do this. */
export const forbidden = (message = 'your role may not do this') => new HttpError(403, 'forbidden', message);
/** 404: no such resource. */
export const notFound = (message = 'not found') => new HttpError(404, 'not_found', message);
/** 409: the request conflicts with the resource's state. */
export const conflict = (message: string, details?: unknown) => new HttpError(409, 'conflict', message, { details });
