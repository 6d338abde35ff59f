import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { canEditFleet, scopeHospitalFilter } from '../common/access';
import { AccessService, notFoundError } from '../common/access.service';
import { AuditService } from '../audit/audit.service';
import { badRequest, conflict, DomainError, notFound } from '../common/errors';
import type { Principal } from '../common/request-context';
import { Database } from '../database/database.service';
import { parseInput } from '../common/validation';
import { HospitalsRepository } from '../hospitals/hospitals.repository';
import { KiosksRepository } from '../kiosks/kiosks.repository';
import { SitesRepository } from '../sites/sites.repository';
import { PowerRuleRecord } from './power-rule.entity';
import { assertValidRule, publicRule } from '../schedule/rule-mapping';
import { createRuleBody, listRulesQuery, ruleScope, updateRuleBody } from './rules.dto';
import { RulesRepository } from './rules.repository';
import { ScheduleChanges } from '../common/schedule-changes';

type Companion = z.output<typeof createRuleBody>['companions'][number];

/** Far above any hospital's needs (the reference one has ~20), far below what would slow planning. */
export const MAX_RULES_PER_HOSPITAL = 500;

@Injectable()
export class RulesService {
  constructor(
    private readonly db: Database,
    private readonly rules: RulesRepository,
    private readonly hospitals: HospitalsRepository,
    private readonly sites: SitesRepository,
    private readonly kiosks: KiosksRepository,
    private readonly access: AccessService,
    private readonly audit: AuditService,
    private readonly scheduleChanges: ScheduleChanges,
  ) {}

  async list(p: Principal, query: z.output<typeof listRulesQuery>) {
    const { hospitalId, ...rest } = query;
    const page = await this.rules.search({ hospitalIds: scopeHospitalFilter(p, hospitalId), ...rest });
    return { ...page, items: page.items.map(publicRule) };
  }

  async get(p: Principal, id: string) {
    return publicRule(await this.getVisible(p, id));
  }

  async create(p: Principal, input: z.output<typeof createRuleBody>) {
    const rule = await this.db.transaction(async () => {
      const rule = await this.newRule(p, input);
      await this.rules.save(rule);
      await this.audit.record({ action: 'create', entityType: 'power_rule', entityId: rule.id, hospitalId: rule.hospitalId, after: publicRule(rule) });
      return { ...publicRule(rule), companions: await this.createCompanions(p, rule, input.companions) };
    });
    await this.scheduleChanges.hospitalChanged(rule.hospitalId);
    return rule;
  }

  async update(p: Principal, id: string, input: z.output<typeof updateRuleBody>) {
    const rule = await this.db.transaction(async () => {
      const rule = await this.getVisible(p, id);
      const before = publicRule(rule);
      await this.changedRule(p, rule, input);
      await this.rules.save(rule);
      await this.audit.record({ action: 'update', entityType: 'power_rule', entityId: id, hospitalId: rule.hospitalId, before, after: publicRule(rule) });
      return { ...publicRule(rule), companions: await this.createCompanions(p, rule, input.companions ?? []) };
    });
    await this.scheduleChanges.hospitalChanged(rule.hospitalId);
    return rule;
  }

  /** New rules for the other parts of the saved rule's hours, in the caller's transaction, each audited. */
  private async createCompanions(p: Principal, main: PowerRuleRecord, companions: Companion[]) {
    const created = [];
    for (const [i, c] of companions.entries()) {
      const input = {
        hospitalId: main.hospitalId,
        name: c.name,
        scope: publicRule(main).scope,
        layer: main.layer,
        days: c.days,
        from: main.fromDate,
        until: main.untilDate,
        windows: c.windows,
        priority: main.priority,
        companions: [],
      };
      const rule = await this.newRule(p, input).catch((err: unknown) => {
        // The refusal names the companion's own field, as the request wrote it.
        if (err instanceof DomainError && err.field) throw new DomainError(err.status, err.code, `companions.${i}: ${err.message}`, `companions.${i}.${err.field}`);
        throw err;
      });
      await this.rules.save(rule);
      await this.audit.record({ action: 'create', entityType: 'power_rule', entityId: rule.id, hospitalId: rule.hospitalId, after: publicRule(rule) });
      created.push(publicRule(rule));
    }
    return created;
  }

  /**
   * The rule as it would be after a create (no ruleId) or an update, checked exactly
   * as saving would check it, but not stored: for the console's preview.
   */
  async draft(p: Principal, input: unknown, ruleId?: string): Promise<PowerRuleRecord> {
    if (!ruleId) return this.newRule(p, parseInput(createRuleBody, input));
    const rule = await this.getVisible(p, ruleId);
    await this.changedRule(p, rule, parseInput(updateRuleBody, input));
    return rule;
  }

  /** Every rule of a hospital, for schedule computations. */
  getByHospital(hospitalId: string): Promise<PowerRuleRecord[]> {
    return this.rules.getByHospital(hospitalId);
  }

  /** Every rule of many hospitals at once (the fleet overview), unchecked: the caller scopes the ids. */
  getByHospitals(hospitalIds: string[] | 'all'): Promise<PowerRuleRecord[]> {
    return this.rules.getByHospitals(hospitalIds);
  }

  private async newRule(p: Principal, input: z.output<typeof createRuleBody>): Promise<PowerRuleRecord> {
    const hospital = await this.hospitals.getById(input.hospitalId);
    if (!hospital || !canEditFleet(p, hospital.id)) {
      if (hospital) await this.access.denied('power_rule', null, hospital.id);
      throw notFound('HOSPITAL_NOT_FOUND', `hospital ${input.hospitalId} not found`);
    }
    // Every planner pass, fleet view and agent plan of the hospital loads all its rules.
    if ((await this.rules.countOfHospital(hospital.id)) >= MAX_RULES_PER_HOSPITAL) {
      throw conflict('RULES_LIMIT', `a hospital has at most ${MAX_RULES_PER_HOSPITAL} rules; remove rules that are over before adding more`);
    }
    const rule = new PowerRuleRecord();
    rule.id = randomUUID();
    rule.hospitalId = hospital.id;
    this.apply(rule, input);
    await this.checkScopeBelongsToHospital(rule);
    rule.updatedAt = new Date();
    assertValidRule(rule);
    return rule;
  }

