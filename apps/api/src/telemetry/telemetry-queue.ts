import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/config';
import { JobQueue } from '../redis/job-queue';

export const TELEMETRY_QUEUE = 'telemetry';

export interface AlertWebhookJob {
  kind: 'webhook';
  url: string;
  event: 'alert.opened' | 'alert.resolved';
  alert: Record<string, unknown>;
}

export type TelemetryJob = { kind: 'rollup' } | { kind: 'evaluate' } | { kind: 'maintain' } | AlertWebhookJob;

/** The telemetry queue: periodic rollups, threshold evaluation, partitions and retention, and alert webhooks. */
@Injectable()
export class TelemetryQueue extends JobQueue<TelemetryJob> {
  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    super(config, TELEMETRY_QUEUE, { removeOnComplete: { count: 1000 }, removeOnFail: { age: 7 * 24 * 3600 } });
  }
}
