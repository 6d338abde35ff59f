import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Agent } from '../agents/agent.entity';
import { AgentsRepository } from '../agents/agents.repository';
import { AGENT_OFFLINE_AFTER_MS } from '../agents/agents.service';
import { isTarget, reaches, targetOf } from '../agent-commands/kiosk-targets';
import type { SiteCommandInput } from './power-commands.dto';
import { AuditService } from '../audit/audit.service';
import { AccessService } from '../common/access.service';
import { badRequest, conflict, DomainError } from '../common/errors';
import type { Principal } from '../common/request-context';
import { ER_DUP_ENTRY, mysqlErrno } from '../common/sql';
import { Database } from '../database/database.service';
import type { Kiosk } from '../kiosks/kiosk.entity';
import { KiosksRepository } from '../kiosks/kiosks.repository';
import { expectedState, ExpectedState } from '../schedule/expected-state';
import { HospitalSchedule, kioskRef, type PowerRule } from '../schedule/hospital-schedule';
import type { Site } from '../sites/site.entity';
import { UserLocksRepository } from '../redis/user-locks.repository';
import { SitesRepository } from '../sites/sites.repository';
import { SitesService } from '../sites/sites.service';
import { DispatcherService, ManualOccurrence } from './dispatcher.service';
import type { DispatchAction } from './dispatch.entity';
import { DispatchRepository } from './dispatch.repository';
import { MAX_KIOSKS_PER_POWER_COMMAND, PowerCommandInput } from './power-commands.dto';

/** Longer than any request takes; a crashed one frees the user after this. */
const LOCK_TTL_MS = 30_000;
/** The lock's key is `power-command:<userId>`, as it was before user locks were shared: held locks survive an upgrade. */
const LOCK_KIND = 'power-command';

export interface Selection {
  action: DispatchAction;
  /** Kiosks that can take the command, by site. */
  bySite: Map<string, { site: Site; kiosks: Kiosk[] }>;
  /** Kiosks of a whole-site request that cannot (no valid MAC, no shutdown method). */
  unfit: { kioskId: string; code: string; reason: string; problem: string }[];
}

export interface KioskView {
  kioskId: string;
  code: string;
  name: string;
  siteId: string;
  expected: ExpectedState['state'];
  expectedBy: 'schedule' | 'manual';
  /** Online agents of the site that reach the kiosk: those the command goes to. */
  agents: { id: string; name: string }[];
}

/**
 * Wake now / shut down now, for kiosks named or a whole site (DESIGN.md "Trust
 * boundaries": staff for their hospital's kiosks, ops and admin for any). Each
 * site's kiosks become one manual occurrence that goes through the dispatcher's
 * own fan-out and verification. A shutdown needs `confirm: true`; the preview
 * gives the figures the console's confirmation shows (how many, how many the
 * schedule expects on, how many no online agent reaches).
 *
 * Bounded: at most MAX_KIOSKS_PER_POWER_COMMAND kiosks, and one request at a time
 * per user (409 POWER_COMMAND_IN_PROGRESS), so that a double click or a script
 * in a loop cannot multiply commands to every agent and verification jobs.
 */
@Injectable()
export class PowerCommandsService {
  constructor(
    private readonly db: Database,
    private readonly kiosks: KiosksRepository,
    private readonly sites: SitesRepository,
    private readonly sitesService: SitesService,
    private readonly schedule: HospitalSchedule,
    private readonly agents: AgentsRepository,
    private readonly dispatches: DispatchRepository,
    private readonly dispatcher: DispatcherService,
    private readonly access: AccessService,
    private readonly audit: AuditService,
    private readonly locks: UserLocksRepository,
  ) {}

  /** What a request would do, per kiosk, with its counts. Writes nothing. */
  async preview(p: Principal, input: PowerCommandInput, now = new Date()) {
    const selection = await this.select(p, input);
    const { kiosks, counts } = await this.describe(selection, now);
    return { action: input.action, kiosks, unfit: selection.unfit, counts };
  }

  async request(p: Principal, input: PowerCommandInput) {
    const lock = await this.locks.take(LOCK_KIND, p.userId, LOCK_TTL_MS);
    if (!lock)
      throw conflict(
        'POWER_COMMAND_IN_PROGRESS',
        'your previous wake or shutdown request is still being sent; try again in a moment',
      );
    try {
      return await this.requestOnce(p, input, new Date());
    } finally {
      await this.locks.release(LOCK_KIND, p.userId, lock);
    }
  }

