import { Inject, Injectable } from '@nestjs/common';
import type { Principal } from '../common/request-context';
import { APP_CONFIG, AppConfig } from '../config/config';
import { DispatchRepository } from '../dispatch/dispatch.repository';
import { KiosksRepository } from '../kiosks/kiosks.repository';
import { HospitalSchedule, kioskRef } from '../schedule/hospital-schedule';
import { SitesService } from '../sites/sites.service';
import { LivenessRepository, KioskSighting } from '../liveness/liveness.repository';
import { kioskStates, lastSeenUp, SIGHTING_TTL_MS } from '../liveness/kiosk-states';

@Injectable()
export class FleetService {
  constructor(
    private readonly sites: SitesService,
    private readonly kiosks: KiosksRepository,
    private readonly schedule: HospitalSchedule,
    private readonly liveness: LivenessRepository,
    private readonly dispatches: DispatchRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Every kiosk of a site with what it should be (schedule) and what it is (probes).
   * `expectedUntil` is the instant the schedule next changes the kiosk's state and
   * `next` the state from then on: the console flips the tile at that instant by its
   * clock, corrected by `now` (the server's).
   */
  async ofSite(p: Principal, siteId: string, now = new Date()) {
    const site = await this.sites.get(p, siteId);
    const [kiosks, rules, sightings, manual] = await Promise.all([
      this.kiosks.getBySite(site.id),
      this.schedule.rulesFor(site.hospitalId),
      this.liveness.sightingsOfSite(site.id),
      this.dispatches.latestManual(site.id),
    ]);
    const byKiosk = new Map<string, KioskSighting[]>();
    for (const s of sightings) byKiosk.set(s.kioskId, [...(byKiosk.get(s.kioskId) ?? []), s]);
    const states = kioskStates(rules, kiosks.map((k) => kioskRef(k, site)), byKiosk, now, manual);
    const probeIntervalMs = this.config.agents.probeIntervalS * 1000;
    return {
      now,
      site: { id: site.id, name: site.name, timeZone: site.timeZone, hospitalId: site.hospitalId },
      kiosks: kiosks.map((k) => {
        const state = states.get(k.id)!;
        const seen = byKiosk.get(k.id) ?? [];
        return {
          id: k.id,
          code: k.code,
          name: k.name,
          kind: k.kind,
          location: k.location,
          ip: k.ip,
          mac: k.mac,
          expected: state.expected,
          expectedRuleId: state.ruleId,
          expectedManual: state.manual ?? null,
          expectedUntil: state.until,
          next: state.next,
          observed: state.observed,
          mismatch: state.mismatch,
          lastSeenAt: lastSeenUp(seen, now, probeIntervalMs, SIGHTING_TTL_MS),
          agents: seen.map((s) => ({ id: s.agentId, name: s.agentName, up: s.up, observedAt: s.observedAt })),
        };
      }),
    };
  }
}
