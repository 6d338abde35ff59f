import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Job } from 'bullmq';
import { APP_CONFIG, AppConfig } from '../config/config';
import { JobWorker } from '../redis/job-queue';
import { AlertNotifier } from './alert-notifier.service';
import { NOTIFICATIONS_QUEUE, NotificationJob } from './notifications-queue';

/** Runs in processes with ROLE=worker or ROLE=all: sends the queued deliveries. */
@Injectable()
export class NotificationsWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private worker?: JobWorker<NotificationJob>;
  private readonly logger = new Logger('notifications');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly notifier: AlertNotifier,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.role === 'api') return;
    this.worker = new JobWorker<NotificationJob>(this.config, NOTIFICATIONS_QUEUE, this.logger);
    this.worker.start((job) => this.process(job), {
      concurrency: 8,
      onFailed: (job, err) => this.logger.warn(`delivery ${job?.data.deliveryId} attempt ${job?.attemptsMade} failed: ${err.message}`),
    });
  }

  private process(job: Job<NotificationJob>): Promise<unknown> {
    const attempt = job.attemptsMade + 1;
    return this.notifier.deliver(job.data.deliveryId, attempt, attempt >= (job.opts.attempts ?? 1));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.worker?.close();
  }
}