  private async changedRule(p: Principal, rule: PowerRuleRecord, input: z.output<typeof updateRuleBody>): Promise<void> {
    await this.access.assertFleetEditable(p, 'power_rule', rule.id, rule.hospitalId);
    this.apply(rule, input);
    await this.checkScopeBelongsToHospital(rule);
    rule.updatedAt = new Date();
    assertValidRule(rule);
  }

  async delete(p: Principal, id: string): Promise<void> {
    const hospitalId = await this.db.transaction(async () => {
      const rule = await this.getVisible(p, id);
      await this.access.assertFleetEditable(p, 'power_rule', id, rule.hospitalId);
      await this.rules.delete(id);
      await this.audit.record({ action: 'delete', entityType: 'power_rule', entityId: id, hospitalId: rule.hospitalId, before: publicRule(rule) });
      return rule.hospitalId;
    });
    await this.scheduleChanges.hospitalChanged(hospitalId);
  }

  private async getVisible(p: Principal, id: string): Promise<PowerRuleRecord> {
    const rule = await this.rules.getById(id);
    if (!rule) throw notFoundError('power_rule', id);
    await this.access.assertReadable(p, 'power_rule', id, rule.hospitalId);
    return rule;
  }

  private apply(rule: PowerRuleRecord, input: Partial<z.output<typeof updateRuleBody>>): void {
    if (input.name !== undefined) rule.name = input.name;
    if (input.scope !== undefined) this.applyScope(rule, input.scope);
    if (input.layer !== undefined) rule.layer = input.layer;
    if (input.days !== undefined) rule.days = input.days;
    if (input.from !== undefined) rule.fromDate = input.from;
    if (input.until !== undefined) rule.untilDate = input.until;
    if (input.windows !== undefined) rule.windows = input.windows;
    if (input.priority !== undefined) rule.priority = input.priority;
  }

  private applyScope(rule: PowerRuleRecord, scope: z.output<typeof ruleScope>): void {
    rule.scopeKind = scope.kind;
    rule.siteId = scope.kind === 'site' ? scope.siteId : null;
    rule.kioskIds = scope.kind === 'kiosks' ? [...new Set(scope.kioskIds)].sort() : null;
  }

  /** A rule may only speak for the sites and kiosks of its own hospital. */
  private async checkScopeBelongsToHospital(rule: PowerRuleRecord): Promise<void> {
    if (rule.scopeKind === 'site') {
      const site = await this.sites.getById(rule.siteId!);
      if (!site || site.hospitalId !== rule.hospitalId) {
        throw badRequest('RULE_SCOPE_INVALID', `scope.siteId: no site ${rule.siteId} in this hospital`, 'scope.siteId');
      }
    }
    if (rule.scopeKind === 'kiosks') {
      const found = await this.kiosks.getByIds(rule.kioskIds!);
      const own = new Set(found.filter((k) => k.hospitalId === rule.hospitalId).map((k) => k.id));
      const missing = rule.kioskIds!.filter((id) => !own.has(id));
      if (missing.length) {
        throw badRequest('RULE_SCOPE_INVALID', `scope.kioskIds: no kiosk ${missing.join(', ')} in this hospital`, 'scope.kioskIds');
      }
    }
  }

  /** The rule as its audit entries record it (publicRule's JSON), or null if there is none. */
  async snapshot(id: string): Promise<RuleSnapshot | null> {
    const rule = await this.rules.getById(id);
    return rule ? (JSON.parse(JSON.stringify(publicRule(rule))) as RuleSnapshot) : null;
  }

  /**
   * Puts a rule back as an audit snapshot shows it, or removes it (null): an undo. The
   * snapshot must still be a valid rule. Runs in the caller's transaction, which audits
   * it as the undo it is; re-plans the hospital once that commits.
   */
  async restore(id: string, hospitalId: string, restored: RuleSnapshot | null): Promise<RuleSnapshot | null> {
    if (restored === null) {
      await this.rules.delete(id);
    } else {
      const rule = ruleFromSnapshot(restored);
      assertValidRule(rule);
      await this.rules.save(rule);
    }
    await this.db.afterCommit(() => this.scheduleChanges.hospitalChanged(hospitalId));
    return restored === null ? null : this.snapshot(id);
  }
}

/** A rule as audit entries record it: publicRule's JSON, timestamps as ISO strings. */
export type RuleSnapshot = Record<string, unknown> & { updatedAt?: string };

/** The inverse of publicRule, for a snapshot read back from the audit log. */
function ruleFromSnapshot(s: RuleSnapshot): PowerRuleRecord {
  const scope = s.scope as { kind: 'hospital' | 'site' | 'kiosks'; siteId?: string; kioskIds?: string[] };
  return Object.assign(new PowerRuleRecord(), {
    id: s.id,
    hospitalId: s.hospitalId,
    name: s.name,
    scopeKind: scope.kind,
    siteId: scope.siteId ?? null,
    kioskIds: scope.kioskIds ?? null,
    layer: s.layer,
    days: s.days ?? null,
    fromDate: s.from ?? null,
    untilDate: s.until ?? null,
    windows: s.windows,
    priority: s.priority,
    createdAt: new Date(String(s.createdAt)),
  });
}
