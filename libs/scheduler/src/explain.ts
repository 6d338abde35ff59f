import { isoWeekday, parseLocalDate } from './calendar';
import { type CompiledRule, compileRules, coversKiosk, decidingStep, outranks, type PrecedenceStep } from './rules';
import type { KioskRef, PowerRule } from './types';
import { ScheduleError, validateKiosk } from './validate';

/**
 * Why a rule wins, loses or is not in force, as a code: the console words it in the
 * user's language from `reasonParams`; `reason` is the same in English for logs and tests.
 */
export type ReasonCode =
  | 'wins'
  | `losesTo.${PrecedenceStep}`
  | 'duplicateOf'
  | 'notInForce.hospital'
  | 'notInForce.site'
  | 'notInForce.kiosks'
  | 'notInForce.weekday'
  | 'notInForce.beforeFrom'
  | 'notInForce.afterUntil';

/**
 * The facts a reason names. `rule` is the id of the rule that wins over this one;
 * scopes are 'hospital' | 'site' | 'kiosk'; dates 'YYYY-MM-DD'; weekday ISO 1-7.
 */
export type ReasonParams = Record<string, string | number>;

export interface Candidate {
  rule: PowerRule;
  inForce: boolean;
  /** Human-readable, e.g. 'not in force: weekday 6 not in days', 'loses to rule r2: narrower scope'. */
  reason: string;
  reasonCode: ReasonCode;
  reasonParams: ReasonParams;
}

export interface Explanation {
  /** The rule deciding the whole date; absent when the kiosk is unmanaged that date. */
  winner?: PowerRule;
  /** Every rule passed in: the winner first, then the losers in precedence order, then those not in force, in input order. */
  candidates: Candidate[];
}

type Reason = Pick<Candidate, 'reason' | 'reasonCode' | 'reasonParams'>;

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
    if (why) notInForce.push({ rule: rule.rule, inForce: false, ...why });
    else inForce.push(rule);
  }
  if (inForce.length === 0) return { candidates: notInForce };

  inForce.sort((a, b) => (outranks(a, b) ? -1 : outranks(b, a) ? 1 : 0));
  const [winner, ...losers] = inForce;
  const candidates: Candidate[] = [{ rule: winner.rule, inForce: true, ...wins(winner) }];
  for (const loser of losers) {
    const step = decidingStep(winner, loser);
    const why: Reason = step
      ? lossReason(step.step, winner, loser)
      : { reason: `duplicate of rule ${winner.rule.id}`, reasonCode: 'duplicateOf', reasonParams: { rule: winner.rule.id } };
    candidates.push({ rule: loser.rule, inForce: true, ...why });
  }
  return { winner: winner.rule, candidates: [...candidates, ...notInForce] };
}

function whyNotInForce(rule: CompiledRule, kiosk: KioskRef, dayNumber: number, localDate: string): Reason | undefined {
  const notInForce = (text: string, reasonCode: ReasonCode, reasonParams: ReasonParams): Reason => ({
    reason: `not in force: ${text}`,
    reasonCode,
    reasonParams,
  });
  if (!coversKiosk(rule.rule, kiosk)) {
    const scope = rule.rule.scope;
    if (scope.kind === 'hospital') {
      return notInForce(`scope is hospital ${scope.hospitalId}, kiosk is in hospital ${kiosk.hospitalId}`, 'notInForce.hospital', {
        hospital: scope.hospitalId,
        kioskHospital: kiosk.hospitalId,
      });
    }
    if (scope.kind === 'site') {
      return notInForce(`scope is site ${scope.siteId}, kiosk is at site ${kiosk.siteId}`, 'notInForce.site', {
        site: scope.siteId,
        kioskSite: kiosk.siteId,
      });
    }
    return notInForce(`kiosk ${kiosk.id} not in scope kiosks`, 'notInForce.kiosks', { kiosk: kiosk.id });
  }
  const weekday = isoWeekday(dayNumber);
  if ((rule.daysMask & (1 << weekday)) === 0) return notInForce(`weekday ${weekday} not in days`, 'notInForce.weekday', { weekday });
  if (dayNumber < rule.fromDay) {
    return notInForce(`${localDate} is before from ${rule.rule.from}`, 'notInForce.beforeFrom', { date: localDate, from: rule.rule.from! });
  }
  if (dayNumber > rule.untilDay) {
    return notInForce(`${localDate} is after until ${rule.rule.until}`, 'notInForce.afterUntil', { date: localDate, until: rule.rule.until! });
  }
  return undefined;
}

function wins(rule: CompiledRule): Reason {
  const scope = SCOPE_NAME[rule.scopeRank];
  return {
    reason: `wins: ${scope} scope, ${rule.rule.layer} layer, priority ${rule.rule.priority}`,
    reasonCode: 'wins',
    reasonParams: { scope, layer: rule.rule.layer, priority: rule.rule.priority },
  };
}

function lossReason(step: PrecedenceStep, winner: CompiledRule, loser: CompiledRule): Reason {
  const lost = (text: string, params: ReasonParams): Reason => ({
    reason: `loses to rule ${winner.rule.id}: ${text}`,
    reasonCode: `losesTo.${step}`,
    reasonParams: { rule: winner.rule.id, ...params },
  });
  switch (step) {
    case 'scope': {
      const [winnerScope, loserScope] = [SCOPE_NAME[winner.scopeRank], SCOPE_NAME[loser.scopeRank]];
      return lost(`narrower scope (${winnerScope} over ${loserScope})`, { winnerScope, loserScope });
    }
    case 'layer':
      return lost('override layer over regular', {});
    case 'priority':
      return lost(`higher priority (${winner.rule.priority} over ${loser.rule.priority})`, {
        winnerPriority: winner.rule.priority,
        loserPriority: loser.rule.priority,
      });
    case 'updatedAt':
      return lost(`updated later (${winner.rule.updatedAt} over ${loser.rule.updatedAt})`, {
        winnerUpdatedAt: winner.rule.updatedAt,
        loserUpdatedAt: loser.rule.updatedAt,
      });
    case 'id':
      return lost('greater id (tie on everything else)', {});
  }
}
