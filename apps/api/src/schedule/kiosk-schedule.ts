import { coversKiosk, explain, KioskRef, localDays, PowerRule, type ReasonCode, type ReasonParams, resolve, transitions } from '@wakeward/scheduler';

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
  return rules.filter((r) => coversKiosk(r, kiosk));
}

/**
 * The effective schedule of a kiosk over `days` local dates from `from` (a local
 * date, or the local date holding an instant): per date, the winning rule and why,
 * and the on/off intervals as instants.
 * The site's zone appears here only to name local dates, as DESIGN.md wants.
 */
export function kioskSchedule(
  rules: PowerRule[],
  names: Map<string, string>,
  kiosk: KioskRef,
  from: string | Date,
  days: number,
): KioskSchedule {
  const applicable = rulesCovering(rules, kiosk);
  const result: ScheduleDay[] = [];
  for (const { date, start, end } of localDays(from, days, kiosk.timeZone)) {
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
