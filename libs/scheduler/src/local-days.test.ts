import { describe, expect, it } from 'vitest';
import { localDateOf, localDays, localDaysBetween, type LocalDay } from './local-days';

const HOUR = 3_600_000;
const hours = (d: LocalDay) => (d.end.getTime() - d.start.getTime()) / HOUR;
const plain = (d: LocalDay) => ({ date: d.date, start: d.start.toISOString(), end: d.end.toISOString() });

/** The zone's calendar date at an instant, read by Intl: an independent witness. */
const formats = new Map<string, Intl.DateTimeFormat>();
function intlDate(instant: number, zone: string): string {
  if (!formats.has(zone)) formats.set(zone, new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }));
  return formats.get(zone)!.format(instant);
}

describe('localDays: a date of 23 or 25 hours across a DST change', () => {
  it('America/New_York: 2026-03-08 (spring forward) is 23 h, 2026-11-01 (fall back) 25 h', () => {
    expect(localDays('2026-03-07', 3, 'America/New_York').map(plain)).toEqual([
      { date: '2026-03-07', start: '2026-03-07T05:00:00.000Z', end: '2026-03-08T05:00:00.000Z' },
      { date: '2026-03-08', start: '2026-03-08T05:00:00.000Z', end: '2026-03-09T04:00:00.000Z' },
      { date: '2026-03-09', start: '2026-03-09T04:00:00.000Z', end: '2026-03-10T04:00:00.000Z' },
    ]);
    const autumn = localDays('2026-11-01', 1, 'America/New_York')[0];
    expect(plain(autumn)).toEqual({ date: '2026-11-01', start: '2026-11-01T04:00:00.000Z', end: '2026-11-02T05:00:00.000Z' });
    expect(hours(autumn)).toBe(25);
  });

  it('Australia/Lord_Howe: the half-hour shift makes dates of 24.5 h (April) and 23.5 h (October)', () => {
    const april = localDays('2026-04-05', 1, 'Australia/Lord_Howe')[0];
    expect(plain(april)).toEqual({ date: '2026-04-05', start: '2026-04-04T13:00:00.000Z', end: '2026-04-05T13:30:00.000Z' });
    expect(hours(april)).toBe(24.5);
    const october = localDays('2026-10-04', 1, 'Australia/Lord_Howe')[0];
    expect(plain(october)).toEqual({ date: '2026-10-04', start: '2026-10-03T13:30:00.000Z', end: '2026-10-04T13:00:00.000Z' });
    expect(hours(october)).toBe(23.5);
  });

  it('America/Santiago: midnight is skipped in September (the date starts at the gap) and repeated in April', () => {
    // 2026-09-06 00:00 -04 does not exist: the clock jumps to 01:00 -03 at 04:00Z.
    expect(localDays('2026-09-05', 2, 'America/Santiago').map(plain)).toEqual([
      { date: '2026-09-05', start: '2026-09-05T04:00:00.000Z', end: '2026-09-06T04:00:00.000Z' },
      { date: '2026-09-06', start: '2026-09-06T04:00:00.000Z', end: '2026-09-07T03:00:00.000Z' },
    ]);
    // 2026-04-05 00:00 -03 is 03:00Z, when the clock goes back to 04-04 23:00 -04:
    // the date 04-05 first reads 00:00 an hour later, so 04-04 lasts 25 h.
    const april = localDays('2026-04-04', 2, 'America/Santiago');
    expect(april.map(plain)).toEqual([
      { date: '2026-04-04', start: '2026-04-04T03:00:00.000Z', end: '2026-04-05T04:00:00.000Z' },
      { date: '2026-04-05', start: '2026-04-05T04:00:00.000Z', end: '2026-04-06T04:00:00.000Z' },
    ]);
    expect(april.map(hours)).toEqual([25, 24]);
  });

  it('Pacific/Kiritimati (+14): a date begins ten hours before UTC midnight of the previous date', () => {
    expect(plain(localDays('2026-01-01', 1, 'Pacific/Kiritimati')[0])).toEqual({
      date: '2026-01-01',
      start: '2025-12-31T10:00:00.000Z',
      end: '2026-01-01T10:00:00.000Z',
    });
  });

  it('a date a zone skipped (Pacific/Apia 2011-12-30) is listed empty, and the dates stay consecutive', () => {
    const days = localDays('2011-12-29', 3, 'Pacific/Apia');
    expect(days.map((d) => d.date)).toEqual(['2011-12-29', '2011-12-30', '2011-12-31']);
    expect(days[1].start.getTime()).toBe(days[1].end.getTime());
    expect(days[0].end.getTime()).toBe(days[2].start.getTime());
  });

  it('starts at the local date holding an instant, not the UTC date', () => {
    // 2026-01-04T20:00Z is already 2026-01-05 04:00 in Shanghai.
    expect(localDays(new Date('2026-01-04T20:00:00Z'), 2, 'Asia/Shanghai').map((d) => d.date)).toEqual(['2026-01-05', '2026-01-06']);
    expect(localDays(new Date('2026-01-04T20:00:00Z'), 1, 'America/New_York')[0].date).toBe('2026-01-04');
    expect(localDays('2026-01-05', 0, 'UTC')).toEqual([]);
  });

  it('rejects a malformed date and an unknown zone with stable codes', () => {
    expect(() => localDays('2026-02-30', 1, 'UTC')).toThrow(expect.objectContaining({ code: 'LOCAL_DATE_INVALID' }));
    expect(() => localDays('2026-02-01', 1, 'Mars/Olympus')).toThrow(expect.objectContaining({ code: 'KIOSK_TIME_ZONE_INVALID' }));
  });
});

