import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { requestContext } from '../common/request-context';
import type { ApiMetrics } from './metrics';

/**
 * Agents call every few seconds (heartbeats, long polls, readings) and probes ask for
 * health and metrics: when they succeed they are debug, or they would bury the
 * console's requests and every failure at info.
 */
export function requestLogLevel(path: string, status: number): 'debug' | 'info' {
  const routine = path.startsWith('/api/agent/v1/') || /^\/(healthz|readyz|metrics)$/.test(path);
  return routine && status < 400 ? 'debug' : 'info';
}

/**
 * Gives every request an id (the caller's X-Request-Id if sane), runs the rest of
 * the request inside its context, and logs and counts it when it ends.
 */
export function requestLogging(logger: Logger, metrics: ApiMetrics) {
  return (req: Request, res: Response, next: NextFunction) => {
    const given = req.header('x-request-id');
    const requestId = given && /^[A-Za-z0-9._-]{1,64}$/.test(given) ? given : randomUUID();
    res.setHeader('X-Request-Id', requestId);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      // The route pattern, not the path, so ids do not explode the label set.
      const route = req.route?.path ? `${req.baseUrl}${req.route.path}` : 'unmatched';
      metrics.httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
      metrics.httpDuration.observe({ method: req.method, route }, seconds);
      const principal = requestContext.get()?.principal;
      const path = req.originalUrl.split('?')[0];
      logger[requestLogLevel(path, res.statusCode)](
        {
          requestId,
          method: req.method,
          path,
          status: res.statusCode,
          ms: Math.round(seconds * 1000),
          user: principal?.username,
        },
        'request',
      );
    });
    requestContext.run({ requestId, ip: req.ip ?? null }, next);
  };
}
