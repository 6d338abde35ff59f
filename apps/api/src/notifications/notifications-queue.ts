import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/config';
import { JobQueue } from '../redis/job-queue';

export const NOTIFICATIONS_QUEUE = 'notifications';
/** The job holds only the delivery's id: channel, secret and alert are read from MySQL when it runs. */
export type NotificationJob = { deliveryId: string };

/**
 * Deliveries of alert notifications, delayed by the channel's grace time and retried
 * with exponential backoff; in Redis, so a worker restart loses none.
 */
@Injectable()
export class NotificationsQueue extends JobQueue<NotificationJob> {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    super(config, NOTIFICATIONS_QUEUE, { removeOnComplete: { count: 1000 }, removeOnFail: { age: 7 * 24 * 3600 } });
  }

  async enqueue(deliveryId: string, delayMs: number): Promise<void> {
    const { attempts, backoffMs } = this.config.notifications;
    await this.add(
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
}
