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
 */
import path from 'node:path';
import type { ApiHealth } from '../api-health';
import { readJsonIfExists, writeJsonAtomic } from '../buffer/atomic-file';
import type { PlanCache } from '../buffer/plan-cache';
import type { AgentConfig } from '../config';
import type { Logger } from '../log';
import type { KioskTarget, OfflineAction, PowerCommand, TargetOutcome } from '../protocol';

const MATCH_TOLERANCE_MS = 60_000;
const REMEMBER_MS = 3 * 24 * 3600_000;

export class OfflinePlan {
  /** key -> the plan instant, so old keys can be forgotten. */
  private handled: Map<string, number>;
  private readonly commandsSeen: Array<{ type: string; dueAt: number; kioskIds: Set<string> }> = [];
  private readonly file: string | undefined;
  private busy = false;

  constructor(
    private readonly deps: {
      cache: PlanCache;
      health: ApiHealth;
      config: AgentConfig['plan'];
      execute: (type: 'wake' | 'shutdown', targets: KioskTarget[]) => Promise<TargetOutcome[]>;
      record: (action: OfflineAction) => void;
      log: Logger;
      stateDir?: string;
    },
  ) {
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

  /** Called every second or so. Resolves when any local execution it started is done. */
  async tick(now = Date.now()): Promise<void> {
    if (this.busy) return;
    const plan = this.deps.cache.get()?.plan;
    if (!plan) return;
    const offlineFor = this.deps.health.unreachableForMs(now);
    if (offlineFor < this.deps.config.offlineAfterS * 1000) return;
    this.busy = true;
    try {
      for (const item of plan.items) {
        const at = Date.parse(item.at);
        if (at > now || now - at > this.deps.config.graceS * 1000) continue;
        if (this.deps.health.lastAnswered > at) continue;
        const due = item.targets.filter(
          (t) => !this.handled.has(key(item.type, at, t.kioskId)) && !this.coveredByCommand(item.type, at, t.kioskId),
        );
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
          this.deps.record({ at: item.at, type: item.type, kioskIds: done, executedAt: new Date().toISOString() });
      }
    } finally {
      this.busy = false;
    }
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
