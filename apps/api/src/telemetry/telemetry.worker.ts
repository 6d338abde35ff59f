import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Job } from 'bullmq';
import { APP_CONFIG, AppConfig } from '../config/config';
import { JobWorker } from '../redis/job-queue';
import { AlertEvaluationService } from './alert-evaluation.service';
import { AlertWebhookService } from './alert-webhook.service';
import { RetentionService } from './retention.service';
import { RollupService } from './rollup.service';
import { TELEMETRY_QUEUE, TelemetryJob, TelemetryQueue } from './telemetry-queue';

/**
 * Runs in processes with ROLE=worker or ROLE=all: rollups every minute, threshold
 * evaluation every 30 s, partitions and retention every hour (and at start), and
 * the alert webhooks.
 */
@Injectable()
export class TelemetryWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private worker?: JobWorker<TelemetryJob>;
  private readonly logger = new Logger('telemetry-worker');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly queue: TelemetryQueue,
    private readonly rollup: RollupService,
    private readonly retention: RetentionService,
    private readonly evaluation: AlertEvaluationService,
    private readonly webhook: AlertWebhookService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.role === 'api') return;
    this.worker = new JobWorker<TelemetryJob>(this.config, TELEMETRY_QUEUE, this.logger);
    this.worker.start((job) => this.process(job), {
      concurrency: 4,
      onFailed: (job, err) => this.logger.warn(`job ${job?.name} ${job?.id} failed (attempt ${job?.attemptsMade}): ${err.message}`),
    });
    const t = this.config.telemetry;
    const schedule = (name: 'rollup' | 'evaluate' | 'maintain', every: number) =>
      this.queue.upsertSchedule(`telemetry-${name}`, every, { name, data: { kind: name }, opts: { removeOnComplete: 100, removeOnFail: 100 } });
    await schedule('rollup', t.rollupIntervalMs);
    await schedule('evaluate', t.evaluateIntervalMs);
    await schedule('maintain', t.retentionIntervalMs);
  }

  private async process(job: Job<TelemetryJob>): Promise<unknown> {
    const data = job.data;
    switch (data.kind) {
      case 'rollup':
        return this.rollup.run();
      case 'evaluate':
        return this.evaluation.run();
      case 'maintain':
        return { partitions: await this.retention.ensurePartitions(), retention: await this.retention.run() };
      case 'webhook':
        return this.webhook.deliver(data, job.attemptsMade + 1);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.worker?.close();
  }
}
