import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { DomainError, RateLimitedError } from './errors';

const codeForStatus: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
};

/** Maps every error to the API's error body. Stack traces never leave the process. */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(err: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (res.headersSent) return;
    if (err instanceof DomainError) {
      if (err instanceof RateLimitedError) res.setHeader('Retry-After', String(err.retryAfterS));
      res.status(err.status).json({
        error: {
          code: err.code,
          message: err.message,
          ...(err.field !== undefined && { field: err.field }),
          ...(err.details !== undefined && { details: err.details }),
        },
      });
      return;
    }
    if (err instanceof HttpException) {
      const status = err.getStatus();
      // body-parser errors (bad JSON, too large) arrive here as HttpExceptions from Nest.
      res.status(status).json({ error: { code: codeForStatus[status] ?? `HTTP_${status}`, message: err.message } });
      return;
    }
    const bodyParserError = err as { type?: string; status?: number; message?: string };
    if (bodyParserError?.type === 'entity.parse.failed') {
      res.status(400).json({ error: { code: 'MALFORMED_JSON', message: 'request body is not valid JSON' } });
      return;
    }
    if (bodyParserError?.type === 'entity.too.large') {
      res.status(413).json({ error: { code: 'PAYLOAD_TOO_LARGE', message: 'request body is too large' } });
      return;
    }
    this.logger.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    res.status(500).json({ error: { code: 'INTERNAL', message: 'internal error' } });
  }
}
