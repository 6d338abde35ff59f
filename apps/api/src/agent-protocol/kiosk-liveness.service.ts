import { Injectable } from '@nestjs/common';
import type { Principal } from '../common/request-context';
import { KiosksService } from '../kiosks/kiosks.service';
import { AgentReportsRepository } from './agent-reports.repository';

/**
 * Agents send a full snapshot every 5 minutes: an observation received within 10
 * minutes still counts, so one lost snapshot does not make a kiosk unknown.
 */
export const PROBE_FRESH_MS = 10 * 60_000;

/** A kiosk is up when any agent of its site recently saw it up; unknown (null) when none has a fresh probe. */
@Injectable()
export class KioskLivenessService {
  constructor(
    private readonly kiosks: KiosksService,
    private readonly reports: AgentReportsRepository,
  ) {}

  async get(p: Principal, kioskId: string) {
    const kiosk = await this.kiosks.get(p, kioskId); // 404 for kiosks the user may not see
    const now = Date.now();
    const agents = (await this.reports.probesOfKiosk(kiosk.id, kiosk.siteId)).map((r) => ({
      ...r,
      fresh: now - r.receivedAt.getTime() <= PROBE_FRESH_MS,
    }));
    const fresh = agents.filter((a) => a.fresh);
    const observedAt = fresh.length ? new Date(Math.max(...fresh.map((a) => a.observedAt.getTime()))) : null;
    return {
      kioskId: kiosk.id,
      up: fresh.length ? fresh.some((a) => a.up) : null,
      observedAt,
      agents,
    };
  }
}
