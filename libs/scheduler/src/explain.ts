import { isoWeekday, parseLocalDate } from './calendar';
import { type CompiledRule, compileRules, coversKiosk, decidingStep, outranks, type PrecedenceStep } from './rules';
import type { KioskRef, PowerRule } from './types';
import { ScheduleError, validateKiosk } from './validate';

export interface Candidate {
  rule: PowerRule;
  inForce: boolean;
  /** Human-readable, e.g. 'not in force: weekday 6 not in days', 'loses to rule r2: narrower scope'. */
  reason: string;
}

export interface Explanation {
  /** The rule deciding the whole date; absent when the kiosk is unmanaged that date. */
  winner?: PowerRule;
  /** Every rule passed in: the winner first, then the losers in precedence order, then those not in force, in input order. */
  candidates: Candidate[];
}

const SCOPE_NAME = ['hospital', 'site', 'kiosk'] as const;

/** Why a kiosk's local date ('YYYY-MM-DD') is decided the way it is: for the console's schedule preview. */
export function explain(rules: readonly PowerRule[], kiosk: KioskRef, localDate: string): Explanation {
  validateKiosk(kiosk);
  const dayNumber = parseLocalDate(localDate);
  if (dayNumber === undefined) {
    throw new ScheduleError('LOCAL_DATE_INVALID', undefined, 'localDate', `${JSON.stringify(localDate)} is not a date YYYY-MM-DD`);
  }
  const compiled = compileRules(rules);
  const inForce: CompiledRule[] = [];
  const notInForce: Candidate[] = [];
  for (const rule of compiled) {
    const why = whyNotInForce(rule, kiosk, dayNumber, localDate);
    if (why) notInForce.push({ rule: rule.rule, inForce: false, reason: `not in force: ${why}` });
    else inForce.push(rule);
  }
  if (inForce.length === 0) return { candidates: notInForce };

  inForce.sort((a, b) => (outranks(a, b) ? -1 : outranks(b, a) ? 1 : 0));
  const [winner, ...losers] = inForce;
  const candidates: Candidate[] = [{ rule: winner.rule, inForce: true, reason: `wins: ${describe(winner)}` }];
  for (const loser of losers) {
    const step = decidingStep(winner, loser);
    const reason = step ? `loses to rule ${winner.rule.id}: ${lossReason(step.step, winner, loser)}` : `duplicate of rule ${winner.rule.id}`;
    candidates.push({ rule: loser.rule, inForce: true, reason });
  }
  return { winner: winner.rule, candidates: [...candidates, ...notInForce] };
}

function whyNotInForce(rule: CompiledRule, kiosk: KioskRef, dayNumber: number, localDate: string): string | undefined {
  if (!coversKiosk(rule.rule, kiosk)) {
    const scope = rule.rule.scope;
    if (scope.kind === 'hospital') return `scope is hospital ${scope.hospitalId}, kiosk is in hospital ${kiosk.hospitalId}`;
    if (scope.kind === 'site') return `scope is site ${scope.siteId}, kiosk is at site ${kiosk.siteId}`;
    return `kiosk ${kiosk.id} not in scope kiosks`;
  }
  const weekday = isoWeekday(dayNumber);
  if ((rule.daysMask & (1 << weekday)) === 0) return `weekday ${weekday} not in days`;
  if (dayNumber < rule.fromDay) return `${localDate} is before from ${rule.rule.from}`;
  if (dayNumber > rule.untilDay) return `${localDate} is after until ${rule.rule.until}`;
  return undefined;
}

function describe(rule: CompiledRule): string {
  return `${SCOPE_NAME[rule.scopeRank]} scope, ${rule.rule.layer} layer, priority ${rule.rule.priority}`;
}

function lossReason(step: PrecedenceStep, winner: CompiledRule, loser: CompiledRule): string {
  switch (step) {
    case 'scope':
      return `narrower scope (${SCOPE_NAME[winner.scopeRank]} over ${SCOPE_NAME[loser.scopeRank]})`;
    case 'layer':
      return 'override layer over regular';
    case 'priority':
      return `higher priority (${winner.rule.priority} over ${loser.rule.priority})`;
    case 'updatedAt':
      return `updated later (${winner.rule.updatedAt} over ${loser.rule.updatedAt})`;
    case 'id':
      return `greater id (tie on everything else)`;
  }
}
