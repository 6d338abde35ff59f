import { describe, expect, it } from 'vitest';
import { addDays, instantOfWallClock, isLocalDate, rangeOf, step, todayIn, wallClockIn, weekRows } from './calendar-dates';

describe('calendar dates', () => {
  it('weeks run Monday to Sunday and months whole, across year ends and leap days', () => {
    expect(rangeOf('week', '2027-02-10')).toEqual({ from: '2027-02-08', to: '2027-02-14' });
    expect(rangeOf('week', '2027-01-01')).toEqual({ from: '2026-12-28', to: '2027-01-03' });
    expect(rangeOf('month', '2028-02-17')).toEqual({ from: '2028-02-01', to: '2028-02-29' });
    expect(rangeOf('month', '2027-12-31')).toEqual({ from: '2027-12-01', to: '2027-12-31' });
    expect(step('month', '2027-01-31', 1)).toBe('2027-02-01');
    expect(step('month', '2027-01-15', -1)).toBe('2026-12-01');
    expect(step('week', '2027-02-10', 1)).toBe('2027-02-15');
    // 2027-03-28 is the UK's spring-forward Sunday: dates stay whole whatever the browser's zone.
    expect(addDays('2027-03-27', 2)).toBe('2027-03-29');
  });

  it('month grids have blank cells before the 1st and after the last day', () => {
    const rows = weekRows('2027-02-01', '2027-02-28');
    expect(rows).toHaveLength(4);
    expect(weekRows('2027-03-01', '2027-03-31')).toHaveLength(5);
    const may = weekRows('2027-05-01', '2027-05-31');
    expect(may[0].slice(0, 5)).toEqual([null, null, null, null, null]);
    expect(may[0][5]).toBe('2027-05-01');
  });

  it('today is read on the zone\'s clock, and only real dates are dates', () => {
    const instant = new Date('2027-02-05T17:30:00Z');
    expect(todayIn('Asia/Shanghai', instant)).toBe('2027-02-06');
    expect(todayIn('Europe/London', instant)).toBe('2027-02-05');
    expect(isLocalDate('2027-02-29')).toBe(false);
    expect(isLocalDate('2028-02-29')).toBe(true);
    expect(isLocalDate('tomorrow')).toBe(false);
  });

  it("reads and writes a site's wall clock whatever the browser's zone, across DST changes", () => {
    const at = Date.parse('2027-01-26T23:30:00Z');
    expect(wallClockIn(at, 'Asia/Shanghai')).toBe('2027-01-27T07:30');
    expect(instantOfWallClock('2027-01-27T07:30', 'Asia/Shanghai')).toBe(at);
    expect(wallClockIn(at, 'America/New_York')).toBe('2027-01-26T18:30');
    // London springs forward at 01:00 GMT on 2027-03-28: 02:30 is BST, 00:30 GMT.
    expect(new Date(instantOfWallClock('2027-03-28T02:30', 'Europe/London')).toISOString()).toBe('2027-03-28T01:30:00.000Z');
    expect(new Date(instantOfWallClock('2027-03-28T00:30', 'Europe/London')).toISOString()).toBe('2027-03-28T00:30:00.000Z');
    // 01:30 does not exist that night: read as an hour later.
    expect(new Date(instantOfWallClock('2027-03-28T01:30', 'Europe/London')).toISOString()).toBe('2027-03-28T01:30:00.000Z');
    // Back to GMT on 2027-10-31: 01:30 happens twice, either is that wall clock.
    expect(wallClockIn(instantOfWallClock('2027-10-31T01:30', 'Europe/London'), 'Europe/London')).toBe('2027-10-31T01:30');
  });
});
