import { Inject, Injectable, Logger } from '@nestjs/common';
import { AgentCommandsService } from '../agent-commands/agent-commands.service';
import { OccurrenceAlertsService } from '../alerts/occurrence-alerts.service';
import { APP_CONFIG, AppConfig } from '../config/config';
import { Database } from '../database/database.service';
import { LivenessRepository } from '../liveness/liveness.repository';
import { observedState } from '../liveness/kiosk-states';
import { KiosksRepository } from '../kiosks/kiosks.repository';
import { LiveEventsService } from '../live/live-events.service';
import { expectedState, scheduleChangedBetween, stateOfAction } from '../schedule/expected-state';
import { HospitalSchedule, kioskRef } from '../schedule/hospital-schedule';
import type { Site } from '../sites/site.entity';
import { SitesRepository } from '../sites/sites.repository';
import { Delivery, DispatcherService } from './dispatcher.service';
import type { VerifyJob } from './dispatch-jobs';
import type { Dispatch } from './dispatch.entity';
import { DispatchRepository } from './dispatch.repository';

/**
 * At each configured offset after a transition (+5, +10, +15 min by default),
 * compares what the agents' probes see with what the transition should have
 * achieved. A kiosk still off after a wake is woken again; one still wrong at the
 * last check fails and raises an alert for ops. A kiosk whose expected state is no
 * longer the one its dispatch aimed at (the schedule moved on, a rule edit, a
 * manual command since) is closed quietly as superseded: no re-wake, no alert.
 */
@Injectable()
export class VerificationService {
  private readonly logger = new Logger('verification');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly db: Database,
    private readonly dispatches: DispatchRepository,
    private readonly dispatcher: DispatcherService,
    private readonly liveness: LivenessRepository,
    private readonly sites: SitesRepository,
    private readonly kiosks: KiosksRepository,
    private readonly alerts: OccurrenceAlertsService,
    private readonly live: LiveEventsService,
    private readonly commands: AgentCommandsService,
    private readonly schedule: HospitalSchedule,
  ) {}

  async verify(job: VerifyJob, now = new Date()): Promise<Record<string, number>> {
    const at = new Date(job.at);
    const site = await this.sites.getById(job.siteId);
    if (!site) return {};
    const lastRound = job.round >= this.config.dispatch.verifyAfterMs.length - 1;
    const afterS = Math.round(this.config.dispatch.verifyAfterMs[job.round] / 1000);
    const expected = job.action === 'wake' ? 'up' : 'down';

    let deliveries: Delivery[] = [];
    const result = await this.db.transaction(async () => {
      const rows = await this.dispatches.ofOccurrence(site.id, at, job.action, ['sent']);
      if (!rows.length) return { ok: 0, wrong: 0, superseded: 0 };
      const sightings = await this.liveness.sightingsOfSite(site.id);
      const superseded = await this.supersededRows(site, rows, now);
      for (const [row, why] of superseded) {
        const { observed } = observedState(sightings.filter((s) => s.kioskId === row.kioskId), now);
        row.verifications = [...row.verifications, { at: now.toISOString(), afterS, observed, ok: false, action: 'superseded' }];
        Object.assign(row, { status: 'superseded', outcome: why });
      }
      const ok: Dispatch[] = [];
      const wrong: Dispatch[] = [];
      for (const row of rows.filter((r) => !superseded.has(r))) {
        const { observed } = observedState(sightings.filter((s) => s.kioskId === row.kioskId), now);
        const good = observed === expected;
        (good ? ok : wrong).push(row);
        const action = good ? 'none' : lastRound ? 'alerted' : job.action === 'wake' ? 'woken-again' : 'none';
        row.verifications = [...row.verifications, { at: now.toISOString(), afterS, observed, ok: good, action }];
      }
      for (const row of ok) Object.assign(row, { status: 'verified', outcome: `${expected} after ${afterS} s` });
      if (lastRound) {
        for (const row of wrong) Object.assign(row, { status: 'failed', outcome: `not ${expected} ${afterS} s after the ${job.action}` });
      } else if (job.action === 'wake' && wrong.length) {
        const kioskById = new Map((await this.kiosks.getByIds(wrong.map((r) => r.kioskId))).map((k) => [k.id, k]));
        deliveries = (await this.dispatcher.send(site, wrong, kioskById, job.action, { dueAt: now, attempt: job.round + 1, now })).deliveries;
      }
      await this.dispatches.save(rows);
      return { ok: ok.length, wrong: wrong.length, superseded: superseded.size, okRows: ok, wrongRows: wrong, source: rows[0].source };
    });

    await this.commands.deliver(deliveries);
    // Seen right now: a kiosk leaves any alert of an earlier occurrence that wanted this state.
    await this.alerts.kiosksSeen(site.id, (result.okRows ?? []).map((r) => r.kioskId), expected, now);
    if (lastRound) {
      // One alert for the occurrence, listing its kiosks, not one per kiosk.
      const wrong = (result.wrongRows ?? []).map((r) => ({ kioskId: r.kioskId, dispatchId: r.id, observed: r.verifications[r.verifications.length - 1].observed }));
      await this.alerts.raiseKioskStates({ site, at, action: job.action, afterS }, wrong, now);
    }
    const counts = { ok: result.ok, wrong: result.wrong, ...(result.superseded && { superseded: result.superseded }) };
    if (counts.ok || counts.wrong || result.superseded) {
      await this.live.publish('dispatch.updated', site.hospitalId, { siteId: site.id, at: at.toISOString(), action: job.action, source: result.source, round: job.round, ...counts });
      this.logger.log(`site ${site.id} ${job.action} at ${at.toISOString()} +${afterS}s: ${JSON.stringify(counts)}`);
    }
    return counts;
  }

  /**
   * Rows whose kiosk should no longer be in the state their action aims at
   * (expected-state.ts), with why: a manual command since, the schedule's next
   * transition, or a rule edit that changed what the schedule expects.
   */
  private async supersededRows(site: Site, rows: Dispatch[], now: Date): Promise<Map<Dispatch, string>> {
    const kioskIds = rows.map((r) => r.kioskId);
    const [kiosks, rules, manual] = await Promise.all([
      this.kiosks.getByIds(kioskIds),
      this.schedule.rulesFor(site.hospitalId),
      this.dispatches.latestManual(site.id, kioskIds),
    ]);
    const kioskById = new Map(kiosks.map((k) => [k.id, k]));
    const out = new Map<Dispatch, string>();
    for (const row of rows) {
      const kiosk = kioskById.get(row.kioskId);
      if (!kiosk) continue;
      const ref = kioskRef(kiosk, site);
      const expected = expectedState(rules, ref, now, manual.get(row.kioskId));
      if (expected.state === stateOfAction(row.action)) continue;
      const m = expected.manual;
      if (m && !(m.at.getTime() === row.plannedAt.getTime() && m.action === row.action)) {
        out.set(row, `superseded by a manual ${m.action} by ${m.requestedBy ?? 'someone'} at ${m.at.toISOString()}`);
      } else if (scheduleChangedBetween(rules, ref, row.plannedAt, now)) {
        out.set(row, `the schedule changed since: it now expects ${expected.state}`);
      } else {
        out.set(row, `a rule edit: the schedule now expects ${expected.state}`);
      }
    }
    return out;
  }
}
