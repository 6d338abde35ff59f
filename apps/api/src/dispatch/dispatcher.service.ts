import { Inject, Injectable, Logger } from '@nestjs/common';
import { AGENT_OFFLINE_AFTER_MS } from '../agents/agents.service';
import { AgentsRepository } from '../agents/agents.repository';
import type { Agent } from '../agents/agent.entity';
import { AlertsService } from '../alerts/alerts.service';
import { noAgentKey, OccurrenceAlertsService } from '../alerts/occurrence-alerts.service';
import { AgentCommandsService } from '../agent-commands/agent-commands.service';
import { isTarget, reaches, targetOf } from '../agent-commands/kiosk-targets';
import type { KioskTarget, PowerCommand } from '../agent-commands/agent-command';
import { APP_CONFIG, AppConfig } from '../config/config';
import { Database } from '../database/database.service';
import { Kiosk } from '../kiosks/kiosk.entity';
import { KiosksRepository } from '../kiosks/kiosks.repository';
import { LiveEventsService } from '../live/live-events.service';
import { expectedState } from '../schedule/expected-state';
import { effectiveState, HospitalSchedule, kioskRef } from '../schedule/hospital-schedule';
import { Site } from '../sites/site.entity';
import { SitesRepository } from '../sites/sites.repository';
import { TransitionJob, verifyJobId } from './dispatch-jobs';
import { DispatchQueue } from './dispatch-queue';
import { Dispatch, DispatchAction } from './dispatch.entity';
import { DispatchRepository } from './dispatch.repository';

const targetState = (action: DispatchAction) => (action === 'wake' ? 'on' : 'off');

export type Delivery = { agentId: string; command: PowerCommand };

/** A manual occurrence recorded in the caller's transaction, for `afterManual` once it committed. */
export interface ManualOccurrence {
  site: Site;
  at: Date;
  action: DispatchAction;
  requestedBy: string;
  rows: Dispatch[];
  deliveries: Delivery[];
  sent: number;
  noAgent: number;
}

/**
 * Turns a due transition into commands: one per online agent of the site that
 * reaches the kiosks (all of them send; one alive is enough), carrying `dueAt` so
 * the agents fire on their own clocks. MySQL's unique key on (kiosk, instant,
 * action) and a row lock make each occurrence go out once, whatever BullMQ repeats.
 */
