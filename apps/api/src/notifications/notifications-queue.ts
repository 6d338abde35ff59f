import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import type Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '../config/config';
import { bullConnection, bullPrefix } from '../redis/bull';
import { bullErrorListener } from '../redis/outage-log';

export const NOTIFICATIONS_QUEUE = 'notifications';
/** The job holds only the delivery's id: channel, secret and alert are read from MySQL when it runs. */
export type NotificationJob = { deliveryId: string };

/**
 * Deliveries of alert notifications, delayed by the channel's grace time and retried
 * with exponential backoff; in Redis, so a worker restart loses none.
 */
@Injectable()
export class NotificationsQueue implements OnApplicationShutdown {
  readonly queue: Queue<NotificationJob>;
  private readonly connection: Redis;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.connection = bullConnection(config);
    this.queue = new Queue<NotificationJob>(NOTIFICATIONS_QUEUE, {
      connection: this.connection,
      prefix: bullPrefix(config),
      defaultJobOptions: { removeOnComplete: { count: 1000 }, removeOnFail: { age: 7 * 24 * 3600 } },
    });
    this.queue.on('error', bullErrorListener(new Logger('notifications-queue')));
  }

  async enqueue(deliveryId: string, delayMs: number): Promise<void> {
    const { attempts, backoffMs } = this.config.notifications;
    await this.queue.add(
      'deliver',
      { deliveryId },
      {
        jobId: `delivery-${deliveryId}`,
        delay: Math.max(0, delayMs),
        attempts,
        backoff: { type: 'exponential', delay: backoffMs },
      },
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close();
    this.connection.disconnect();
  }
}
