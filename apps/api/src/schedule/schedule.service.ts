import { Injectable } from '@nestjs/common';
import type { KioskRef } from '@wakeward/scheduler';
import { z } from 'zod';
import { badRequest } from '../common/errors';
import type { Principal } from '../common/request-context';
import { parseInput, uuid } from '../common/validation';
import { Kiosk } from '../kiosks/kiosk.entity';
import { KiosksRepository } from '../kiosks/kiosks.repository';
import { KiosksService } from '../kiosks/kiosks.service';
import { PowerRuleRecord } from '../rules/power-rule.entity';
import { toSchedulerRule } from '../rules/rule-mapping';
import { RulesService } from '../rules/rules.service';
import { Site } from '../sites/site.entity';
import { SitesService } from '../sites/sites.service';
import { kioskSchedule, KioskSchedule } from './kiosk-schedule';

export const previewBody = z.object({
  rule: z.record(z.string(), z.unknown()),
  ruleId: uuid.optional(),
  kioskIds: z.array(uuid).min(1, 'choose at least one kiosk').max(50),
  days: z.number().int().min(1).max(31).default(7),
});

export function kioskRef(kiosk: Kiosk, site: Site): KioskRef {
  return { id: kiosk.id, siteId: kiosk.siteId, hospitalId: kiosk.hospitalId, timeZone: site.timeZone };
}

/** Effective schedules of kiosks, as stored and as a rule being edited would make them. */
@Injectable()
export class ScheduleService {
  constructor(
    private readonly kiosks: KiosksService,
    private readonly kioskRepo: KiosksRepository,
    private readonly sites: SitesService,
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
    const records = (await this.rules.getByHospital(draft.hospitalId)).filter((r) => r.id !== draft.id);
    records.push(draft);
    const rules = records.map(toSchedulerRule);
    const names = namesOf(records);
    const siteCache = new Map<string, Site>();
    const result = [];
    for (const kiosk of own) {
      const site = siteCache.get(kiosk.siteId) ?? (await this.sites.get(p, kiosk.siteId));
      siteCache.set(site.id, site);
      result.push({
        kioskId: kiosk.id,
        code: kiosk.code,
        name: kiosk.name,
        schedule: kioskSchedule(rules, names, kioskRef(kiosk, site), from, input.days),
      });
    }
    return { draftRuleId: draft.id, kiosks: result };
  }
}

function namesOf(records: PowerRuleRecord[]): Map<string, string> {
  return new Map(records.map((r) => [r.id, r.name]));
}
