import { isoWeekday, parseClock, parseLocalDate } from './calendar';
import type { KioskRef, PowerRule } from './types';
import { validateRule } from './validate';

/** A validated rule with its fields pre-parsed for the per-day questions. */
export interface CompiledRule {
  rule: PowerRule;
  /** kiosk 2 > site 1 > hospital 0: the narrower scope wins. */
  scopeRank: 0 | 1 | 2;
  /** override 1 > regular 0. */
  layerRank: 0 | 1;
  updatedAtMs: number;
  /** Bit n set when ISO weekday n is in force. */
  daysMask: number;
  fromDay: number;
  untilDay: number;
  /** Union of the windows, sorted, as flat [start, end, start, end, ...] minutes of the day. */
  onMinutes: readonly number[];
}

const EVERY_DAY = 0b1111_1110;
const SCOPE_RANK = { hospital: 0, site: 1, kiosks: 2 } as const;

// Rules are values: callers pass fresh objects (from the database or a request) and
// do not mutate them afterwards, so each object is validated and parsed only once.
// This is what lets a planner call transitions() per kiosk without re-reading
// thousands of rules every time.
const compiled = new WeakMap<PowerRule, CompiledRule>();

/** Validates (throwing a RangeError naming the rule and field) and parses a rule. */
export function compileRule(rule: PowerRule): CompiledRule {
  let found = compiled.get(rule);
  if (!found) {
    validateRule(rule);
    found = {
      rule,
      scopeRank: SCOPE_RANK[rule.scope.kind],
      layerRank: rule.layer === 'override' ? 1 : 0,
      updatedAtMs: Date.parse(rule.updatedAt),
      daysMask: rule.days ? rule.days.reduce((mask, day) => mask | (1 << day), 0) : EVERY_DAY,
      fromDay: rule.from === undefined ? -Infinity : (parseLocalDate(rule.from) as number),
      untilDay: rule.until === undefined ? Infinity : (parseLocalDate(rule.until) as number),
      onMinutes: unionOfWindows(rule),
    };
    compiled.set(rule, found);
  }
  return found;
}

export function compileRules(rules: readonly PowerRule[]): CompiledRule[] {
  return rules.map(compileRule);
}

function unionOfWindows(rule: PowerRule): number[] {
  const windows = rule.windows
    .map((w) => [parseClock(w.start, false) as number, parseClock(w.end, true) as number] as const)
    .sort((a, b) => a[0] - b[0]);
  const flat: number[] = [];
  for (const [start, end] of windows) {
    const last = flat.length - 1;
    // Touching windows (08:00-12:00, 12:00-16:00) are one period: no blip between them.
    if (last > 0 && start <= flat[last]) flat[last] = Math.max(flat[last], end);
    else flat.push(start, end);
  }
  return flat;
}

export function coversKiosk(rule: PowerRule, kiosk: KioskRef): boolean {
  const scope = rule.scope;
  switch (scope.kind) {
    case 'hospital':
      return scope.hospitalId === kiosk.hospitalId;
    case 'site':
      return scope.siteId === kiosk.siteId;
    case 'kiosks':
      return scope.kioskIds.includes(kiosk.id);
  }
}

export function inForceOn(rule: CompiledRule, dayNumber: number): boolean {
  return (
    (rule.daysMask & (1 << isoWeekday(dayNumber))) !== 0 && rule.fromDay <= dayNumber && dayNumber <= rule.untilDay
  );
}

/** The precedence steps, in order; the first that differs decides. */
export const PRECEDENCE = ['scope', 'layer', 'priority', 'updatedAt', 'id'] as const;
export type PrecedenceStep = (typeof PRECEDENCE)[number];

/** The first step at which `a` and `b` differ, and whether `a` wins it; undefined for the same rule. */
export function decidingStep(a: CompiledRule, b: CompiledRule): { step: PrecedenceStep; aWins: boolean } | undefined {
  if (a.scopeRank !== b.scopeRank) return { step: 'scope', aWins: a.scopeRank > b.scopeRank };
  if (a.layerRank !== b.layerRank) return { step: 'layer', aWins: a.layerRank > b.layerRank };
  if (a.rule.priority !== b.rule.priority) return { step: 'priority', aWins: a.rule.priority > b.rule.priority };
  if (a.updatedAtMs !== b.updatedAtMs) return { step: 'updatedAt', aWins: a.updatedAtMs > b.updatedAtMs };
  // Code-unit order, not localeCompare: the outcome must not depend on the host's locale.
  if (a.rule.id !== b.rule.id) return { step: 'id', aWins: a.rule.id > b.rule.id };
  return undefined;
}

export function outranks(a: CompiledRule, b: CompiledRule): boolean {
  return decidingStep(a, b)?.aWins ?? false;
}

/** The rule that decides the kiosk's whole local date, among rules that cover the kiosk. */
export function winnerOn(applicable: readonly CompiledRule[], dayNumber: number): CompiledRule | undefined {
  let winner: CompiledRule | undefined;
  for (const rule of applicable) {
    if (inForceOn(rule, dayNumber) && (winner === undefined || outranks(rule, winner))) winner = rule;
  }
  return winner;
}
