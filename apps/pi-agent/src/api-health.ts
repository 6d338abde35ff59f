/**
 * Whether the leased line to the API is up, as seen from this Pi. The offline
 * plan acts only after `offlineAfterS` without an answer.
 */
export class ApiHealth {
  private lastReachedAt: number;
  private lastAnsweredAt = -Infinity;
  private reachable = true;

  /** Counts from start-up: a Pi booting mid-outage waits the same 60 s. */
  constructor(startedAt = Date.now()) {
    this.lastReachedAt = startedAt;
  }

  /** Returns true when reachability changed. */
  record(reached: boolean, now = Date.now()): boolean {
    const changed = reached !== this.reachable;
    this.reachable = reached;
    if (reached) this.lastReachedAt = this.lastAnsweredAt = now;
    return changed;
  }

  /** When the API really answered last in this process (-Infinity if never). */
  get lastAnswered(): number {
    return this.lastAnsweredAt;
  }

  unreachableForMs(now = Date.now()): number {
    return this.reachable ? 0 : now - this.lastReachedAt;
  }
}
