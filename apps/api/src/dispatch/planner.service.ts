import { Inject, Injectable, Logger } from '@nestjs/common';
import { AgentCommandsService } from '../agent-commands/agent-commands.service';
import { APP_CONFIG, AppConfig } from '../config/config';
import { Kiosk } from '../kiosks/kiosk.entity';
import { KiosksRepository } from '../kiosks/kiosks.repository';
import { HospitalSchedule, kioskRef, transitionGroups } from '../schedule/hospital-schedule';
import { Site } from '../sites/site.entity';
import { SitesRepository } from '../sites/sites.repository';
import { actionFor, parseTransitionJobId, transitionJobId, TransitionJob } from './dispatch-jobs';
import type { DispatchAction } from './dispatch.entity';
import { DispatchRepository } from './dispatch.repository';
import { PlannedTransitionsRepository, type SiteAtInstant } from './planned-transitions.repository';

/** All kiosks of a site that change state at one instant the same way. */
export interface SiteTransition {
  at: Date;
  action: DispatchAction;
  kioskIds: string[];
  ruleIds: Map<string, string | undefined>;
}

/**
 * Keeps, for every site, one delayed BullMQ job per (instant, action) for the next
 * `horizonMs`, from MySQL (the source of truth). Planning is idempotent: job ids are
 * deterministic, and jobs that no longer apply are removed. The window starts
 * `catchUpMs` in the past so that a Redis that lost its jobs gets back the recent
 * ones, which the dispatcher then runs late or records as missed.
 */