  /** The old console route (`POST /api/sites/:id/commands`) for wake and shutdown: the same path, its old answer. */
  async siteCommand(p: Principal, siteId: string, input: SiteCommandInput & { type: DispatchAction }) {
    for (const field of ['dueAt', 'expiresAt'] as const) {
      if (input[field])
        throw badRequest(
          'VALIDATION_FAILED',
          `${field}: wake and shutdown run now and are verified (POST /api/power-commands); plan later ones with a rule`,
          field,
        );
    }
    const site = await this.sitesService.get(p, siteId);
    const found = new Map((await this.kiosks.getByIds(input.kioskIds)).map((k) => [k.id, k]));
    input.kioskIds.forEach((id, i) => {
      if (found.get(id)?.siteId !== site.id)
        throw badRequest('COMMAND_KIOSK_INVALID', `kioskIds.${i}: ${id} is not a kiosk of this site`, `kioskIds.${i}`);
    });
    // The old route asked no confirmation; its callers (ops scripts) name their kiosks.
    const result = await this.request(p, { action: input.type, kioskIds: input.kioskIds, confirm: true });
    return {
      commands: result.commands,
      uncovered: result.kiosks.filter((k) => k.status === 'no_agent').map((k) => k.kioskId),
      dispatch: result,
    };
  }

  private async requestOnce(p: Principal, input: PowerCommandInput, now: Date) {
    const selection = await this.select(p, input);
    const described = await this.describe(selection, now);
    const { counts } = described;
    if (!counts.kiosks)
      throw badRequest(
        'POWER_COMMAND_NO_KIOSKS',
        'none of these kiosks can take this command',
        input.siteId ? 'siteId' : 'kioskIds',
      );
    if (input.action === 'shutdown' && input.confirm !== true) {
      throw new DomainError(
        409,
        'CONFIRMATION_REQUIRED',
        `shutting down ${counts.kiosks} kiosk(s)${counts.expectedOn ? `, ${counts.expectedOn} of which the schedule expects on now` : ''}: send confirm: true`,
        'confirm',
        { kiosks: counts.kiosks, expectedOn: counts.expectedOn, unreachable: counts.unreachable },
      );
    }
    const requestId = randomUUID();
    const occurrences = await this.db.transaction(async () => {
      const recorded: ManualOccurrence[] = [];
      for (const { site, kiosks } of selection.bySite.values()) {
        recorded.push(
          await this.dispatcher.recordManual(site, kiosks, input.action, p.username, now).catch(sameInstant),
        );
      }
      // One entry per hospital, each with its own kiosks: every hospital's audit log shows
      // what was done to its kiosks, also when a request spans two of a user's hospitals.
      for (const hospitalId of new Set(recorded.map((o) => o.site.hospitalId))) {
        const own = recorded.filter((o) => o.site.hospitalId === hospitalId);
        const ownKiosks = new Set(own.flatMap((o) => o.rows.map((r) => r.kioskId)));
        await this.audit.record({
          action: 'create',
          entityType: 'power_command',
          entityId: requestId,
          hospitalId,
          after: {
            action: input.action,
            siteId: input.siteId ?? null,
            kioskIds: [...ownKiosks],
            sites: own.map((o) => ({ siteId: o.site.id, plannedAt: o.at, sent: o.sent, noAgent: o.noAgent })),
            counts: {
              kiosks: ownKiosks.size,
              expectedOn: described.kiosks.filter((k) => ownKiosks.has(k.kioskId) && k.expected === 'on').length,
              sent: sum(own, 'sent'),
              noAgent: sum(own, 'noAgent'),
            },
            unfit: selection.unfit.map((u) => u.kioskId),
          },
        });
      }
      return recorded;
    });
    for (const o of occurrences) await this.dispatcher.afterManual(o);

    const agentNames = new Map<string, string>();
    for (const k of described.kiosks) for (const a of k.agents) agentNames.set(a.id, a.name);
    const viewById = new Map(described.kiosks.map((k) => [k.kioskId, k]));
    return {
      requestId,
      action: input.action,
      requestedAt: now,
      requestedBy: p.username,
      counts: {
        kiosks: counts.kiosks,
        expectedOn: counts.expectedOn,
        sent: sum(occurrences, 'sent'),
        noAgent: sum(occurrences, 'noAgent'),
      },
      occurrences: occurrences.map((o) => ({ siteId: o.site.id, plannedAt: o.at, sent: o.sent, noAgent: o.noAgent })),
      kiosks: occurrences.flatMap((o) =>
        o.rows.map((r) => ({
          kioskId: r.kioskId,
          code: viewById.get(r.kioskId)?.code ?? '',
          siteId: r.siteId,
          dispatchId: r.id,
          status: r.status,
          outcome: r.outcome,
          agents: [...new Set(r.commands.map((c) => c.agentId))].map((id) => ({ id, name: agentNames.get(id) ?? id })),
        })),
      ),
      commands: occurrences.flatMap((o) =>
        o.deliveries.map(({ agentId, command }) => ({
          id: command.id,
          agentId,
          agentName: agentNames.get(agentId) ?? agentId,
          type: command.type,
          dueAt: command.dueAt,
          expiresAt: command.expiresAt,
          kioskIds: command.targets.map((t) => t.kioskId),
        })),
      ),
      unfit: selection.unfit,
    };
  }

