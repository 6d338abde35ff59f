import type { PowerRule } from '@wakeward/scheduler';
import { describe, expect, it } from 'vitest';
import { IMPACT_OVERRIDE_DATES, IMPACT_REGULAR_DATES, ruleDates } from './rule-impact';

const rule = (r: Partial<PowerRule>): PowerRule => ({
  id: 'r',
  scope: { kind: 'hospital', hospitalId: 'h' },
  layer: 'override',
  windows: [],
  priority: 0,
  updatedAt: '2026-12-01T00:00:00.000Z',
  ...r,
});

describe("a rule's own dates", () => {
  it("an override months away: its period, filtered by its weekdays, whatever today is", () => {
    expect(ruleDates(rule({ from: '2027-02-05', until: '2027-02-11', days: [6, 7] }), '2026-12-05')).toEqual({
      dates: ['2027-02-06', '2027-02-07'],
      truncated: false,
    });
  });

  it('a period under way is shown from today; one already over from its start', () => {
    expect(ruleDates(rule({ from: '2026-12-01', until: '2026-12-07' }), '2026-12-05').dates).toEqual(['2026-12-05', '2026-12-06', '2026-12-07']);
    expect(ruleDates(rule({ from: '2026-11-01', until: '2026-11-02' }), '2026-12-05').dates).toEqual(['2026-11-01', '2026-11-02']);
  });

  it('a long override and a regular rule are cut, and say so', () => {
    const long = ruleDates(rule({ from: '2027-01-01', until: '2027-12-31' }), '2026-12-05');
    expect(long.dates).toHaveLength(IMPACT_OVERRIDE_DATES);
    expect(long.truncated).toBe(true);
    const weekdays = ruleDates(rule({ layer: 'regular', days: [1, 2, 3, 4, 5] }), '2026-12-05'); // a Saturday
    expect(weekdays.dates).toHaveLength(IMPACT_REGULAR_DATES);
    expect(weekdays.dates[0]).toBe('2026-12-07');
    expect(weekdays.truncated).toBe(true);
  });
});
