import { Injectable } from '@nestjs/common';
import type { Principal } from '../common/request-context';
import { KiosksService } from '../kiosks/kiosks.service';
import { isFresh, observedState } from './kiosk-states';
import { LivenessRepository } from './liveness.repository';

/** A kiosk is up when any agent of its site recently saw it up; unknown (null) when none has a fresh probe. */
@Injectable()
export class KioskLivenessService {
  constructor(
    private readonly kiosks: KiosksService,
    private readonly liveness: LivenessRepository,
  ) {}

  /** Every change of the kiosk's observed state, newest first. */
  async history(p: Principal, kioskId: string, limit: number) {
    const kiosk = await this.kiosks.get(p, kioskId); // 404 for kiosks the user may not see
    return { kioskId: kiosk.id, changes: await this.liveness.changesOfKiosk(kiosk.id, limit) };
  }

  async get(p: Principal, kioskId: string) {
    const kiosk = await this.kiosks.get(p, kioskId); // 404 for kiosks the user may not see
    const now = new Date();
    const agents = await this.liveness.probesOfKiosk(kiosk.id, kiosk.siteId);
    // The same rule as the fleet view and verification (kiosk-states.ts: observedState).
    const { observed } = observedState(agents, now);
    const fresh = agents.filter((a) => isFresh(a.observedAt, now));
    const observedAt = fresh.length ? new Date(Math.max(...fresh.map((a) => a.observedAt.getTime()))) : null;
    return {
      kioskId: kiosk.id,
      up: observed === 'unknown' ? null : observed === 'up',
      observedAt,
      agents: agents.map((a) => ({ ...a, fresh: isFresh(a.observedAt, now) })),
    };
  }
}
