import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import type Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '../config/config';
import { bullConnection, bullPrefix } from '../redis/bull';
import { bullErrorListener } from '../redis/outage-log';

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
export class TelemetryQueue implements OnApplicationShutdown {
  readonly queue: Queue<TelemetryJob>;
  private readonly connection: Redis;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.connection = bullConnection(config);
    this.queue = new Queue<TelemetryJob>(TELEMETRY_QUEUE, {
      connection: this.connection,
      prefix: bullPrefix(config),
      defaultJobOptions: { removeOnComplete: { count: 1000 }, removeOnFail: { age: 7 * 24 * 3600 } },
    });
    this.queue.on('error', bullErrorListener(new Logger('telemetry-queue')));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close();
    this.connection.disconnect();
  }
}
