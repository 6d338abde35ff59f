import { Injectable } from '@nestjs/common';
import type { Principal } from '../common/request-context';
import { DispatchRepository } from '../dispatch/dispatch.repository';
import { KiosksRepository } from '../kiosks/kiosks.repository';
import { KiosksService } from '../kiosks/kiosks.service';
import { toSchedulerRule } from '../rules/rule-mapping';
import { RulesService } from '../rules/rules.service';
import { expectedState } from '../schedule/expected-state';
import { kioskRef } from '../schedule/schedule.service';
import { SitesService } from '../sites/sites.service';
import { FleetRepository, KioskSighting } from './fleet.repository';

/**
 * A sighting older than this no longer counts. Agents send a full snapshot every
 * 5 minutes, so one lost snapshot does not make a kiosk unknown; two do.
 */
export const SIGHTING_TTL_MS = 10 * 60_000;

export type Observed = 'up' | 'down' | 'unknown';

export const isFresh = (observedAt: Date, now: Date) => now.getTime() - observedAt.getTime() <= SIGHTING_TTL_MS;

/** A kiosk is up when any agent of its site recently saw it up (PROTOCOL.md, probes). */
export function observedState(sightings: Pick<KioskSighting, 'up' | 'observedAt'>[], now: Date): { observed: Observed; lastSeenAt: Date | null } {
  const fresh = sightings.filter((s) => isFresh(s.observedAt, now));
  const ups = sightings.filter((s) => s.up).map((s) => s.observedAt.getTime());
  const lastSeenAt = ups.length ? new Date(Math.max(...ups)) : null;
  if (fresh.length === 0) return { observed: 'unknown', lastSeenAt };
  return { observed: fresh.some((s) => s.up) ? 'up' : 'down', lastSeenAt };
}

@Injectable()
export class FleetService {
  constructor(
    private readonly sites: SitesService,
    private readonly kiosks: KiosksRepository,
    private readonly rules: RulesService,
    private readonly fleet: FleetRepository,
    private readonly kiosksService: KiosksService,
    private readonly dispatches: DispatchRepository,
  ) {}

  async historyOfKiosk(p: Principal, kioskId: string, limit: number) {
    const kiosk = await this.kiosksService.get(p, kioskId); // 404 for kiosks the user may not see
    return { kioskId: kiosk.id, changes: await this.fleet.changesOfKiosk(kiosk.id, limit) };
  }

  /** Every kiosk of a site with what it should be (schedule) and what it is (probes). */
  async ofSite(p: Principal, siteId: string, now = new Date()) {
    const site = await this.sites.get(p, siteId);
    const [kiosks, records, sightings, manual] = await Promise.all([
      this.kiosks.getBySite(site.id),
      this.rules.getByHospital(site.hospitalId),
      this.fleet.sightingsOfSite(site.id),
      this.dispatches.latestManual(site.id),
    ]);
    const rules = records.map(toSchedulerRule);
    const byKiosk = new Map<string, KioskSighting[]>();
    for (const s of sightings) byKiosk.set(s.kioskId, [...(byKiosk.get(s.kioskId) ?? []), s]);
    return {
      site: { id: site.id, name: site.name, timeZone: site.timeZone, hospitalId: site.hospitalId },
      kiosks: kiosks.map((k) => {
        const expected = expectedState(rules, kioskRef(k, site), now, manual.get(k.id));
        const seen = byKiosk.get(k.id) ?? [];
        const { observed, lastSeenAt } = observedState(seen, now);
        return {
          id: k.id,
          code: k.code,
          name: k.name,
          kind: k.kind,
          location: k.location,
          ip: k.ip,
          mac: k.mac,
          expected: expected.state,
          expectedRuleId: expected.ruleId,
          expectedManual: expected.manual ?? null,
          observed,
          lastSeenAt,
          agents: seen.map((s) => ({ id: s.agentId, name: s.agentName, up: s.up, observedAt: s.observedAt })),
        };
      }),
    };
  }
}
