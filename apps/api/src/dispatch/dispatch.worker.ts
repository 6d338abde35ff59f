import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Job } from 'bullmq';
import { APP_CONFIG, AppConfig } from '../config/config';
import { DISPATCH_QUEUE, DispatchJob } from './dispatch-jobs';
import { DispatchQueue } from './dispatch-queue';
import { JobWorker } from '../redis/job-queue';
import { checkNoEviction } from '../redis/eviction-policy';
import { DispatcherService } from './dispatcher.service';
import { PlannerService } from './planner.service';
import { VerificationService } from './verification.service';

/**
 * The dispatch worker: runs in processes with ROLE=worker or ROLE=all. Checks
 * Redis' eviction policy first (BullMQ loses jobs if Redis evicts keys), plans
 * every site, and keeps a repeating repair pass.
 */
@Injectable()
export class DispatchWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private worker?: JobWorker<DispatchJob>;
  private schedulerGuard?: NodeJS.Timeout;
  private repairRegistered = false;
  private guarding?: Promise<void>;
  private readonly logger = new Logger('dispatch-worker');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly queue: DispatchQueue,
    private readonly planner: PlannerService,
    private readonly dispatcher: DispatcherService,
    private readonly verification: VerificationService,
  ) {}

  get enabled(): boolean {
    return this.config.role !== 'api';
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.enabled) return;
    const worker = (this.worker = new JobWorker<DispatchJob>(this.config, DISPATCH_QUEUE, this.logger));
    await checkNoEviction(worker.connection, this.logger);
    worker.start((job) => this.process(job), {
      concurrency: 16,
      // Jobs take well under a second; a worker that died releases its jobs to
      // another (or to itself restarted) within ~15 s, well inside the delivery lead.
      lockDuration: 10_000,
      stalledInterval: 5_000,
      onFailed: (job, err) => this.logger.error(`job ${job?.id} failed: ${err.message}`),
    });
    await this.ensureRepairScheduler();
    // A Redis that lost everything lost the job scheduler too: put it back on every tick.
    this.schedulerGuard = setInterval(() => this.guardRepairScheduler(), this.config.dispatch.repairIntervalMs);
    // Redis back after an outage may be an empty Redis: look at once, not a period later.
    worker.connection.on('ready', () => this.guardRepairScheduler());
    this.schedulerGuard.unref();
    // Start from MySQL at once rather than at the first repair tick.
    await this.queue.add('repair', { kind: 'repair' }, { removeOnComplete: 100 });
  }

  /**
   * One check at a time: while Redis is down each waits for the connection, and a
   * pile of them would all find the scheduler gone and each start a repair pass.
   */
  private guardRepairScheduler(): void {
    this.guarding ??= this.ensureRepairScheduler().finally(() => (this.guarding = undefined));
  }

  private async ensureRepairScheduler(): Promise<void> {
    try {
      // Gone after it was registered: Redis restarted empty or was flushed, and the
      // planned jobs went with it. Repair at once rather than a period later.
      const lost = this.repairRegistered && !(await this.queue.hasSchedule('repair'));
      await this.queue.upsertSchedule('repair', this.config.dispatch.repairIntervalMs, { name: 'repair', data: { kind: 'repair' }, opts: { removeOnComplete: 100 } });
      this.repairRegistered = true;
      if (lost) {
        this.logger.warn('the repair pass was missing from Redis (restarted empty or flushed): re-planning every site from MySQL now');
        await this.queue.add('repair', { kind: 'repair' }, { removeOnComplete: 100 });
      }
    } catch (err) {
      this.logger.warn(`could not register the repair pass (Redis down?): ${(err as Error).message}`);
    }
  }

  private async process(job: Job<DispatchJob>): Promise<unknown> {
    const data = job.data;
    switch (data.kind) {
      case 'transition':
        return this.dispatcher.runTransition(data);
      case 'verify':
        return this.verification.verify(data);
      case 'plan-site':
        return this.planner.planSite(data.siteId);
      case 'repair':
        return this.planner.planAll();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.schedulerGuard);
    await this.worker?.close();
  }
}
