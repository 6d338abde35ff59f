import { daySchedule } from './day-schedule';
import { type ZoneClock, zoneClock } from './local-time';
import { rulesForKiosk } from './resolve';
import type { CompiledRule } from './rules';
import type { KioskRef, PowerRule, State, Transition } from './types';
import { instantMs } from './validate';

/**
 * Every instant in [from, to) at which the kiosk's state differs from the state just
 * before it, with the state from then on. Equal states never follow each other: a
 * new winning rule that keeps the state is no transition.
 */
export function transitions(rules: readonly PowerRule[], kiosk: KioskRef, from: Date, to: Date): Transition[] {
  const fromMs = instantMs(from, 'from');
  const toMs = instantMs(to, 'to');
  return transitionsOf(rulesForKiosk(rules, kiosk), zoneClock(kiosk.timeZone), fromMs, toMs);
}

/** The same for an already filtered rule set; shared by `transitions` and the fleet planner. */
export function transitionsOf(applicable: readonly CompiledRule[], clock: ZoneClock, fromMs: number, toMs: number): Transition[] {
  const out: Transition[] = [];
  if (toMs <= fromMs) return out;
  // Walk the date spans from the one holding the instant just before `from`, whose
  // state is the baseline the first transition is measured against.
  let current: State | undefined;
  const enter = (at: number, state: State, ruleId: string | undefined): void => {
    if (at < fromMs) current = state;
    else if (state !== current) {
      out.push(ruleId === undefined ? { at: new Date(at), state } : { at: new Date(at), state, ruleId });
      current = state;
    }
  };
  for (let dayNumber = clock.dayOf(fromMs - 1); ; dayNumber++) {
    const day = daySchedule(applicable, clock, dayNumber);
    if (day.start >= toMs) break;
    if (day.end <= day.start) continue; // a date skipped whole by its zone (Samoa, 2011-12-30)
    if (!day.winner) {
      enter(day.start, 'unmanaged', undefined);
      continue;
    }
    const ruleId = day.winner.rule.id;
    let cursor = day.start;
    for (let i = 0; i < day.on.length && day.on[i] < toMs; i += 2) {
      if (day.on[i] > cursor) enter(cursor, 'off', ruleId);
      enter(day.on[i], 'on', ruleId);
      cursor = day.on[i + 1];
    }
    if (cursor < day.end && cursor < toMs) enter(cursor, 'off', ruleId);
  }
  return out;
}