@Injectable()
export class DispatcherService {
  private readonly logger = new Logger('dispatch');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly db: Database,
    private readonly queue: DispatchQueue,
    private readonly dispatches: DispatchRepository,
    private readonly sites: SitesRepository,
    private readonly kiosks: KiosksRepository,
    private readonly schedule: HospitalSchedule,
    private readonly agents: AgentsRepository,
    private readonly commands: AgentCommandsService,
    private readonly alerts: AlertsService,
    private readonly occurrenceAlerts: OccurrenceAlertsService,
    private readonly live: LiveEventsService,
  ) {}

  async runTransition(job: TransitionJob, now = new Date()): Promise<Record<string, number>> {
    const at = new Date(job.at);
    const site = await this.sites.getById(job.siteId);
    if (!site) return { gone: job.kioskIds.length };
    const kiosks = (await this.kiosks.getByIds(job.kioskIds)).filter((k) => k.siteId === site.id);
    const rules = await this.schedule.rulesFor(site.hospitalId);
    const want = targetState(job.action);
    const late = now.getTime() > at.getTime();

    // The schedule may have changed since planning: only kiosks still due for this change count.
    const due = kiosks
      .map((k) => ({ kiosk: k, at: effectiveState(rules, kioskRef(k, site), at) }))
      .filter((d) => d.at.state === want);
    await this.dispatches.insertPlanned(
      due.map((d) => ({ kioskId: d.kiosk.id, siteId: site.id, hospitalId: site.hospitalId, action: job.action, plannedAt: at, ruleId: d.at.ruleId ?? null })),
      now,
    );

    // A previous run that crashed after its commit but before delivery left commands
    // recorded yet undelivered: deliver those (same ids), never issue new ones.
    const earlier = await this.dispatches.ofOccurrence(site.id, at, job.action, ['sent']);
    const redelivered = await this.commands.redeliver(earlier.flatMap((d) => d.commands.map((c) => ({ agentId: c.agentId, commandId: c.commandId }))));

    let deliveries: Delivery[] = [];
    const counts = await this.db.transaction(async () => {
      const rows = await this.dispatches.lockPlanned(due.map((d) => d.kiosk.id), at, job.action);
      if (!rows.length) return { sent: 0, skipped: 0, missed: 0, noAgent: 0 };
      const kioskById = new Map(kiosks.map((k) => [k.id, k]));
      if (now.getTime() - at.getTime() > this.config.dispatch.catchUpMs) {
        return this.recordMissed(site, rows, at, job.action, now);
      }
      // Late but within the catch-up window: run only where the state it leads to is
      // still expected now (never a stale shutdown of a kiosk that should be on, nor
      // a wake undoing a shutdown someone asked for since).
      const manual = late ? await this.dispatches.latestManual(site.id, rows.map((r) => r.kioskId)) : new Map();
      const stale = late ? rows.filter((r) => expectedState(rules, kioskRef(kioskById.get(r.kioskId)!, site), now, manual.get(r.kioskId)).state !== want) : [];
      for (const r of stale) Object.assign(r, { status: 'skipped', outcome: 'found late; this state is no longer expected (schedule or a manual command)' });
      const live = rows.filter((r) => !stale.includes(r));
      const { deliveries: toDeliver, ...result } = await this.send(site, live, kioskById, job.action, { dueAt: at, attempt: 0, now });
      await this.dispatches.save(rows);
      deliveries = toDeliver;
      return { ...result, skipped: stale.length, missed: 0 };
    });
    // Only after the commit: MySQL holds what was sent before any agent can see it.
    await this.commands.deliver(deliveries);
    if (redelivered) this.logger.warn(`site ${site.id} ${job.action} at ${at.toISOString()}: ${redelivered} recorded command(s) delivered again after an interrupted run`);

    if (counts.sent) await this.scheduleVerification(site.id, at, job.action, now);
    if (counts.sent || counts.noAgent || counts.missed || counts.skipped) {
      await this.live.publish('dispatch.updated', site.hospitalId, { siteId: site.id, at: at.toISOString(), action: job.action, source: 'schedule', ...counts });
      this.logger.log(`site ${site.id} ${job.action} at ${at.toISOString()}: ${JSON.stringify(counts)}`);
    }
    // A run after its instant means the pipeline was held up (worker or Redis down): say so.
    if (late && (counts.sent || counts.skipped)) {
      this.logger.warn(`site ${site.id} ${job.action} at ${at.toISOString()} ran ${Math.round((now.getTime() - at.getTime()) / 1000)} s late: ${JSON.stringify(counts)}`);
    }
    return counts;
  }

  /**
   * Issues commands for the rows' kiosks to every online agent that reaches them
   * and records which agent got which command, in the caller's transaction. The
   * caller delivers the returned commands after its commit. Rows nobody can send
   * become `no_agent` (alerted).
   */
  async send(
    site: Site,
    rows: Dispatch[],
    kioskById: Map<string, Kiosk>,
    action: DispatchAction,
    { dueAt, attempt, now }: { dueAt: Date; attempt: number; now: Date },
  ): Promise<{ sent: number; noAgent: number; deliveries: Delivery[] }> {
    const online = (await this.agents.getEnrolledBySite(site.id)).filter(
      (a) => a.lastHeartbeatAt && now.getTime() - a.lastHeartbeatAt.getTime() < AGENT_OFFLINE_AFTER_MS,
    );
    const perAgent = new Map<Agent, KioskTarget[]>();
    const unreachable: Dispatch[] = [];
    for (const row of rows) {
      const kiosk = kioskById.get(row.kioskId)!;
      const target = targetOf(kiosk, action);
      if (!isTarget(target)) {
        Object.assign(row, { status: 'failed', outcome: target.problem });
        continue;
      }
      const senders = online.filter((a) => reaches(a, kiosk));
      if (!senders.length) {
        unreachable.push(row);
        continue;
      }
      for (const agent of senders) perAgent.set(agent, [...(perAgent.get(agent) ?? []), target]);
    }
    const expiresAt = new Date(Math.max(dueAt.getTime(), now.getTime()) + this.config.dispatch.commandTtlMs);
    const entries = [...perAgent.entries()];
    const deliveries = entries.length
      ? await this.commands.record(entries.map(([agent, targets]) => ({ agentId: agent.id, command: { type: action, dueAt, expiresAt, targets } })))
      : [];
    const sentRows = new Set<Dispatch>();
    deliveries.forEach(({ command }, i) => {
      const agent = entries[i][0];
      for (const t of command.targets) {
        const row = rows.find((r) => r.kioskId === t.kioskId)!;
        row.commands = [...row.commands, { agentId: agent.id, commandId: command.id, issuedAt: now.toISOString(), attempt }];
        row.status = 'sent';
        row.sentAt ??= now;
        sentRows.add(row);
      }
    });
    for (const row of unreachable) Object.assign(row, { status: 'no_agent', outcome: 'no online agent of the site reaches this kiosk' });
    if (unreachable.length) {
      await this.occurrenceAlerts.raiseNoAgent({ site, at: dueAt, action }, unreachable.map((r) => r.kioskId), now);
    } else if (sentRows.size) {
      await this.alerts.resolve(noAgentKey(site.id));
    }
    return { sent: sentRows.size, noAgent: unreachable.length, deliveries };
  }

  /**
   * A person's wake or shutdown now of kiosks of one site: one occurrence at the
   * request instant, sent like a scheduled transition (`send`: every online agent
   * that reaches each kiosk) and verified like one. Runs in the caller's
   * transaction; call `afterManual` once it committed.
   */
  async recordManual(site: Site, kiosks: Kiosk[], action: DispatchAction, requestedBy: string, now: Date): Promise<ManualOccurrence> {
    // Scheduled instants are whole minutes: a request never shares one, so its rows
    // and verification jobs (keyed by site, instant, action) stay its own.
    const at = now.getTime() % 60_000 === 0 ? new Date(now.getTime() - 1) : now;
    const rows = await this.dispatches.insertManual(
      kiosks.map((k) => ({ kioskId: k.id, siteId: site.id, hospitalId: site.hospitalId, action, plannedAt: at, ruleId: null, requestedBy })),
      now,
    );
    const kioskById = new Map(kiosks.map((k) => [k.id, k]));
    const { deliveries, sent, noAgent } = await this.send(site, rows, kioskById, action, { dueAt: at, attempt: 0, now });
    await this.dispatches.save(rows);
    return { site, at, action, requestedBy, rows, deliveries, sent, noAgent };
  }

  /** Delivery, verification jobs and the live event of a committed manual occurrence. */
  async afterManual(o: ManualOccurrence): Promise<void> {
    await this.commands.deliver(o.deliveries);
    if (o.sent) await this.scheduleVerification(o.site.id, o.at, o.action, o.at);
    await this.live.publish('dispatch.updated', o.site.hospitalId, {
      siteId: o.site.id,
      at: o.at.toISOString(),
      action: o.action,
      source: 'manual',
      requestedBy: o.requestedBy,
      sent: o.sent,
      noAgent: o.noAgent,
      kioskIds: o.rows.map((r) => r.kioskId),
    });
    this.logger.log(`site ${o.site.id} manual ${o.action} by ${o.requestedBy}: ${JSON.stringify({ sent: o.sent, noAgent: o.noAgent })}`);
  }

  private async recordMissed(site: Site, rows: Dispatch[], at: Date, action: DispatchAction, now: Date) {
    for (const r of rows) Object.assign(r, { status: 'missed', outcome: `found ${Math.round((now.getTime() - at.getTime()) / 1000)} s late, past the catch-up window` });
    await this.dispatches.save(rows);
    await this.occurrenceAlerts.raiseMissed({ site, at, action }, rows.map((r) => r.kioskId), now);
    return { sent: 0, skipped: 0, missed: rows.length, noAgent: 0 };
  }

  private async scheduleVerification(siteId: string, at: Date, action: DispatchAction, now: Date): Promise<void> {
    await this.queue.addBulk(
      this.config.dispatch.verifyAfterMs.map((afterMs, round) => ({
        name: 'verify',
        data: { kind: 'verify' as const, siteId, at: at.toISOString(), action, round },
        opts: { jobId: verifyJobId(siteId, at, action, round), delay: Math.max(0, at.getTime() + afterMs - now.getTime()) },
      })),
    );
  }
}
