import { KioskGroup, KioskRef, planTransitions, PowerRule } from '@wakeward/scheduler';
import { kioskSchedule, ScheduleDay } from './kiosk-schedule';

/** A kiosk as the calendar lists it. */
export interface CalendarKiosk {
  id: string;
  code: string;
  name: string;
  siteId: string;
}

export interface CalendarRuleInfo {
  id: string;
  name: string;
  layer: 'regular' | 'override';
  scopeKind: 'hospital' | 'site' | 'kiosks';
}

/** One on-period of a local date, cut at the date's local midnights. */
export interface CalendarBar {
  start: string;
  end: string;
  /** Wall-clock times in the group's zone; an end at the next midnight reads '24:00'. */
  startLocal: string;
  endLocal: string;
  ruleId: string;
}

export interface CalendarDay {
  date: string;
  /** The local date's first and last instant: 23 or 25 hours apart on DST days. */
  start: string;
  end: string;
  /** `off` with no bars: a rule keeps the kiosks off all day; `unmanaged`: no rule in force. */
  state: 'managed' | 'unmanaged';
  ruleId: string | null;
  bars: CalendarBar[];
}

export interface CalendarGroup {
  id: string;
  timeZone: string;
  kioskCount: number;
  kiosks: CalendarKiosk[];
  siteIds: string[];
  days: CalendarDay[];
}

export interface CalendarLegendEntry extends CalendarRuleInfo {
  /** Index into the console's palette; the legend's order, so each shown rule has its own. */
  colorKey: number;
}

export interface Calendar {
  from: string;
  to: string;
  groups: CalendarGroup[];
  /** Every rule that wins at least one shown date, in a fixed order (scope, layer, name). */
  legend: CalendarLegendEntry[];
}

export const CALENDAR_PALETTE_SIZE = 10;

/**
 * What one calendar may cost, in work units (see calendarWork): measured at ~5 µs of
 * CPU a unit on the 2-core VM, so the most detailed calendar accepted takes about a
 * second. A hospital of 1,000 kiosks with 100 kiosk rules over 62 dates is ~175,000.
 */
export const MAX_CALENDAR_WORK = 200_000;
/** The most groups (distinct rule sets) one answer may list: a second guard on its size. */
export const MAX_CALENDAR_GROUPS = 1_000;

/** Refused before computing: the calendar asked for would cost more than the limits allow. */
export class CalendarTooDetailedError extends Error {
  constructor(
    readonly work: number,
    readonly groups: number,
  ) {
    super(`calendar too detailed: ${groups} groups, ${work} work units`);
  }
}

/**
 * The cost of computing `dayCount` dates for these groups, before doing it. Per group
 * and date, each rule is explained and each of its windows cut into intervals and
 * bars; a fixed part covers the date's midnights and the day's object. Weights fitted
 * on the review's worst case (48-window rules, every kiosk its own rule set) and on
 * ordinary hospitals: both ~5 µs a unit.
 */
export function calendarWork(groups: readonly Pick<KioskGroup, 'rules'>[], dayCount: number): number {
  let perDate = 0;
  for (const group of groups) {
    perDate += 8 + 4 * group.rules.length;
    for (const rule of group.rules) perDate += rule.windows.length;
  }
  return perDate * dayCount;
}

/**
 * The effective schedule of many kiosks over local dates `from`..`to` (inclusive, in
 * each kiosk's site zone), kiosks with the same schedule over those dates grouped.
 *
 * The library's fleet plan groups kiosks by zone and applicable rules; each such
 * group's days are computed once, by the same function as a single kiosk's schedule.
 * Groups whose rule sets differ but whose dates come out the same (a kiosk rule
 * outside the range, say) are then merged: staff care about the hours, not the rules.
 * Throws CalendarTooDetailedError, before computing, beyond `limits`.
 */
