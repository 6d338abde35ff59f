import { IANAZone } from 'luxon';
import { MINUTES_PER_DAY, MS_PER_DAY, MS_PER_MINUTE, parseClock, parseLocalDate } from './calendar';
import { ScheduleError, isValidTimeZone } from './validate';

// Turning a local wall-clock reading into an instant, by the hospital's rule:
// - a reading inside a spring-forward gap takes effect at the first instant after
//   the gap (the transition instant itself);
// - a reading that occurs twice (fall-back) takes effect at its first occurrence.
// Equivalently: the first instant at which the zone's clock reads that time or later.
//
// Luxon's DateTime.fromObject does neither reliably: it moves gap readings forward by
// the offset difference (New York 2026-03-08 02:30 -> 03:30, not 03:00) and picks
// the first or the second occurrence of a repeated reading depending on its offset
// guess (New York and London: the second). So only its zone offsets are used here.

const OFFSET_PROBE_MS = MS_PER_DAY;
// A long-running API process sees new dates every day; forget old ones now and then.
const MAX_CACHED_READINGS = 200_000;

/** One zone's offsets and a cache of wall-clock minute -> instant. */
export class ZoneClock {
  private readonly zone: IANAZone;
  private readonly instants = new Map<number, number>();
  // The fleet planner asks for the date of the same instant once per kiosk group.
  private lastDayOf = { instant: Number.NaN, day: 0 };

  constructor(readonly name: string) {
    this.zone = IANAZone.create(name);
  }

  /** UTC offset in ms at an instant. */
  offsetAt(instant: number): number {
    return Math.round(this.zone.offset(instant) * MS_PER_MINUTE);
  }

  /** The instant of a local reading given as minutes since 1970-01-01T00:00 local. */
  instantOfReading(wallMinute: number): number {
    let instant = this.instants.get(wallMinute);
    if (instant === undefined) {
      if (this.instants.size >= MAX_CACHED_READINGS) {
        this.instants.clear();
        this.lastDayOf = { instant: Number.NaN, day: 0 };
      }
      instant = this.computeInstant(wallMinute * MS_PER_MINUTE);
      this.instants.set(wallMinute, instant);
    }
    return instant;
  }

  /** The instant local date `dayNumber` begins (its 00:00, mapped by the same rule). */
  startOfDay(dayNumber: number): number {
    return this.instantOfReading(dayNumber * MINUTES_PER_DAY);
  }

  /** The local date whose span [start of day, start of next day) holds the instant. */
  dayOf(instant: number): number {
    if (instant === this.lastDayOf.instant) return this.lastDayOf.day;
    let day = Math.floor((instant + this.offsetAt(instant)) / MS_PER_DAY);
    // Differs from the calendar date on the clock only when midnight falls in a gap
    // or is repeated; the spans tile time exactly, so one step corrects it.
    if (instant < this.startOfDay(day)) day -= 1;
    else if (instant >= this.startOfDay(day + 1)) day += 1;
    this.lastDayOf = { instant, day };
    return day;
  }

  private computeInstant(wall: number): number {
    // Offsets a day either side of the reading bracket any offset it can have
    // (zones change offset at most once in two days).
    const before = this.offsetAt(wall - OFFSET_PROBE_MS);
    const after = this.offsetAt(wall + OFFSET_PROBE_MS);
    let first: number | undefined;
    for (const offset of before === after ? [before] : [before, after]) {
      const candidate = wall - offset;
      if (this.offsetAt(candidate) === offset && (first === undefined || candidate < first)) first = candidate;
    }
    if (first !== undefined) return first;
    if (before === after) return wall - before; // cannot happen with real zone data; stay total
    // Gap: the clock jumps over the reading. Before the jump the offset is `before`;
    // find the jump instant, which lies between the two naive readings.
    let lo = wall - Math.max(before, after); // still before the jump
    let hi = wall - Math.min(before, after); // already after it
    while (hi - lo > 1) {
      const mid = lo + Math.floor((hi - lo) / 2);
      if (this.offsetAt(mid) === before) lo = mid;
      else hi = mid;
    }
    return hi;
  }
}

const clocks = new Map<string, ZoneClock>();

/** The shared clock of a zone; throws when the zone is unknown. */
export function zoneClock(zone: string): ZoneClock {
  let clock = clocks.get(zone);
  if (!clock) {
    if (!isValidTimeZone(zone)) {
      throw new ScheduleError('KIOSK_TIME_ZONE_INVALID', undefined, 'timeZone', `timeZone ${JSON.stringify(zone)} is not a known IANA zone`);
    }
    clock = new ZoneClock(zone);
    clocks.set(zone, clock);
  }
  return clock;
}

/** Drops every cached zone and reading (benchmarks use it to measure cold runs). */
export function clearZoneCaches(): void {
  clocks.clear();
}

/**
 * The instant at which local date `localDate` ('YYYY-MM-DD') reads `clock` ('HH:mm',
 * '24:00' = next day's 00:00) in `zone`: a reading in a spring-forward gap gives the
 * first instant after the gap, a repeated reading its first occurrence.
 */
export function localToInstant(localDate: string, clock: string, zone: string): Date {
  const day = parseLocalDate(localDate);
  if (day === undefined) {
    throw new ScheduleError('LOCAL_DATE_INVALID', undefined, 'localDate', `${JSON.stringify(localDate)} is not a date YYYY-MM-DD`);
  }
  const minutes = parseClock(clock, true);
  if (minutes === undefined) {
    throw new ScheduleError('LOCAL_TIME_INVALID', undefined, 'clock', `${JSON.stringify(clock)} is not HH:mm`);
  }
  return new Date(zoneClock(zone).instantOfReading(day * MINUTES_PER_DAY + minutes));
}
