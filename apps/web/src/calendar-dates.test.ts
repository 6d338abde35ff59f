import { describe, expect, it } from 'vitest';
import { addDays, isLocalDate, rangeOf, step, todayIn, weekRows } from './calendar-dates';

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
});