@Injectable()
export class PlannerService {
  private readonly logger = new Logger('planner');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly planned: PlannedTransitionsRepository,
    private readonly sites: SitesRepository,
    private readonly kiosks: KiosksRepository,
    private readonly schedule: HospitalSchedule,
    private readonly dispatches: DispatchRepository,
    private readonly commands: AgentCommandsService,
  ) {}

  /** The site's transitions in [from, to), grouped by instant and action. */
  async transitionsOfSite(site: Site, from: Date, to: Date, kiosks?: Kiosk[]): Promise<SiteTransition[]> {
    const siteKiosks = kiosks ?? (await this.kiosks.getBySite(site.id));
    const rules = await this.schedule.rulesFor(site.hospitalId);
    const byKey = new Map<string, SiteTransition>();
    for (const group of transitionGroups(rules, siteKiosks.map((k) => kioskRef(k, site)), from, to)) {
      for (const t of group.transitions) {
        if (t.state === 'unmanaged') continue;
        const action = actionFor(t.state);
        const key = `${t.at.getTime()}|${action}`;
        let entry = byKey.get(key);
        if (!entry) byKey.set(key, (entry = { at: t.at, action, kioskIds: [], ruleIds: new Map() }));
        for (const kiosk of group.kiosks) {
          entry.kioskIds.push(kiosk.id);
          entry.ruleIds.set(kiosk.id, t.ruleId);
        }
      }
    }
    return [...byKey.values()].sort((a, b) => a.at.getTime() - b.at.getTime() || a.action.localeCompare(b.action));
  }

  async planSite(siteId: string, now = new Date()): Promise<{ jobs: number; removed: number; cancelled: number }> {
    const site = await this.sites.getById(siteId);
    const previous = await this.planned.plannedJobIdsOfSite(siteId);
    const jobs: { name: string; data: TransitionJob; opts: { jobId: string; delay: number } }[] = [];
    if (site) {
      const from = new Date(now.getTime() - this.config.dispatch.catchUpMs);
      const to = new Date(now.getTime() + this.config.dispatch.horizonMs);
      const transitions = await this.transitionsOfSite(site, from, to);
      const ranks = await this.rankAtInstants(site.id, transitions, now);
      transitions.forEach((t, i) => {
        const leadMs = this.config.dispatch.leadMs + ranks[i]! * this.config.dispatch.leadPerSiteMs;
        jobs.push({
          name: 'transition',
          data: { kind: 'transition', siteId: site.id, at: t.at.toISOString(), action: t.action, kioskIds: t.kioskIds },
          opts: { jobId: transitionJobId(site.id, t.at, t.action, t.kioskIds), delay: Math.max(0, t.at.getTime() - leadMs - now.getTime()) },
        });
      });
    }
    const current = new Set(jobs.map((j) => j.opts.jobId));
    await this.leaveInstants(
      siteId,
      [...previous].filter((id) => !current.has(id)),
      jobs.map((j) => j.data),
    );
    const cancelled = await this.callBackStaleCommands(siteId, jobs.map((j) => j.data), now);
    let removed = 0;
    for (const jobId of previous) {
      if (current.has(jobId)) continue;
      // A job already running or done is left alone: the dispatcher cancels what it sent.
      if (await this.planned.removePendingTransitionJob(jobId)) removed++;
    }
    // Adding a job whose id exists is a no-op in BullMQ: planning twice adds nothing.
    await this.planned.addTransitionJobs(jobs);
    await this.planned.replacePlannedJobIdsOfSite(siteId, current);
    if (removed || cancelled) {
      this.logger.log(`site ${siteId}: ${jobs.length} transition jobs; ${removed} removed and ${cancelled} delivered commands cancelled`);
    }
    return { jobs: jobs.length, removed, cancelled };
  }

  /**
   * Where this site stands among all sites due at each of its instants (0 = first
   * planned): each one further back starts its fan-out `leadPerSiteMs` earlier, so
   * thousands of sites due at one instant are delivered one after another, ahead of
   * time, rather than all queued at `leadMs`. The order is that of first planning
   * and stays put when sites are planned again.
   */
  private async rankAtInstants(siteId: string, transitions: SiteTransition[], now: Date): Promise<number[]> {
    // Kept while a late run of the instant may still come (its catch-up window), with an hour to spare.
    return this.planned.takePlacesAtInstants(
      siteId,
      transitions.map((t) => ({ atMs: t.at.getTime(), action: t.action })),
      now,
      (atMs) => atMs + this.config.dispatch.catchUpMs + 3_600_000,
    );
  }

  /**
   * Takes the site out of the instants of jobs it no longer has (a job replaced by
   * one for other kiosks at the same instant keeps the site's place).
   */
  private async leaveInstants(siteId: string, goneJobIds: string[], planned: TransitionJob[]): Promise<void> {
    const kept = new Set(planned.map((t) => `${Date.parse(t.at)}:${t.action}`));
    const left: SiteAtInstant[] = [];
    for (const jobId of goneJobIds) {
      const parsed = parseTransitionJobId(jobId);
      if (!parsed || kept.has(`${parsed.atMs}:${parsed.action}`)) continue;
      left.push({ atMs: parsed.atMs, action: parsed.action });
    }
    await this.planned.leaveInstants(siteId, left);
  }

  /**
   * A schedule change after delivery: commands already with the agents for a
   * transition that is no longer planned are cancelled (PROTOCOL.md `cancel`).
   */
  private async callBackStaleCommands(siteId: string, planned: TransitionJob[], now: Date): Promise<number> {
    const stillPlanned = new Set(planned.flatMap((t) => t.kioskIds.map((k) => `${k}|${Date.parse(t.at)}|${t.action}`)));
    const stale = (await this.dispatches.sentAfter(siteId, now)).filter(
      (d) => !stillPlanned.has(`${d.kioskId}|${d.plannedAt.getTime()}|${d.action}`),
    );
    const commandIds = new Map<string, string>();
    for (const d of stale) for (const c of d.commands) commandIds.set(c.commandId, c.agentId);
    for (const [commandId, agentId] of commandIds) {
      // Already reported or expired: nothing left to call back.
      await this.commands.cancel(agentId, commandId).catch(() => undefined);
    }
    for (const d of stale) Object.assign(d, { status: 'cancelled', outcome: 'the schedule changed after delivery' });
    await this.dispatches.save(stale);
    return commandIds.size;
  }

  /** The periodic repair pass: every site, from MySQL. */
  async planAll(now = new Date()): Promise<{ sites: number; jobs: number }> {
    let jobs = 0;
    const ids = await this.sites.allIds();
    for (const id of ids) jobs += (await this.planSite(id, now)).jobs;
    return { sites: ids.length, jobs };
  }
}