  /**
   * The kiosks a request names, each one the user may act on: kiosks of other
   * hospitals are answered as not found (404), a viewer gets 403. Named kiosks
   * that cannot take the command are refused (400, nothing stored); a whole
   * site's are listed as unfit and left out.
   */
  private async select(p: Principal, input: PowerCommandInput): Promise<Selection> {
    const bySite = new Map<string, { site: Site; kiosks: Kiosk[] }>();
    const unfit: Selection['unfit'] = [];
    if (input.siteId) {
      const site = await this.sitesService.get(p, input.siteId);
      await this.access.assertFleetEditable(p, 'site', site.id, site.hospitalId);
      const kiosks = await this.kiosks.getBySite(site.id);
      if (kiosks.length > MAX_KIOSKS_PER_POWER_COMMAND) {
        throw badRequest(
          'POWER_COMMAND_TOO_MANY',
          `the site has ${kiosks.length} kiosks; choose at most ${MAX_KIOSKS_PER_POWER_COMMAND}`,
          'siteId',
        );
      }
      const fit = kiosks.filter((k) => {
        const target = targetOf(k, input.action);
        if (!isTarget(target))
          unfit.push({ kioskId: k.id, code: k.code, reason: target.code, problem: target.problem });
        return isTarget(target);
      });
      bySite.set(site.id, { site, kiosks: fit });
      return { action: input.action, bySite, unfit };
    }
    const ids = input.kioskIds!;
    const found = new Map((await this.kiosks.getByIds(ids)).map((k) => [k.id, k]));
    const checkedHospitals = new Set<string>();
    const siteCache = new Map<string, Site | null>();
    for (const [i, id] of ids.entries()) {
      const kiosk = found.get(id);
      if (!kiosk) throw new DomainError(404, 'KIOSK_NOT_FOUND', `kiosk ${id} not found`, `kioskIds.${i}`);
      if (!checkedHospitals.has(kiosk.hospitalId)) {
        await this.access.assertFleetEditable(p, 'kiosk', kiosk.id, kiosk.hospitalId).catch((err) => {
          // Another hospital's kiosk reads exactly like a missing one, field included.
          if (err instanceof DomainError && err.status === 404) throw new DomainError(404, 'KIOSK_NOT_FOUND', `kiosk ${id} not found`, `kioskIds.${i}`);
          throw err;
        });
        checkedHospitals.add(kiosk.hospitalId);
      }
      const target = targetOf(kiosk, input.action);
      if (!isTarget(target)) throw badRequest(target.code, `kioskIds.${i}: ${target.problem}`, `kioskIds.${i}`);
      if (!siteCache.has(kiosk.siteId)) siteCache.set(kiosk.siteId, await this.sites.getById(kiosk.siteId));
      const site = siteCache.get(kiosk.siteId)!;
      const entry = bySite.get(site.id) ?? { site, kiosks: [] };
      entry.kiosks.push(kiosk);
      bySite.set(site.id, entry);
    }
    return { action: input.action, bySite, unfit };
  }

  /** Per kiosk: what it should be now (schedule or a manual command) and which online agents reach it. */
  private async describe(selection: Selection, now: Date) {
    const rulesByHospital = new Map<string, PowerRule[]>();
    const kiosks: KioskView[] = [];
    for (const { site, kiosks: siteKiosks } of selection.bySite.values()) {
      if (!rulesByHospital.has(site.hospitalId)) {
        rulesByHospital.set(site.hospitalId, await this.schedule.rulesFor(site.hospitalId));
      }
      const rules = rulesByHospital.get(site.hospitalId)!;
      const [manual, enrolled] = await Promise.all([
        this.dispatches.latestManual(
          site.id,
          siteKiosks.map((k) => k.id),
        ),
        this.agents.getEnrolledBySite(site.id),
      ]);
      const online = enrolled.filter((a) => isOnline(a, now));
      for (const k of siteKiosks) {
        const expected = expectedState(rules, kioskRef(k, site), now, manual.get(k.id));
        kiosks.push({
          kioskId: k.id,
          code: k.code,
          name: k.name,
          siteId: site.id,
          expected: expected.state,
          expectedBy: expected.manual ? 'manual' : 'schedule',
          agents: online.filter((a) => reaches(a, k)).map((a) => ({ id: a.id, name: a.name })),
        });
      }
    }
    const counts = {
      kiosks: kiosks.length,
      expectedOn: kiosks.filter((k) => k.expected === 'on').length,
      expectedOff: kiosks.filter((k) => k.expected === 'off').length,
      unreachable: kiosks.filter((k) => !k.agents.length).length,
      unfit: selection.unfit.length,
    };
    return { kiosks, counts };
  }
}

const isOnline = (a: Agent, now: Date) =>
  a.lastHeartbeatAt !== null && now.getTime() - a.lastHeartbeatAt.getTime() < AGENT_OFFLINE_AFTER_MS;

const sum = (list: ManualOccurrence[], key: 'sent' | 'noAgent') => list.reduce((n, o) => n + o[key], 0);

/** The same kiosk asked for by two requests in the same millisecond (the unique key of dispatches). */
function sameInstant(err: unknown): never {
  if (mysqlErrno(err) === ER_DUP_ENTRY)
    throw conflict(
      'POWER_COMMAND_IN_PROGRESS',
      'another request for these kiosks arrived at the same instant; try again',
    );
  throw err;
}
