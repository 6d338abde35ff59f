import { formatLocalDate, parseLocalDate } from './calendar';
import { type ZoneClock, zoneClock } from './local-time';
import { ScheduleError } from './validate';

/** One local date of a zone and the instants it spans: [start, end). */
export interface LocalDay {
  /** 'YYYY-MM-DD' on the zone's calendar. */
  date: string;
  /** The instant the date begins: its 00:00, or the first instant after a gap that skips it. */
  start: Date;
  /** The instant the next date begins. */
  end: Date;
}

// Local dates are the spans [D 00:00, D+1 00:00) mapped by the wall-clock rule of
// local-time.ts, so consecutive dates tile time exactly: a date is 23 or 25 hours
// long across a DST change, and a zone that skipped a whole date (Pacific/Apia,
// 2011-12-30) has a date of zero length, which localDaysBetween leaves out.

/** The local date ('YYYY-MM-DD') whose span holds `instant` in `zone`. */
export function localDateOf(instant: Date, zone: string): string {
  return formatLocalDate(zoneClock(zone).dayOf(instant.getTime()));
}

/**
 * Every local date of `zone` whose span meets [from, to), in order, with the
 * instants it begins and ends (the first may begin before `from`, the last end
 * after `to`). Empty when `to <= from`.
 */
export function localDaysBetween(from: Date, to: Date, zone: string): LocalDay[] {
  const clock = zoneClock(zone);
  const out: LocalDay[] = [];
  if (to.getTime() <= from.getTime()) return out;
  for (let day = clock.dayOf(from.getTime()); clock.startOfDay(day) < to.getTime(); day++) {
    const d = span(clock, day);
    if (d.end.getTime() > d.start.getTime()) out.push(d);
  }
  return out;
}

/**
 * `count` consecutive calendar dates of `zone`, the first being `first` (a
 * 'YYYY-MM-DD', or the local date holding an instant), each with its span. A date
 * the zone skipped is listed with `start === end`: a calendar shows it, empty.
 */
export function localDays(first: string | Date, count: number, zone: string): LocalDay[] {
  const clock = zoneClock(zone);
  let day: number | undefined;
  if (typeof first === 'string') {
    day = parseLocalDate(first);
    if (day === undefined) {
      throw new ScheduleError('LOCAL_DATE_INVALID', undefined, 'localDate', `${JSON.stringify(first)} is not a date YYYY-MM-DD`);
    }
  } else {
    day = clock.dayOf(first.getTime());
  }
  const out: LocalDay[] = [];
  for (let i = 0; i < count; i++) out.push(span(clock, day + i));
  return out;
}

function span(clock: ZoneClock, day: number): LocalDay {
  return { date: formatLocalDate(day), start: new Date(clock.startOfDay(day)), end: new Date(clock.startOfDay(day + 1)) };
}
