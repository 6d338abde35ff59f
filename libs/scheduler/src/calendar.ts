import type { Weekday } from './types';

// Local dates are counted as whole days since 1970-01-01 ("day numbers"), and local
// wall-clock readings as minutes since 1970-01-01T00:00 of that calendar. Both are
// plain arithmetic on the proleptic Gregorian calendar: no zone, no host clock.

export const MINUTES_PER_DAY = 1440;
export const MS_PER_MINUTE = 60_000;
export const MS_PER_DAY = 86_400_000;

const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const CLOCK = /^(\d{2}):(\d{2})$/;

/** 'YYYY-MM-DD' -> day number, or undefined when it is not a real calendar date. */
export function parseLocalDate(text: string): number | undefined {
  const m = typeof text === 'string' ? LOCAL_DATE.exec(text) : null;
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(year, month - 1, day);
  const back = new Date(ms);
  // Date.UTC rolls 02-30 over into March and maps years 0-99 to 19xx: the round trip catches both.
  if (back.getUTCFullYear() !== year || back.getUTCMonth() !== month - 1 || back.getUTCDate() !== day) {
    return undefined;
  }
  return ms / MS_PER_DAY;
}

export function formatLocalDate(dayNumber: number): string {
  return new Date(dayNumber * MS_PER_DAY).toISOString().slice(0, 10);
}

/** 1970-01-01 was a Thursday (ISO 4). */
export function isoWeekday(dayNumber: number): Weekday {
  return ((((dayNumber + 3) % 7) + 7) % 7) + 1 as Weekday;
}

/** 'HH:mm' -> minutes after midnight; '24:00' only when `endOfDayAllowed`. */
export function parseClock(text: string, endOfDayAllowed: boolean): number | undefined {
  const m = typeof text === 'string' ? CLOCK.exec(text) : null;
  if (!m) return undefined;
  const hours = Number(m[1]);
  const minutes = Number(m[2]);
  if (hours === 24 && minutes === 0 && endOfDayAllowed) return MINUTES_PER_DAY;
  if (hours > 23 || minutes > 59) return undefined;
  return hours * 60 + minutes;
}
