import { MINUTES_PER_DAY } from './calendar';
import type { ZoneClock } from './local-time';
import { type CompiledRule, winnerOn } from './rules';

/** What one kiosk must do over one local date. */
export interface DaySchedule {
  /** Instant the local date begins (its 00:00 mapped into the zone). */
  start: number;
  /** Instant the next local date begins. */
  end: number;
  /** Absent: no rule in force, the kiosk is unmanaged all date. */
  winner?: CompiledRule;
  /** ON periods as flat [start, end, ...] instants in ms, sorted, disjoint, non-empty. */
  on: number[];
}

export function daySchedule(applicable: readonly CompiledRule[], clock: ZoneClock, dayNumber: number): DaySchedule {
  const start = clock.startOfDay(dayNumber);
  const end = clock.startOfDay(dayNumber + 1);
  const winner = winnerOn(applicable, dayNumber);
  const on: number[] = [];
  if (winner) {
    const midnight = dayNumber * MINUTES_PER_DAY;
    const minutes = winner.onMinutes;
    for (let i = 0; i < minutes.length; i += 2) {
      const from = clock.instantOfReading(midnight + minutes[i]);
      const until = clock.instantOfReading(midnight + minutes[i + 1]);
      // A window lying wholly in a spring-forward gap vanishes; one whose end was
      // pulled onto the next window's start joins it.
      if (until <= from) continue;
      const last = on.length - 1;
      if (last > 0 && from <= on[last]) on[last] = Math.max(on[last], until);
      else on.push(from, until);
    }
  }
  return winner ? { start, end, winner, on } : { start, end, on };
}
