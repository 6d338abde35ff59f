/**
 * Domain errors carry a stable code that clients may rely on, the HTTP status of
 * PROTOCOL.md, and the offending field where there is one. One filter
 * (http-error.filter.ts) turns them into `{"error":{"code","message","field"}}`.
 */
export class DomainError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export const badRequest = (code: string, message: string, field?: string, details?: unknown) =>
  new DomainError(400, code, message, field, details);
export const unauthorized = (code: string, message: string) => new DomainError(401, code, message);
export const forbidden = (code: string, message: string, field?: string) => new DomainError(403, code, message, field);
export const notFound = (code: string, message: string) => new DomainError(404, code, message);
export const conflict = (code: string, message: string, field?: string) => new DomainError(409, code, message, field);
export const tooLarge = (code: string, message: string) => new DomainError(413, code, message);

export class RateLimitedError extends DomainError {
  constructor(
    message: string,
    readonly retryAfterS: number,
  ) {
    super(429, 'RATE_LIMITED', message);
  }
}
