import { Injectable } from '@nestjs/common';
import { localDateOf } from '@wakeward/scheduler';
import { z } from 'zod';
import { badRequest } from '../common/errors';
import type { Principal } from '../common/request-context';
import { parseInput, uuid } from '../common/validation';
import { KiosksRepository } from '../kiosks/kiosks.repository';
import { KiosksService } from '../kiosks/kiosks.service';
import { PowerRuleRecord } from '../rules/power-rule.entity';
import { toSchedulerRule } from './rule-mapping';
import { RulesService } from '../rules/rules.service';
import { Site } from '../sites/site.entity';
import { SitesRepository } from '../sites/sites.repository';
import { SitesService } from '../sites/sites.service';
import { kioskRef } from './hospital-schedule';
import { kioskSchedule, KioskSchedule } from './kiosk-schedule';
import { ruleDates, ruleImpact, RuleImpact } from './rule-impact';

export const previewBody = z.object({
  rule: z.record(z.string(), z.unknown()),
  ruleId: uuid.optional(),
  /** Kiosks whose timelines to show; none is fine (the impact alone). */
  kioskIds: z.array(uuid).max(50).default([]),
  days: z.number().int().min(1).max(31).default(7),
  /** First local date of the timelines (the rule's own dates); today by default. */
  fromDate: z.iso.date().optional(),
  /** Also the rule's impact on every kiosk of its scope, on its own dates. */
  impact: z.boolean().default(false),
});

/** Effective schedules of kiosks, as stored and as a rule being edited would make them. */
@Injectable()
export class ScheduleService {
  constructor(
    private readonly kiosks: KiosksService,
    private readonly kioskRepo: KiosksRepository,
    private readonly sites: SitesService,
    private readonly siteRepo: SitesRepository,
    private readonly rules: RulesService,
  ) {}

  async ofKiosk(p: Principal, kioskId: string, days: number, from = new Date()): Promise<KioskSchedule> {
    const kiosk = await this.kiosks.get(p, kioskId);
    const site = await this.sites.get(p, kiosk.siteId);
    const records = await this.rules.getByHospital(kiosk.hospitalId);
    return kioskSchedule(records.map(toSchedulerRule), namesOf(records), kioskRef(kiosk, site), from, days);
  }

  /** Nothing is stored: the draft replaces (or joins) the hospital's rules in memory only. */
  async preview(p: Principal, body: unknown, from = new Date()) {
    const input = parseInput(previewBody, body);
    const draft = await this.rules.draft(p, input.rule, input.ruleId);
    const kiosks = await this.kioskRepo.getByIds(input.kioskIds);
    const own = kiosks.filter((k) => k.hospitalId === draft.hospitalId);
    if (own.length !== new Set(input.kioskIds).size) {
      throw badRequest('PREVIEW_KIOSKS_INVALID', 'kioskIds: every kiosk must belong to the rule\'s hospital', 'kioskIds');
    }
    const stored = await this.rules.getByHospital(draft.hospitalId);
    const records = [...stored.filter((r) => r.id !== draft.id), draft];
    const rules = records.map(toSchedulerRule);
    const names = namesOf(records);
    const sites = new Map((await this.siteRepo.getByHospital(draft.hospitalId)).map((s) => [s.id, s]));
    const result = [];
    for (const kiosk of own) {
      const site = sites.get(kiosk.siteId)!;
      result.push({
        kioskId: kiosk.id,
        code: kiosk.code,
        name: kiosk.name,
        site: { id: site.id, name: site.name },
        schedule: kioskSchedule(rules, names, kioskRef(kiosk, site), input.fromDate ?? from, input.days),
      });
    }
    const impact = input.impact ? await this.impact(draft, stored, sites, from) : undefined;
    return { draftRuleId: draft.id, kiosks: result, ...(impact && { impact }) };
  }

  /** Every kiosk of the draft's scope on the draft's own dates (see rule-impact.ts). */
  private async impact(draft: PowerRuleRecord, stored: PowerRuleRecord[], sites: Map<string, Site>, now: Date): Promise<RuleImpact> {
    const inScope =
      draft.scopeKind === 'hospital'
        ? await this.kioskRepo.getByHospital(draft.hospitalId)
        : draft.scopeKind === 'site'
          ? await this.kioskRepo.getBySite(draft.siteId!)
          : await this.kioskRepo.getByIds(draft.kioskIds ?? []);
    const kiosks = inScope
      .filter((k) => sites.has(k.siteId))
      .map((k) => ({ ref: kioskRef(k, sites.get(k.siteId)!), code: k.code, name: k.name, siteName: sites.get(k.siteId)!.name }));
    // The rule's dates are local dates; "today" is read in the zone of its first kiosk's site.
    const zone = kiosks[0]?.ref.timeZone ?? [...sites.values()][0]?.timeZone ?? 'UTC';
    const today = localDateOf(now, zone);
    const rule = toSchedulerRule(draft);
    const { dates, truncated } = ruleDates(rule, today);
    return ruleImpact({
      draft: rule,
      stored: stored.map(toSchedulerRule),
      storedNames: namesOf(stored),
      draftName: draft.name,
      kiosks,
      dates,
      datesTruncated: truncated,
    });
  }
}

function namesOf(records: PowerRuleRecord[]): Map<string, string> {
  return new Map(records.map((r) => [r.id, r.name]));
}
