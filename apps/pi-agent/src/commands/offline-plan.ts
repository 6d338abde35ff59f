/**
 * Acting on the cached plan when the API cannot be reached (PROTOCOL.md, "Plan"):
 * an item is executed locally when all of these hold
 *   - no delivered command covers it (same action, same kiosk, within a minute);
 *   - the API was last reached at or before the item's instant (had the line been
 *     up then, the API would have sent a command or chosen not to);
 *   - the API has now been unreachable for `plan.offlineAfterS` (60 s);
 *   - the item is at most `plan.graceS` old (like a command's expiresAt).
 * Each (item, kiosk) runs at most once, remembered on disk across restarts, and is
 * then reported through POST /offline-actions.
 *
 * The agent ticks this about once a second; an item due before the next tick is
 * waited for on a timer, so it runs at its instant (milliseconds late, like a
 * command) rather than up to a tick late. Late, it could find the line back and
 * leave the wake to a command delivered late.
 */
import path from 'node:path';
import type { ApiHealth } from '../api-health';
import { readJsonIfExists, writeJsonAtomic } from '../buffer/atomic-file';
import type { PlanCache } from '../buffer/plan-cache';
import type { AgentConfig } from '../config';
import type { Logger } from '../log';
import type { KioskTarget, OfflineAction, PlanItem, PowerCommand, TargetOutcome } from '../protocol';
import { instantTimers } from './instant-timers';

const MATCH_TOLERANCE_MS = 60_000;
const REMEMBER_MS = 3 * 24 * 3600_000;
/** Items due this soon are waited for within a tick: longer than the agent's 1 s between ticks. */
const WAIT_AHEAD_MS = 2_000;

export class OfflinePlan {
  /** key -> the plan instant, so old keys can be forgotten. */
  private handled: Map<string, number>;
  private readonly commandsSeen: Array<{ type: string; dueAt: number; kioskIds: Set<string> }> = [];
  private readonly file: string | undefined;
  private busy = false;
  private readonly clock: () => number;
  private readonly waitUntil: (instantMs: number) => Promise<void>;

  constructor(
    private readonly deps: {
      cache: PlanCache;
      health: ApiHealth;
      config: AgentConfig['plan'];
      execute: (type: 'wake' | 'shutdown', targets: KioskTarget[]) => Promise<TargetOutcome[]>;
      record: (action: OfflineAction) => void;
      log: Logger;
      stateDir?: string;
      /** Tests pass a virtual clock; by default the wall clock and the process's shared instant timers. */
      clock?: () => number;
      waitUntil?: (instantMs: number) => Promise<void>;
    },
  ) {
    this.clock = deps.clock ?? Date.now;
    this.waitUntil = deps.waitUntil ?? ((ms) => new Promise((resolve) => instantTimers.at(ms, resolve)));
    this.file = deps.stateDir ? path.join(deps.stateDir, 'offline-handled.json') : undefined;
    const stored = this.file ? readJsonIfExists<Record<string, number>>(this.file) : undefined;
    this.handled = new Map(Object.entries(stored ?? {}));
  }

  /** Every delivered command, as soon as it arrives: it covers matching plan items. */
  noteCommand(command: PowerCommand): void {
    if (command.type === 'probe') return;
    this.commandsSeen.push({
      type: command.type,
      dueAt: Date.parse(command.dueAt),
      kioskIds: new Set(command.targets.map((t) => t.kioskId)),
    });
    const cutoff = Date.now() - REMEMBER_MS;
    while (this.commandsSeen.length > 0 && this.commandsSeen[0]!.dueAt < cutoff) this.commandsSeen.shift();
  }

  /**
   * Called every second or so. Resolves when any local execution it started is
   * done, after waiting for items due within the next WAIT_AHEAD_MS.
   */
  async tick(now = this.clock()): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      await this.runDue(now);
      const horizon = now + WAIT_AHEAD_MS;
      for (let next = this.nextToWaitFor(now, horizon); next !== undefined; next = this.nextToWaitFor(now, horizon)) {
        await this.waitUntil(next);
        now = Math.max(this.clock(), next);
        await this.runDue(now);
      }
    } finally {
      this.busy = false;
    }
  }

  private async runDue(now: number): Promise<void> {
    const plan = this.deps.cache.get()?.plan;
    if (!plan) return;
    const offlineFor = this.deps.health.unreachableForMs(now);
    if (offlineFor < this.deps.config.offlineAfterS * 1000) return;
    for (const item of plan.items) {
      const at = Date.parse(item.at);
      if (at > now || now - at > this.deps.config.graceS * 1000) continue;
      if (this.deps.health.lastAnswered > at) continue;
      const due = this.pendingTargets(item, at);
      if (due.length === 0) continue;
      for (const t of due) this.handled.set(key(item.type, at, t.kioskId), at);
      this.persist(now);
      this.deps.log.warn('API unreachable: executing planned action locally', {
        type: item.type,
        at: item.at,
        kiosks: due.length,
        offlineForS: Math.round(offlineFor / 1000),
      });
      const outcomes = await this.deps.execute(item.type, due);
      const done = outcomes.filter((o) => o.ok).map((o) => o.kioskId);
      const failed = outcomes.filter((o) => !o.ok);
      if (failed.length > 0)
        this.deps.log.warn('local planned action failed for some kiosks', { type: item.type, failed });
      if (done.length > 0)
        this.deps.record({
          at: item.at,
          type: item.type,
          kioskIds: done,
          executedAt: new Date(this.clock()).toISOString(),
        });
    }
  }

  /**
   * The earliest instant in (now, horizon] with something to run if the line is
   * still down then; while the API answers, nothing is waited for.
   */
  private nextToWaitFor(now: number, horizon: number): number | undefined {
    const plan = this.deps.cache.get()?.plan;
    let next: number | undefined;
    for (const item of plan?.items ?? []) {
      const at = Date.parse(item.at);
      if (at <= now || at > horizon || (next !== undefined && at >= next)) continue;
      if (this.deps.health.unreachableForMs(at) < this.deps.config.offlineAfterS * 1000) continue;
      if (this.pendingTargets(item, at).length > 0) next = at;
    }
    return next;
  }

  private pendingTargets(item: PlanItem, at: number): KioskTarget[] {
    return item.targets.filter(
      (t) => !this.handled.has(key(item.type, at, t.kioskId)) && !this.coveredByCommand(item.type, at, t.kioskId),
    );
  }

  private coveredByCommand(type: string, at: number, kioskId: string): boolean {
    return this.commandsSeen.some(
      (c) => c.type === type && Math.abs(c.dueAt - at) <= MATCH_TOLERANCE_MS && c.kioskIds.has(kioskId),
    );
  }

  private persist(now: number): void {
    for (const [k, at] of this.handled) if (at < now - REMEMBER_MS) this.handled.delete(k);
    if (this.file) writeJsonAtomic(this.file, Object.fromEntries(this.handled));
  }
}

function key(type: string, at: number, kioskId: string): string {
  return `${type}|${at}|${kioskId}`;
}
