import { Injectable, Logger } from '@nestjs/common';
import { LiveEventsService } from '../live/live-events.service';
import { SitesRepository } from '../sites/sites.repository';
import { OfflineAction, OfflineActionsFilter, OfflineActionsRepository } from './offline-actions.repository';

/** How far ahead of the API's clock an agent's may run (NTP on a Pi that just booted). */
const CLOCK_DRIFT_MS = 5 * 60_000;

/** One wake or shutdown done offline at an instant, however many agents of the site did it. */
export interface OfflineOccurrence {
  at: Date;
  action: OfflineAction['type'];
  /** Every kiosk some agent acted on (only the asked-for kiosk in a kiosk's history). */
  kioskIds: string[];
  /** Each agent that did it, by name: when it acted and when its report arrived. */
  agents: Array<{ id: string; name: string; executedAt: Date; receivedAt: Date; kioskIds: string[] }>;
}

/**
 * Wakes and shutdowns agents did from their offline plan (PROTOCOL.md "Plan"),
 * reported once they reach the API again. Every agent of a site that was cut off
 * acts on the same plan (one alive is enough), so the history shows each instant
 * once, with the agents that did it.
 */
@Injectable()
export class OfflineActionsService {
  private readonly logger = new Logger('offline-actions');

  constructor(
    private readonly actions: OfflineActionsRepository,
    private readonly sites: SitesRepository,
    private readonly live: LiveEventsService,
  ) {}

  /**
   * The caller has checked that every kiosk named is of the agent's site. An action
   * dated later than now (beyond an agent's clock drift) did not happen: it is left
   * out, so that no report can pin entries above the whole history. The others are
   * stored; the agent's outbox drains either way. Returns how many were new.
   */
  async record(agent: { id: string; siteId: string }, actions: OfflineAction[], now = new Date()): Promise<number> {
    const latest = now.getTime() + CLOCK_DRIFT_MS;
    const happened = actions.filter((a) => a.at.getTime() <= latest && a.executedAt.getTime() <= latest);
    if (happened.length < actions.length) {
      this.logger.warn(`agent ${agent.id}: ${actions.length - happened.length} offline action(s) dated in the future left out`);
    }
    const stored = await this.actions.insert(agent.id, happened, now);
    if (!stored) return 0;
    // The console's dispatch history of the site reloads on this, as for a command's report.
    const site = await this.sites.getById(agent.siteId);
    if (site) await this.live.publish('dispatch.updated', site.hospitalId, { siteId: site.id, agentId: agent.id, offline: true });
    return stored;
  }

  /** Newest first, at most `limit` instants. */
  async occurrences(f: OfflineActionsFilter): Promise<OfflineOccurrence[]> {
    const byInstant = new Map<string, OfflineOccurrence>();
    for (const r of await this.actions.search(f)) {
      const key = `${r.at.toISOString()}|${r.type}`;
      const kioskIds = f.kioskId ? r.kioskIds.filter((id) => id === f.kioskId) : r.kioskIds;
      const occurrence = byInstant.get(key) ?? { at: r.at, action: r.type, kioskIds: [], agents: [] };
      occurrence.kioskIds = [...new Set([...occurrence.kioskIds, ...kioskIds])];
      occurrence.agents.push({ id: r.agentId, name: r.agentName, executedAt: r.executedAt, receivedAt: r.receivedAt, kioskIds: [...new Set(kioskIds)] });
      byInstant.set(key, occurrence);
    }
    return [...byInstant.values()];
  }
}
