import { Logger, OnApplicationShutdown } from '@nestjs/common';
import { Job, JobState, Queue, Worker, type BulkJobOptions, type DefaultJobOptions, type JobsOptions } from 'bullmq';
import type Redis from 'ioredis';
import type { AppConfig } from '../config/config';
import { bullConnection, bullPrefix } from './bull';
import { bullErrorListener } from './outage-log';

/** A job to add: BullMQ's name, the typed data and options (a fixed `jobId` makes adding it twice a no-op). */
export interface QueuedJob<Data> {
  name: string;
  data: Data;
  opts?: BulkJobOptions;
}

/**
 * One BullMQ queue behind named methods, for every process that adds jobs (API
 * replicas and workers): services say what they want done, never touch BullMQ. Each
 * domain's queue (dispatch, telemetry, alerts, notifications) is a subclass that names the queue
 * and its default job options; queue names, the prefix (a Cluster hash tag) and job
 * ids are those given, so jobs planned by an earlier release stay found.
 */
export class JobQueue<Data extends object> implements OnApplicationShutdown {
  private readonly queue: Queue<Data>;
  private readonly connection: Redis;

  constructor(config: AppConfig, readonly name: string, defaultJobOptions: DefaultJobOptions) {
    this.connection = bullConnection(config);
    this.queue = new Queue<Data>(name, { connection: this.connection, prefix: bullPrefix(config), defaultJobOptions });
    this.queue.on('error', bullErrorListener(new Logger(`${name}-queue`)));
  }

  async add(name: string, data: Data, opts?: JobsOptions): Promise<void> {
    // BullMQ's own name/data typing is a conditional type a generic Data cannot meet.
    await (this.queue as Queue).add(name, data, opts);
  }

  async addBulk(jobs: readonly QueuedJob<Data>[]): Promise<void> {
    if (jobs.length) await (this.queue as Queue).addBulk([...jobs]);
  }

  getJob(jobId: string): Promise<Job<Data> | undefined> {
    return this.queue.getJob(jobId);
  }

  /** Removes a job still waiting for its time; one running or done is left alone. True when removed. */
  async removeIfPending(jobId: string): Promise<boolean> {
    const job = await this.queue.getJob(jobId);
    if (!job || !((await job.isDelayed()) || (await job.isWaiting()))) return false;
    await job.remove();
    return true;
  }

  /** A job BullMQ repeats `every` ms under `scheduleId`; registering it again only updates it. */
  async upsertSchedule(scheduleId: string, every: number, job: QueuedJob<Data>): Promise<void> {
    await (this.queue as Queue).upsertJobScheduler(scheduleId, { every }, { name: job.name, data: job.data, opts: job.opts });
  }

  /** Whether the repeating job is registered (Redis restarted empty or flushed loses it). */
  async hasSchedule(scheduleId: string): Promise<boolean> {
    return Boolean(await this.queue.getJobScheduler(scheduleId));
  }

  /** The jobs in these states (tests and diagnostics). */
  jobsIn(...states: JobState[]): Promise<Job<Data>[]> {
    return this.queue.getJobs(states);
  }

  /** How many jobs are in each of these states (tests and diagnostics). */
  countJobs(...states: JobState[]): Promise<Record<string, number>> {
    return this.queue.getJobCounts(...states);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close();
    this.connection.disconnect();
  }
}

export interface JobWorkerOptions<Data> {
  concurrency?: number;
  lockDuration?: number;
  stalledInterval?: number;
  /** How a failed job is logged; a warning with its name and id by default. */
  onFailed?: (job: Job<Data> | undefined, err: Error) => void;
}

/**
 * The processing side of a queue, in processes with ROLE=worker or ROLE=all: its own
 * connection (open before `start`, so a caller can check Redis first), errors logged
 * as outages, failures logged.
 */
export class JobWorker<Data extends object> {
  readonly connection: Redis;
  private worker?: Worker<Data>;

  constructor(
    private readonly config: AppConfig,
    readonly queueName: string,
    private readonly logger: Logger,
  ) {
    this.connection = bullConnection(config);
  }

  start(process: (job: Job<Data>) => Promise<unknown>, options: JobWorkerOptions<Data> = {}): void {
    const { onFailed, ...workerOptions } = options;
    this.worker = new Worker<Data>(this.queueName, process, { connection: this.connection, prefix: bullPrefix(this.config), ...workerOptions });
    this.worker.on('error', bullErrorListener(this.logger));
    this.worker.on('failed', onFailed ?? ((job, err) => this.logger.warn(`job ${job?.name} ${job?.id} failed: ${err.message}`)));
  }

  async close(): Promise<void> {
    await this.worker?.close();
    this.connection.disconnect();
  }
}
