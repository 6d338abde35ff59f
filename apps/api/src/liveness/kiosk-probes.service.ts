import { Injectable } from '@nestjs/common';
import { OccurrenceAlertsService } from '../alerts/occurrence-alerts.service';
import { LiveEventsService } from '../live/live-events.service';
import { SitesRepository } from '../sites/sites.repository';
import { LivenessRepository, ProbeReport } from './liveness.repository';
import { observedState } from './kiosk-states';

/**
 * What agents saw of their site's kiosks. A kiosk whose observed state (up when
 * any agent sees it up) changes is recorded in its liveness history and announced
 * to the console at once.
 */
@Injectable()
export class KioskProbesService {
  constructor(
    private readonly liveness: LivenessRepository,
    private readonly sites: SitesRepository,
    private readonly live: LiveEventsService,
    private readonly occurrenceAlerts: OccurrenceAlertsService,
  ) {}

  /** The caller has checked that every kiosk of the report is of the agent's site. */
  async record(agent: { id: string; siteId: string }, report: ProbeReport): Promise<void> {
    const kioskIds = new Set(report.results.map((r) => r.kioskId));
    const now = new Date();
    const before = await this.observedOf(agent.siteId, kioskIds, now);
    await this.liveness.upsertProbes(agent.id, report, now);
    const after = await this.observedOf(agent.siteId, kioskIds, now);
    const site = await this.sites.getById(agent.siteId);
    const changed = new Map<string, string[]>();
    for (const [kioskId, state] of after) {
      if (!site || before.get(kioskId)?.observed === state.observed) continue;
      changed.set(state.observed, [...(changed.get(state.observed) ?? []), kioskId]);
      await this.liveness.recordChange({ kioskId, siteId: site.id, observed: state.observed, observedAt: report.observedAt });
      await this.live.publish('kiosk.liveness', site.hospitalId, {
        kioskId,
        siteId: site.id,
        observed: state.observed,
        observedAt: report.observedAt.toISOString(),
        lastSeenAt: state.lastSeenAt?.toISOString() ?? null,
      });
    }
    // A kiosk of a kiosk_state alert now seen in the state it should have reached leaves it.
    for (const [observed, ids] of changed) await this.occurrenceAlerts.kiosksSeen(agent.siteId, ids, observed, now);
  }

  private async observedOf(siteId: string, kioskIds: Set<string>, now: Date) {
    const sightings = (await this.liveness.sightingsOfSite(siteId)).filter((s) => kioskIds.has(s.kioskId));
    return new Map([...kioskIds].map((id) => [id, observedState(sightings.filter((s) => s.kioskId === id), now)]));
  }
}
