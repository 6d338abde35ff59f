import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/config';
import { JobWorker } from '../redis/job-queue';
import { AgentHealthService } from './agent-health.service';
import { ALERTS_QUEUE, AlertsJob, AlertsQueue } from './alerts-queue';

/** Runs in processes with ROLE=worker or ROLE=all: the agents' health check every ALERT_CHECK_INTERVAL_S. */
@Injectable()
export class AlertsWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private worker?: JobWorker<AlertsJob>;
  private readonly logger = new Logger('alerts-worker');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly queue: AlertsQueue,
    private readonly health: AgentHealthService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.role === 'api') return;
    this.worker = new JobWorker<AlertsJob>(this.config, ALERTS_QUEUE, this.logger);
    this.worker.start(() => this.health.check());
    await this.queue.upsertSchedule('check-agents', this.config.alerts.checkIntervalMs, { name: 'check-agents', data: { kind: 'check-agents' } });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.worker?.close();
  }
}
