/**
 * The site's plan for the next 48 h, kept on disk with its ETag, so a Pi that
 * restarts in the middle of an outage still knows when to wake and shut down.
 */
import path from 'node:path';
import type { Plan } from '../protocol';
import { readJsonIfExists, writeJsonAtomic } from './atomic-file';

export interface CachedPlan {
  etag: string | null;
  fetchedAt: string;
  plan: Plan;
}

export class PlanCache {
  private readonly file: string;
  private current: CachedPlan | undefined;

  constructor(stateDir: string) {
    this.file = path.join(stateDir, 'plan.json');
    try {
      this.current = readJsonIfExists<CachedPlan>(this.file);
    } catch {
      // A cache we cannot read is only a cache: the next fetch replaces it.
      this.current = undefined;
    }
  }

  get(): CachedPlan | undefined {
    return this.current;
  }

  get etag(): string | null {
    return this.current?.etag ?? null;
  }

  save(plan: Plan, etag: string | null, fetchedAt = new Date()): void {
    this.current = { etag, fetchedAt: fetchedAt.toISOString(), plan };
    writeJsonAtomic(this.file, this.current);
  }
}
