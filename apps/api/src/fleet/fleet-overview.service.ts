import { Injectable } from '@nestjs/common';
import { AGENT_OFFLINE_AFTER_MS } from '../agents/agents.service';
import { visibleHospitals } from '../common/access';
import type { Principal } from '../common/request-context';
import { HospitalSchedule } from '../schedule/hospital-schedule';
import { FleetOverviewRepository, HospitalScope, SiteTemperature } from './fleet-overview.repository';
import { kioskStates, SIGHTING_TTL_MS } from '../liveness/kiosk-states';

/** A site's latest temperature counts only if it is this recent: an older one says more about the sensor. */
export const LATEST_READING_WINDOW_MS = 60 * 60_000;

export interface SiteCounts {
  kiosks: number;
  up: number;
  down: number;
  unknown: number;
  mismatched: number;
  agentsOnline: number;
  agentsTotal: number;
  openAlerts: number;
}

const noCounts = (): SiteCounts => ({ kiosks: 0, up: 0, down: 0, unknown: 0, mismatched: 0, agentsOnline: 0, agentsTotal: 0, openAlerts: 0 });

function addCounts(into: SiteCounts, from: SiteCounts): void {
  for (const key of Object.keys(into) as (keyof SiteCounts)[]) into[key] += from[key];
}

/**
 * Every site a user may see, by hospital, with counts: the ops' landing page. The
 * kiosks' states come from the same computation as a site's fleet view
 * (kiosk-states.ts), over the whole visible fleet at once.
 */
@Injectable()
export class FleetOverviewService {
  constructor(
    private readonly overview: FleetOverviewRepository,
    private readonly schedule: HospitalSchedule,
  ) {}

  /** Overviews being computed, by scope: every open console refetches on the same live event. */
  private readonly inFlight = new Map<string, ReturnType<FleetOverviewService['compute']>>();

  /**
   * Requests for the same scope that arrive while one is computed share its answer
   * (at most one computation old), so N consoles reacting to one event cost one pass.
   */
  ofUser(p: Principal): ReturnType<FleetOverviewService['compute']> {
    const scope = visibleHospitals(p);
    const key = scope === 'all' ? 'all' : [...scope].sort().join(',');
    const running = this.inFlight.get(key);
    if (running) return running;
    const computing = this.compute(scope, new Date()).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, computing);
    return computing;
  }

  async compute(scope: HospitalScope, now: Date) {
    const [hospitals, sites, kiosks, sightings, rules, agents, alerts, temperatures] = await Promise.all([
      this.overview.hospitals(scope),
      this.overview.sites(scope),
      this.overview.kiosks(scope),
      this.overview.freshSightings(scope, new Date(now.getTime() - SIGHTING_TTL_MS)),
      this.schedule.rulesForHospitals(scope),
      this.overview.agentPresence(scope, new Date(now.getTime() - AGENT_OFFLINE_AFTER_MS)),
      this.overview.openAlertsBySite(scope),
      this.overview.latestTemperatures(scope, new Date(now.getTime() - LATEST_READING_WINDOW_MS)),
    ]);

    const bySite = new Map(sites.map((s) => [s.id, noCounts()]));
    const zones = new Map(sites.map((s) => [s.id, s.timeZone]));
    // A kiosk of a site created after the sites were read waits for the next refresh.
    const refs = kiosks.filter((k) => zones.has(k.siteId)).map((k) => ({ id: k.id, siteId: k.siteId, hospitalId: k.hospitalId, timeZone: zones.get(k.siteId)! }));
    const manual = await this.overview.latestManualCommands(sites.map((s) => s.id));
    const states = kioskStates(rules, refs, sightings, now, manual);
    let nextChangeAt: Date | null = null;
    for (const kiosk of refs) {
      const counts = bySite.get(kiosk.siteId)!;
      const state = states.get(kiosk.id)!;
      counts.kiosks++;
      counts[state.observed]++;
      if (state.mismatch) counts.mismatched++;
      if (state.until && (!nextChangeAt || state.until < nextChangeAt)) nextChangeAt = state.until;
    }
    for (const [siteId, presence] of agents) {
      const counts = bySite.get(siteId);
      if (counts) Object.assign(counts, { agentsOnline: presence.online, agentsTotal: presence.total });
    }
    for (const [siteId, n] of alerts) {
      const counts = bySite.get(siteId);
      if (counts) counts.openAlerts = n;
    }
    const warmest = warmestBySite(temperatures);

    const totals = noCounts();
    return {
      now,
      /** The earliest instant a kiosk's expected state changes: the console refreshes then. */
      nextChangeAt,
      hospitals: hospitals.map((h) => {
        const hospitalTotals = noCounts();
        const ownSites = sites
          .filter((s) => s.hospitalId === h.id)
          .map((s) => {
            const counts = bySite.get(s.id)!;
            addCounts(hospitalTotals, counts);
            const t = warmest.get(s.id);
            return { id: s.id, name: s.name, timeZone: s.timeZone, ...counts, temperature: t ? { celsius: t.celsius, at: t.at, agentName: t.agentName } : null };
          });
        addCounts(totals, hospitalTotals);
        return { id: h.id, code: h.code, name: h.name, totals: hospitalTotals, sites: ownSites };
      }),
      totals,
    };
  }
}

/** Of a site's agents' latest readings, the warmest: the room to look at first. */
function warmestBySite(readings: SiteTemperature[]): Map<string, SiteTemperature> {
  const out = new Map<string, SiteTemperature>();
  for (const r of readings) {
    const best = out.get(r.siteId);
    if (!best || r.celsius > best.celsius) out.set(r.siteId, r);
  }
  return out;
}
