import { explain, KioskRef, localToInstant, PowerRule, type ReasonCode, type ReasonParams, resolve, transitions } from '@wakeward/scheduler';

export interface ScheduleDay {
  date: string;
  winner: { id: string; name: string; layer: string; scopeKind: string } | null;
  /** English, for logs and older consoles; the console words `reasonCode` with `reasonParams`. */
  reason: string;
  reasonCode: ReasonCode | 'unmanaged';
  reasonParams: ReasonParams;
  intervals: { start: string; end: string; state: 'on' | 'off' | 'unmanaged' }[];
  candidates: { ruleId: string; name: string; inForce: boolean; reason: string; reasonCode: ReasonCode; reasonParams: ReasonParams }[];
}

/** A reason's params with the rule it names also by name (`ruleName`), as the console shows rules. */
export function namedParams(params: ReasonParams, nameOf: (id: string) => string): ReasonParams {
  return typeof params.rule === 'string' ? { ...params, ruleName: nameOf(params.rule) } : params;
}

export interface KioskSchedule {
  timeZone: string;
  days: ScheduleDay[];
}

/** Rules whose scope covers the kiosk: the only ones worth showing on its schedule. */
export function rulesCovering(rules: PowerRule[], kiosk: KioskRef): PowerRule[] {
  return rules.filter(
    (r) =>
      (r.scope.kind === 'hospital' && r.scope.hospitalId === kiosk.hospitalId) ||
      (r.scope.kind === 'site' && r.scope.siteId === kiosk.siteId) ||
      (r.scope.kind === 'kiosks' && r.scope.kioskIds.includes(kiosk.id)),
  );
}

/**
 * The effective schedule of a kiosk over `days` local dates from the local date of
 * `from`: per date, the winning rule and why, and the on/off intervals as instants.
 * The site's zone appears here only to name local dates, as DESIGN.md wants.
 */
export function kioskSchedule(
  rules: PowerRule[],
  names: Map<string, string>,
  kiosk: KioskRef,
  from: Date,
  days: number,
): KioskSchedule {
  const applicable = rulesCovering(rules, kiosk);
  const firstDate = localDateOf(from, kiosk.timeZone);
  const result: ScheduleDay[] = [];
  for (let i = 0; i < days; i++) {
    const date = addDays(firstDate, i);
    const next = addDays(firstDate, i + 1);
    const start = midnightOf(date, kiosk.timeZone);
    const end = midnightOf(next, kiosk.timeZone);
    const why = explain(applicable, kiosk, date);
    const winnerCandidate = why.candidates.find((c) => c.rule === why.winner);
    result.push({
      date,
      winner: why.winner
        ? { id: why.winner.id, name: names.get(why.winner.id) ?? why.winner.id, layer: why.winner.layer, scopeKind: why.winner.scope.kind }
        : null,
      reason: winnerCandidate?.reason ?? 'no rule in force: unmanaged',
      reasonCode: winnerCandidate?.reasonCode ?? 'unmanaged',
      reasonParams: winnerCandidate?.reasonParams ?? {},
      intervals: intervals(applicable, kiosk, start, end),
      candidates: why.candidates.map((c) => ({
        ruleId: c.rule.id,
        name: names.get(c.rule.id) ?? c.rule.id,
        inForce: c.inForce,
        reason: c.reason.replace(/rule ([0-9a-f-]{36})/g, (_, id: string) => `"${names.get(id) ?? id}"`),
        reasonCode: c.reasonCode,
        reasonParams: namedParams(c.reasonParams, (id) => names.get(id) ?? id),
      })),
    });
  }
  return { timeZone: kiosk.timeZone, days: result };
}

// Plain Intl and date arithmetic instead of luxon: a luxon DateTime cost more than the
// schedule itself (most of a hospital calendar's time, bench/calendar.ts).
const dateFormats = new Map<string, Intl.DateTimeFormat>();

/** The local date 'YYYY-MM-DD' of an instant on the zone's calendar. */
function localDateOf(instant: Date, timeZone: string): string {
  let format = dateFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dateFormats.set(timeZone, format);
  }
  return format.format(instant);
}

/**
 * The instant a local date starts, remembered: every kiosk group of a calendar asks
 * for the same few dates, and each answer costs zone offset look-ups. A few zones and
 * dates in use at a time; the memo is emptied when it grows past that.
 */
const midnights = new Map<string, Date>();
function midnightOf(date: string, timeZone: string): Date {
  const key = `${timeZone}|${date}`;
  let instant = midnights.get(key);
  if (!instant) {
    if (midnights.size >= 10_000) midnights.clear();
    instant = localToInstant(date, '00:00', timeZone);
    midnights.set(key, instant);
  }
  return instant;
}

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

function intervals(rules: PowerRule[], kiosk: KioskRef, start: Date, end: Date): ScheduleDay['intervals'] {
  const out: ScheduleDay['intervals'] = [];
  let state = resolve(rules, kiosk, start).state;
  let since = start;
  for (const t of transitions(rules, kiosk, start, end)) {
    if (t.at.getTime() > since.getTime()) out.push({ start: since.toISOString(), end: t.at.toISOString(), state });
    state = t.state;
    since = t.at;
  }
  out.push({ start: since.toISOString(), end: end.toISOString(), state });
  return out;
}
