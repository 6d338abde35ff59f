import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { REDIS } from '../redis/redis.module';
import type { QueuedJob } from '../redis/job-queue';
import type { DispatchJob } from './dispatch-jobs';
import { DispatchQueue } from './dispatch-queue';
import type { DispatchAction } from './dispatch.entity';

/** The ids of the transition jobs planned for a site, as of its last planning. */
const plannedKey = (siteId: string) => `dispatch-plan:${siteId}`;
/** Sites (and actions) due at one instant, in the order they were first planned. */
const instantKey = (atMs: number) => `dispatch-instant:${atMs}`;
/** A site's jobs go to BullMQ 500 at a time (each addBulk is one Redis transaction). */
const ADD_SLICE = 500;

/** A site's change of state at an instant, as the order of sites at that instant knows it. */
export interface SiteAtInstant {
  atMs: number;
  action: DispatchAction;
}

/**
 * What the planner keeps in Redis besides the jobs themselves: which jobs each site
 * has, and where each site stands among the sites due at an instant. Key names are
 * those of earlier releases (under the client's prefix, a Cluster hash tag), so a
 * running deployment's plans stay found.
 */
@Injectable()
export class PlannedTransitionsRepository {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly queue: DispatchQueue,
  ) {}

  async plannedJobIdsOfSite(siteId: string): Promise<Set<string>> {
    return new Set(await this.redis.smembers(plannedKey(siteId)));
  }

  async replacePlannedJobIdsOfSite(siteId: string, jobIds: ReadonlySet<string>): Promise<void> {
    const tx = this.redis.multi().del(plannedKey(siteId));
    if (jobIds.size) tx.sadd(plannedKey(siteId), ...jobIds);
    await tx.exec();
  }

  /**
   * The site's place (0 = first) among the sites due at each instant, joining the
   * ones it is not yet in: a place, once taken, stays put. Each instant's order is
   * kept until `keepUntilMs(atMs)`.
   */
  async takePlacesAtInstants(siteId: string, instants: readonly SiteAtInstant[], now: Date, keepUntilMs: (atMs: number) => number): Promise<number[]> {
    if (!instants.length) return [];
    const tx = this.redis.multi();
    for (const { atMs, action } of instants) {
      const key = instantKey(atMs);
      tx.zadd(key, 'NX', now.getTime(), `${siteId}:${action}`);
      tx.zrank(key, `${siteId}:${action}`);
      tx.pexpireat(key, keepUntilMs(atMs));
    }
    const replies = (await tx.exec()) ?? [];
    return instants.map((_, i) => Number(replies[i * 3 + 1]?.[1] ?? 0));
  }

  async leaveInstants(siteId: string, instants: readonly SiteAtInstant[]): Promise<void> {
    if (!instants.length) return;
    const tx = this.redis.multi();
    for (const { atMs, action } of instants) tx.zrem(instantKey(atMs), `${siteId}:${action}`);
    await tx.exec();
  }

  /** Adds transition jobs; one whose id exists is left as it is (BullMQ), so planning twice adds nothing. */
  async addTransitionJobs(jobs: readonly QueuedJob<DispatchJob>[]): Promise<void> {
    for (let i = 0; i < jobs.length; i += ADD_SLICE) await this.queue.addBulk(jobs.slice(i, i + ADD_SLICE));
  }

  /** Removes a transition job still waiting for its time; one running or done is left alone. */
  removePendingTransitionJob(jobId: string): Promise<boolean> {
    return this.queue.removeIfPending(jobId);
  }
}
