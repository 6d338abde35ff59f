import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { AccessService, notFoundError } from '../common/access.service';
import { badRequest, conflict } from '../common/errors';
import type { Principal } from '../common/request-context';
import { parseInput, uuid } from '../common/validation';
import { HospitalsRepository } from '../hospitals/hospitals.repository';
import { KiosksRepository } from '../kiosks/kiosks.repository';
import { UserLocksRepository } from '../redis/user-locks.repository';
import { toSchedulerRule } from './rule-mapping';
import { RulesService } from '../rules/rules.service';
import { Site } from '../sites/site.entity';
import { SitesRepository } from '../sites/sites.repository';
import { SitesService } from '../sites/sites.service';
import { buildCalendar, Calendar, CalendarRuleInfo, CalendarTooDetailedError, daysBetween } from './calendar';

/** Two months: a month view with its neighbouring weeks fits, a year of bars does not. */
export const MAX_CALENDAR_DAYS = 62;
/** Longer than the costliest accepted calendar (~1 s): the lock outlives the request only if its process died. */
const CALENDAR_LOCK_TTL_MS = 30_000;
const CALENDAR_LOCK = 'calendar';
/**
 * How long a calendar waits for the same user's previous one before 409: longer than
 * the costliest accepted one, so that the console's quick navigation (and React's
 * double effect in development) queue up instead of failing.
 */
const CALENDAR_LOCK_WAIT_MS = 2_000;

const localDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
  .refine((s) => {
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(s) && s >= '2000-01-01' && s <= '2099-12-31';
  }, 'must be a real date between 2000-01-01 and 2099-12-31');

export const calendarQuery = z.object({
  siteId: uuid.optional(),
  hospitalId: uuid.optional(),
  from: localDate,
  to: localDate,
  format: z.enum(['json', 'csv']).optional(),
});

export interface CalendarView extends Calendar {
  scope: { kind: 'site' | 'hospital'; id: string; name: string; hospitalId: string };
  sites: { id: string; name: string; timeZone: string }[];
}

/**
 * The effective schedule of a site or a whole hospital over chosen local dates.
 * Bounded: a calendar whose estimated work or group count is beyond the limits of
 * calendar.ts is refused before computing (400 CALENDAR_TOO_DETAILED), and a user
 * gets one calendar at a time (a second waits up to 2 s for the first, then 409
 * CALENDAR_IN_PROGRESS), since the computation
 * holds the event loop.
 */
@Injectable()
export class CalendarService {
  constructor(
    private readonly kiosks: KiosksRepository,
    private readonly sites: SitesService,
    private readonly siteRepo: SitesRepository,
    private readonly hospitals: HospitalsRepository,
    private readonly rules: RulesService,
    private readonly access: AccessService,
    private readonly locks: UserLocksRepository,
  ) {}

  parseQuery(query: unknown): z.output<typeof calendarQuery> {
    const input = parseInput(calendarQuery, query);
    if (!input.siteId === !input.hospitalId) {
      throw badRequest('CALENDAR_SCOPE_REQUIRED', 'give either siteId or hospitalId', input.siteId ? 'hospitalId' : 'siteId');
    }
    const span = daysBetween(input.from, input.to) + 1;
    if (span < 1) throw badRequest('CALENDAR_RANGE_INVALID', `to (${input.to}) is before from (${input.from})`, 'to');
    if (span > MAX_CALENDAR_DAYS) {
      throw badRequest('CALENDAR_RANGE_TOO_LONG', `at most ${MAX_CALENDAR_DAYS} dates at a time (asked for ${span})`, 'to');
    }
    return input;
  }

  async of(p: Principal, input: z.output<typeof calendarQuery>): Promise<CalendarView> {
    const lock = await this.locks.take(CALENDAR_LOCK, p.userId, CALENDAR_LOCK_TTL_MS, CALENDAR_LOCK_WAIT_MS);
    if (!lock) throw conflict('CALENDAR_IN_PROGRESS', 'your previous calendar is still being computed; try again in a moment');
    try {
      return await this.compute(p, input);
    } finally {
      await this.locks.release(CALENDAR_LOCK, p.userId, lock);
    }
  }

  private async compute(p: Principal, input: z.output<typeof calendarQuery>): Promise<CalendarView> {
    const { scope, sites } = input.siteId ? await this.siteScope(p, input.siteId) : await this.hospitalScope(p, input.hospitalId!);
    const [records, kiosks] = await Promise.all([
      this.rules.getByHospital(scope.hospitalId),
      this.kiosks.listedIn(scope.kind === 'site' ? { siteId: scope.id } : { hospitalId: scope.id }),
    ]);
    const siteById = new Map(sites.map((s) => [s.id, s]));
    const ruleInfo = new Map<string, CalendarRuleInfo>(
      records.map((r) => [r.id, { id: r.id, name: r.name, layer: r.layer, scopeKind: r.scopeKind }]),
    );
    let calendar: Calendar;
    try {
      calendar = buildCalendar(
        records.map(toSchedulerRule),
        ruleInfo,
        kiosks.map((k) => ({
          ref: { id: k.id, siteId: k.siteId, hospitalId: k.hospitalId, timeZone: siteById.get(k.siteId)!.timeZone },
          listed: { id: k.id, code: k.code, name: k.name, siteId: k.siteId },
        })),
        input.from,
        input.to,
      );
    } catch (error) {
      if (!(error instanceof CalendarTooDetailedError)) throw error;
      throw badRequest(
        'CALENDAR_TOO_DETAILED',
        `too many different schedules for one calendar (${error.groups} kiosk groups over ${daysBetween(input.from, input.to) + 1} dates): narrow it to a site or to fewer dates`,
        scope.kind === 'hospital' ? 'hospitalId' : 'to',
      );
    }
    return { scope, sites: sites.map((s) => ({ id: s.id, name: s.name, timeZone: s.timeZone })), ...calendar };
  }

  private async siteScope(p: Principal, siteId: string) {
    const site = await this.sites.get(p, siteId);
    return { scope: { kind: 'site' as const, id: site.id, name: site.name, hospitalId: site.hospitalId }, sites: [site] };
  }

  private async hospitalScope(p: Principal, hospitalId: string): Promise<{ scope: CalendarView['scope']; sites: Site[] }> {
    const hospital = await this.hospitals.getById(hospitalId);
    if (!hospital) throw notFoundError('hospital', hospitalId);
    await this.access.assertReadable(p, 'hospital', hospitalId, hospitalId);
    return {
      scope: { kind: 'hospital', id: hospital.id, name: hospital.name, hospitalId: hospital.id },
      sites: await this.siteRepo.getByHospital(hospital.id),
    };
  }
}
