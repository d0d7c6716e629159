/**
 * Typed API errors. Cross-organisation access is answered with `notFound`, never 403, so that a caller
 * cannot learn that another organisation's patient or device exists.
 */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const notFound = (what: string): ApiError => new ApiError(404, 'not_found', `${what} not found`);
export const conflict = (message: string): ApiError => new ApiError(409, 'conflict', message);
export const unprocessable = (code: string, message: string, details?: unknown): ApiError => new ApiError(422, code, message, details);
export const badRequest = (message: string, details?: unknown): ApiError => new ApiError(400, 'bad_request', message, details);
