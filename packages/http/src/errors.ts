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

export const badRequest = (message: string, details?: unknown) =>
  new HttpError(400, 'bad_request', message, { details });
export const unauthorized = (message = 'a valid bearer token is required') =>
  new HttpError(401, 'unauthorized', message);
export const forbidden = (message = 'your role may not do this') => new HttpError(403, 'forbidden', message);
export const notFound = (message = 'not found') => new HttpError(404, 'not_found', message);
export const conflict = (message: string, details?: unknown) => new HttpError(409, 'conflict', message, { details });
