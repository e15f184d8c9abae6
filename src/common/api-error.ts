/** An error with an HTTP status and a stable machine-readable code, answered as docs/API.md says. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  static badRequest(message: string, details?: unknown): ApiError {
    return new ApiError(400, 'invalid_request', message, details);
  }

  static notFound(what: string): ApiError {
    return new ApiError(404, 'not_found', `${what} not found`);
  }

  static conflict(message: string, details?: unknown): ApiError {
    return new ApiError(409, 'conflict', message, details);
  }

  static tooLarge(message: string, details?: unknown): ApiError {
    return new ApiError(413, 'payload_too_large', message, details);
  }

  static unavailable(message: string, retryAfterSeconds = 5): ApiError {
    return new ApiError(503, 'unavailable', message, undefined, {
      'retry-after': String(retryAfterSeconds),
    });
  }
}

export type { ErrorBody } from '../contract/errors';
