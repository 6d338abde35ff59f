import { zoneClock } from './local-time';
import { daySchedule } from './day-schedule';
import { compileRules, coversKiosk, type CompiledRule } from './rules';
import type { KioskRef, PowerRule, Resolution } from './types';
import { instantMs, validateKiosk } from './validate';

/** Validates every rule and keeps those whose scope covers the kiosk. */
export function rulesForKiosk(rules: readonly PowerRule[], kiosk: KioskRef): CompiledRule[] {
  validateKiosk(kiosk);
  return compileRules(rules).filter((rule) => coversKiosk(rule.rule, kiosk));
}

/** The state a kiosk must be in at an instant, and the rule that decides it. */
export function resolve(rules: readonly PowerRule[], kiosk: KioskRef, at: Date): Resolution {
  const instant = instantMs(at, 'at');
  const applicable = rulesForKiosk(rules, kiosk);
  const clock = zoneClock(kiosk.timeZone);
  const day = daySchedule(applicable, clock, clock.dayOf(instant));
  if (!day.winner) return { state: 'unmanaged' };
  const ruleId = day.winner.rule.id;
  for (let i = 0; i < day.on.length; i += 2) {
    if (day.on[i] <= instant && instant < day.on[i + 1]) return { state: 'on', ruleId };
  }
  return { state: 'off', ruleId };
}
