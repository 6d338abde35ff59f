import { describe, expect, it } from 'vitest';
import { endFieldValue, endFromField, overnightGroups, timelineRange } from './schedule-draft';

describe('overnight hours in the model', () => {
  it('every day: one rule, the night split at midnight', () => {
    expect(overnightGroups([1, 2, 3, 4, 5, 6, 7], [{ start: '22:00', end: '06:00' }])).toEqual([
      { days: [1, 2, 3, 4, 5, 6, 7], windows: [{ start: '00:00', end: '06:00' }, { start: '22:00', end: '24:00' }] },
    ]);
  });

  it('nights Monday to Friday: the first evening, the nights between, the last morning', () => {
    expect(overnightGroups([1, 2, 3, 4, 5], [{ start: '22:00', end: '06:00' }])).toEqual([
      { days: [2, 3, 4, 5], windows: [{ start: '00:00', end: '06:00' }, { start: '22:00', end: '24:00' }] },
      { days: [1], windows: [{ start: '22:00', end: '24:00' }] },
      { days: [6], windows: [{ start: '00:00', end: '06:00' }] },
    ]);
  });

  it('day hours stay on the chosen days; Sunday night runs into Monday morning', () => {
    expect(overnightGroups([6, 7], [{ start: '09:00', end: '12:00' }, { start: '23:00', end: '02:00' }])).toEqual([
      { days: [6], windows: [{ start: '09:00', end: '12:00' }, { start: '23:00', end: '24:00' }] },
      { days: [7], windows: [{ start: '00:00', end: '02:00' }, { start: '09:00', end: '12:00' }, { start: '23:00', end: '24:00' }] },
      { days: [1], windows: [{ start: '00:00', end: '02:00' }] },
    ]);
  });

  it('without an overnight window nothing changes', () => {
    expect(overnightGroups([1, 2], [{ start: '08:00', end: '18:00' }])).toEqual([{ days: [1, 2], windows: [{ start: '08:00', end: '18:00' }] }]);
  });
});

describe('time fields and timelines', () => {
  it('the end of the day is 00:00 in a time field and 24:00 in the rule', () => {
    expect(endFieldValue('24:00')).toBe('00:00');
    expect(endFromField('00:00')).toBe('24:00');
    expect(endFromField('18:30')).toBe('18:30');
  });

  it("timelines cover an override's period (at most 31 days), else the next 7 days", () => {
    const body = { name: 'x', scope: { kind: 'hospital' as const }, layer: 'override' as const, days: null, windows: [], priority: 0 };
    expect(timelineRange({ ...body, from: '2027-02-05', until: '2027-02-11' })).toEqual({ fromDate: '2027-02-05', days: 7 });
    expect(timelineRange({ ...body, from: '2027-01-01', until: '2027-06-30' })).toEqual({ fromDate: '2027-01-01', days: 31 });
    expect(timelineRange({ ...body, from: '2027-02-05', until: null })).toEqual({ days: 7 });
    expect(timelineRange({ ...body, from: '2027-02-11', until: '2027-02-05' })).toEqual({ days: 7 });
  });
});
