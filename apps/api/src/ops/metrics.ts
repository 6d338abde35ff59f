import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One registry per app instance (tests start several in one process). */
export class ApiMetrics {
  readonly registry = new Registry();
  readonly httpRequests = new Counter({
    name: 'wakeward_http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'wakeward_http_request_duration_seconds',
    help: 'HTTP request duration',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  /** Readings an agent sent that were not stored as sent (PROTOCOL.md "Readings"). */
  readonly readingsRefused = new Counter({
    name: 'wakeward_readings_refused_total',
    help: 'Readings not stored: dated in the future or older than the raw retention, or a seq already stored with other content',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  /** Alert notifications by channel type, event (opened, resolved, test) and result (sent, failed attempt, skipped as quiet). */
  readonly notifications = new Counter({
    name: 'wakeward_notifications_total',
    help: 'Notification delivery attempts by channel type, event and result (sent, failed, skipped)',
    labelNames: ['type', 'event', 'result'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}