export function buildCalendar(
  rules: PowerRule[],
  ruleInfo: Map<string, CalendarRuleInfo>,
  kiosks: { ref: KioskRef; listed: CalendarKiosk }[],
  from: string,
  to: string,
  limits: { maxWork: number; maxGroups: number } = { maxWork: MAX_CALENDAR_WORK, maxGroups: MAX_CALENDAR_GROUPS },
): Calendar {
  const dayCount = daysBetween(from, to) + 1;
  const listed = new Map(kiosks.map((k) => [k.ref.id, k.listed]));
  // Grouping only: an empty window, the days themselves come from kioskSchedule below.
  const none = new Date(0);
  const plan = planTransitions(rules, kiosks.map((k) => k.ref), none, none);
  // Checked before any day is computed: the computation is synchronous and would hold the event loop.
  const work = calendarWork(plan.groups, dayCount);
  if (work > limits.maxWork || plan.groups.length > limits.maxGroups) throw new CalendarTooDetailedError(work, plan.groups.length);

  const merged = new Map<string, { timeZone: string; kiosks: CalendarKiosk[]; days: CalendarDay[] }>();
  const names = new Map([...ruleInfo].map(([id, r]) => [id, r.name]));
  for (const group of plan.groups) {
    const representative = group.kiosks[0];
    const schedule = kioskSchedule(group.rules, names, representative, from, dayCount);
    const days = schedule.days.map((d) => calendarDay(d, group.timeZone));
    const key = `${group.timeZone}|${JSON.stringify(days)}`;
    const members = group.kiosks.map((k) => listed.get(k.id)!);
    const existing = merged.get(key);
    if (existing) existing.kiosks.push(...members);
    else merged.set(key, { timeZone: group.timeZone, kiosks: members, days });
  }

  const groups = [...merged.values()]
    .map((g) => ({ ...g, kiosks: g.kiosks.sort((a, b) => a.code.localeCompare(b.code)) }))
    .sort((a, b) => b.kiosks.length - a.kiosks.length || a.kiosks[0].code.localeCompare(b.kiosks[0].code))
    .map((g, i) => ({
      id: `g${i + 1}`,
      timeZone: g.timeZone,
      kioskCount: g.kiosks.length,
      kiosks: g.kiosks,
      siteIds: [...new Set(g.kiosks.map((k) => k.siteId))],
      days: g.days,
    }));
  return { from, to, groups, legend: legendOf(groups, ruleInfo) };
}

function calendarDay(day: ScheduleDay, timeZone: string): CalendarDay {
  const first = day.intervals[0];
  const last = day.intervals[day.intervals.length - 1];
  return {
    date: day.date,
    start: first.start,
    end: last.end,
    state: day.winner ? 'managed' : 'unmanaged',
    ruleId: day.winner?.id ?? null,
    bars: day.intervals
      .filter((i) => i.state === 'on')
      .map((i) => ({
        start: i.start,
        end: i.end,
        startLocal: localClock(i.start, timeZone),
        endLocal: i.end === last.end ? '24:00' : localClock(i.end, timeZone),
        ruleId: day.winner!.id,
      })),
  };
}

const clockFormats = new Map<string, Intl.DateTimeFormat>();

/** 'HH:mm' on the zone's wall clock; one formatter per zone (a luxon DateTime per bar cost more than the schedule). */
function localClock(instant: string, timeZone: string): string {
  let format = clockFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    clockFormats.set(timeZone, format);
  }
  return format.format(new Date(instant));
}

const SCOPE_ORDER = { hospital: 0, site: 1, kiosks: 2 } as const;

function legendOf(groups: CalendarGroup[], ruleInfo: Map<string, CalendarRuleInfo>): CalendarLegendEntry[] {
  const winners = new Set(groups.flatMap((g) => g.days.map((d) => d.ruleId)).filter((id): id is string => id !== null));
  return [...winners]
    .map((id) => ruleInfo.get(id)!)
    .sort(
      (a, b) =>
        SCOPE_ORDER[a.scopeKind] - SCOPE_ORDER[b.scopeKind] ||
        a.layer.localeCompare(b.layer) ||
        a.name.localeCompare(b.name) ||
        a.id.localeCompare(b.id),
    )
    .map((r, i) => ({ ...r, colorKey: i % CALENDAR_PALETTE_SIZE }));
}

/** Whole days from local date `a` to local date `b` (both 'YYYY-MM-DD'). */
export function daysBetween(a: string, b: string): number {
  return (Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000;
}
