import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Worker } from 'bullmq';
import type Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '../config/config';
import { bullConnection, bullPrefix } from '../redis/bull';
import { bullErrorListener } from '../redis/outage-log';
import { AgentHealthService } from './agent-health.service';
import { ALERTS_QUEUE, AlertsJob, AlertsQueue } from './alerts-queue';

/** Runs in processes with ROLE=worker or ROLE=all: the agents' health check every ALERT_CHECK_INTERVAL_S. */
@Injectable()
export class AlertsWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private worker?: Worker<AlertsJob>;
  private connection?: Redis;
  private readonly logger = new Logger('alerts-worker');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly queue: AlertsQueue,
    private readonly health: AgentHealthService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.role === 'api') return;
    this.connection = bullConnection(this.config);
    this.worker = new Worker<AlertsJob>(ALERTS_QUEUE, () => this.health.check(), {
      connection: this.connection,
      prefix: bullPrefix(this.config),
    });
    this.worker.on('error', bullErrorListener(this.logger));
    this.worker.on('failed', (job, err) => this.logger.warn(`job ${job?.name} ${job?.id} failed: ${err.message}`));
    await this.queue.queue.upsertJobScheduler(
      'check-agents',
      { every: this.config.alerts.checkIntervalMs },
      { name: 'check-agents', data: { kind: 'check-agents' } },
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.worker?.close();
    this.connection?.disconnect();
  }
}
