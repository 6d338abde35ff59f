import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import type Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '../config/config';
import { bullConnection, bullPrefix } from '../redis/bull';
import { bullErrorListener } from '../redis/outage-log';

export const ALERTS_QUEUE = 'alerts';
export type AlertsJob = { kind: 'check-agents' };

/** The alerts' periodic checks (agents offline, sites whose agents returned). */
@Injectable()
export class AlertsQueue implements OnApplicationShutdown {
  readonly queue: Queue<AlertsJob>;
  private readonly connection: Redis;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.connection = bullConnection(config);
    this.queue = new Queue<AlertsJob>(ALERTS_QUEUE, {
      connection: this.connection,
      prefix: bullPrefix(config),
      defaultJobOptions: { removeOnComplete: 100, removeOnFail: 100 },
    });
    this.queue.on('error', bullErrorListener(new Logger('alerts-queue')));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close();
    this.connection.disconnect();
  }
}
