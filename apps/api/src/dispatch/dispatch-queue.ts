import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '../config/config';
import { DISPATCH_QUEUE, DispatchJob } from './dispatch-jobs';

/** BullMQ needs connections without ioredis' keyPrefix (it has its own prefix) and without retry limits. */
export function bullConnection(config: AppConfig): Redis {
  return new Redis(config.redis.url, { maxRetriesPerRequest: null, enableReadyCheck: false });
}

export const bullPrefix = (config: AppConfig) => `${config.redis.prefix}bull`;

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
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close();
    this.connection.disconnect();
  }
}
