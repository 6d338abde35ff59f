import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import type Redis from 'ioredis';
import { bullConnection, bullPrefix } from '../redis/bull';
import { bullErrorListener } from '../redis/outage-log';
import { APP_CONFIG, AppConfig } from '../config/config';
import { DISPATCH_QUEUE, DispatchJob } from './dispatch-jobs';

/** The dispatch queue, for every process that adds jobs (API replicas and workers). */
@Injectable()
export class DispatchQueue implements OnApplicationShutdown {
  readonly queue: Queue<DispatchJob>;
  private readonly connection: Redis;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.connection = bullConnection(config);
    this.queue = new Queue<DispatchJob>(DISPATCH_QUEUE, {
      connection: this.connection,
      prefix: bullPrefix(config),
      defaultJobOptions: {
        attempts: 5,
        backoff: { type: 'exponential', delay: 1000 },
        removeOnComplete: { age: 48 * 3600, count: 100_000 },
        removeOnFail: { age: 7 * 24 * 3600 },
      },
    });
    this.queue.on('error', bullErrorListener(new Logger('dispatch-queue')));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close();
    this.connection.disconnect();
  }
}