describe('localDaysBetween', () => {
  it('lists every date meeting [from, to), the first and last possibly sticking out', () => {
    const days = localDaysBetween(new Date('2026-03-07T12:00:00Z'), new Date('2026-03-10T00:00:00Z'), 'America/New_York');
    expect(days.map((d) => d.date)).toEqual(['2026-03-07', '2026-03-08', '2026-03-09']);
    expect(days.map(hours)).toEqual([24, 23, 24]);
  });

  it('ends before a date that begins exactly at `to`, and is empty for an empty interval', () => {
    const to = new Date('2026-03-09T04:00:00Z'); // New York's 2026-03-09 00:00
    expect(localDaysBetween(new Date('2026-03-08T05:00:00Z'), to, 'America/New_York').map((d) => d.date)).toEqual(['2026-03-08']);
    expect(localDaysBetween(to, to, 'America/New_York')).toEqual([]);
    expect(localDaysBetween(to, new Date(to.getTime() - 1), 'America/New_York')).toEqual([]);
  });

  it('leaves out a date the zone skipped', () => {
    const days = localDaysBetween(new Date('2011-12-29T12:00:00Z'), new Date('2012-01-01T12:00:00Z'), 'Pacific/Apia');
    expect(days.map((d) => d.date)).not.toContain('2011-12-30');
    for (let i = 1; i < days.length; i++) expect(days[i].start.getTime()).toBe(days[i - 1].end.getTime());
  });

  const zones = ['America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'America/Santiago', 'Pacific/Kiritimati', 'Asia/Kathmandu', 'Asia/Shanghai', 'UTC'];
  it.each(zones)('%s: two years of dates tile time, each agreeing with Intl and lasting 23 to 25 h', (zone) => {
    const from = new Date('2025-06-15T00:00:00Z');
    const to = new Date('2027-06-15T00:00:00Z');
    const days = localDaysBetween(from, to, zone);
    expect(days.length).toBeGreaterThanOrEqual(730);
    expect(days[0].start.getTime()).toBeLessThanOrEqual(from.getTime());
    expect(days[days.length - 1].end.getTime()).toBeGreaterThan(to.getTime() - 1);
    for (let i = 0; i < days.length; i++) {
      const d = days[i];
      if (i > 0) {
        expect(d.start.getTime()).toBe(days[i - 1].end.getTime());
        // Consecutive calendar dates: no date lost or repeated.
        expect(Date.parse(`${d.date}T00:00:00Z`) - Date.parse(`${days[i - 1].date}T00:00:00Z`)).toBe(24 * HOUR);
      }
      expect(hours(d)).toBeGreaterThanOrEqual(23);
      expect(hours(d)).toBeLessThanOrEqual(25);
      // The date begins where Intl's calendar turns to it.
      expect(intlDate(d.start.getTime(), zone)).toBe(d.date);
      expect(intlDate(d.start.getTime() - 1, zone)).not.toBe(d.date);
      expect(localDateOf(d.start, zone)).toBe(d.date);
      expect(localDateOf(new Date(d.end.getTime() - 1), zone)).toBe(d.date);
    }
  });
});
