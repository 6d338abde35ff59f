import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Job, Worker } from 'bullmq';
import type Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '../config/config';
import { bullConnection, bullPrefix } from '../redis/bull';
import { bullErrorListener } from '../redis/outage-log';
import { AlertNotifier } from './alert-notifier.service';
import { NOTIFICATIONS_QUEUE, NotificationJob } from './notifications-queue';

/** Runs in processes with ROLE=worker or ROLE=all: sends the queued deliveries. */
@Injectable()
export class NotificationsWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private worker?: Worker<NotificationJob>;
  private connection?: Redis;
  private readonly logger = new Logger('notifications');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly notifier: AlertNotifier,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.role === 'api') return;
    this.connection = bullConnection(this.config);
    this.worker = new Worker<NotificationJob>(NOTIFICATIONS_QUEUE, (job) => this.process(job), {
      connection: this.connection,
      prefix: bullPrefix(this.config),
      concurrency: 8,
    });
    this.worker.on('error', bullErrorListener(this.logger));
    this.worker.on('failed', (job, err) =>
      this.logger.warn(`delivery ${job?.data.deliveryId} attempt ${job?.attemptsMade} failed: ${err.message}`),
    );
  }

  private process(job: Job<NotificationJob>) {
    const attempt = job.attemptsMade + 1;
    return this.notifier.deliver(job.data.deliveryId, attempt, attempt >= (job.opts.attempts ?? 1));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.worker?.close();
    this.connection?.disconnect();
  }
}
