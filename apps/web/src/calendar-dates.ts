/**
 * Local calendar dates ('YYYY-MM-DD') for the schedule calendar: plain arithmetic on
 * the Gregorian calendar (UTC Date objects as carriers), so neither the browser's zone
 * nor its DST ever shifts a date. Weeks start on Monday, as in China and the UK.
 */
export type CalendarMode = 'week' | 'month';

const DAY_MS = 86_400_000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

const toMs = (date: string) => Date.parse(`${date}T00:00:00Z`);
const fromMs = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export function isLocalDate(text: string | null | undefined): text is string {
  return !!text && DATE.test(text) && !Number.isNaN(toMs(text)) && fromMs(toMs(text)) === text;
}

export function addDays(date: string, days: number): string {
  return fromMs(toMs(date) + days * DAY_MS);
}

/** ISO weekday, Monday = 1 ... Sunday = 7. */
export function isoWeekday(date: string): number {
  return ((new Date(toMs(date)).getUTCDay() + 6) % 7) + 1;
}

export function mondayOf(date: string): string {
  return addDays(date, 1 - isoWeekday(date));
}

/** The dates a view shows around `date`: its Monday-Sunday week, or its calendar month. */
export function rangeOf(mode: CalendarMode, date: string): { from: string; to: string } {
  if (mode === 'week') return { from: mondayOf(date), to: addDays(mondayOf(date), 6) };
  const from = `${date.slice(0, 7)}-01`;
  const nextMonth = new Date(toMs(from));
  nextMonth.setUTCMonth(nextMonth.getUTCMonth() + 1);
  return { from, to: addDays(fromMs(nextMonth.getTime()), -1) };
}

/** The date the previous or next week or month starts on. */
export function step(mode: CalendarMode, date: string, direction: 1 | -1): string {
  if (mode === 'week') return addDays(mondayOf(date), 7 * direction);
  const d = new Date(toMs(`${date.slice(0, 7)}-01`));
  d.setUTCMonth(d.getUTCMonth() + direction);
  return fromMs(d.getTime());
}

/** Rows of seven cells (Monday first) covering from..to; cells outside the range are null. */
export function weekRows(from: string, to: string): (string | null)[][] {
  const rows: (string | null)[][] = [];
  for (let monday = mondayOf(from); monday <= to; monday = addDays(monday, 7)) {
    rows.push(Array.from({ length: 7 }, (_, i) => addDays(monday, i)).map((d) => (d >= from && d <= to ? d : null)));
  }
  return rows;
}

/** Today's date on the wall clocks of `timeZone`. */
export function todayIn(timeZone: string, now = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

const wallClocks = new Map<string, Intl.DateTimeFormat>();
/** The wall clock of `timeZone` at an instant, as a datetime-local field holds it: 'YYYY-MM-DDTHH:mm'. */
export function wallClockIn(ms: number, timeZone: string): string {
  let f = wallClocks.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    wallClocks.set(timeZone, f);
  }
  const p = Object.fromEntries(f.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}

/**
 * The instant a wall clock 'YYYY-MM-DDTHH:mm' of `timeZone` reads: found from the zone's
 * offset, looked up again at the result for a DST change in between. A time skipped by
 * a spring-forward reads as the same time an hour later.
 */
export function instantOfWallClock(local: string, timeZone: string): number {
  const asUtc = Date.parse(`${local}:00Z`);
  const offset = (ms: number) => Date.parse(`${wallClockIn(ms, timeZone)}:00Z`) - Math.floor(ms / 60_000) * 60_000;
  const first = asUtc - offset(asUtc);
  if (wallClockIn(first, timeZone) === local) return first;
  const second = asUtc - offset(first);
  if (wallClockIn(second, timeZone) === local) return second;
  return Math.max(first, second);
}
