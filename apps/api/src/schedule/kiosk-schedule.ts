import { explain, KioskRef, localToInstant, PowerRule, resolve, transitions } from '@wakeward/scheduler';
import { DateTime } from 'luxon';

export interface ScheduleDay {
  date: string;
  winner: { id: string; name: string; layer: string; scopeKind: string } | null;
  reason: string;
  intervals: { start: string; end: string; state: 'on' | 'off' | 'unmanaged' }[];
  candidates: { ruleId: string; name: string; inForce: boolean; reason: string }[];
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
  const firstDate = DateTime.fromJSDate(from, { zone: kiosk.timeZone }).toISODate()!;
  const result: ScheduleDay[] = [];
  for (let i = 0; i < days; i++) {
    const date = DateTime.fromISO(firstDate, { zone: 'UTC' }).plus({ days: i }).toISODate()!;
    const next = DateTime.fromISO(firstDate, { zone: 'UTC' }).plus({ days: i + 1 }).toISODate()!;
    const start = localToInstant(date, '00:00', kiosk.timeZone);
    const end = localToInstant(next, '00:00', kiosk.timeZone);
    const why = explain(applicable, kiosk, date);
    const winnerCandidate = why.candidates.find((c) => c.rule === why.winner);
    result.push({
      date,
      winner: why.winner
        ? { id: why.winner.id, name: names.get(why.winner.id) ?? why.winner.id, layer: why.winner.layer, scopeKind: why.winner.scope.kind }
        : null,
      reason: winnerCandidate?.reason ?? 'no rule in force: unmanaged',
      intervals: intervals(applicable, kiosk, start, end),
      candidates: why.candidates.map((c) => ({
        ruleId: c.rule.id,
        name: names.get(c.rule.id) ?? c.rule.id,
        inForce: c.inForce,
        reason: c.reason.replace(/rule ([0-9a-f-]{36})/g, (_, id: string) => `"${names.get(id) ?? id}"`),
      })),
    });
  }
  return { timeZone: kiosk.timeZone, days: result };
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
