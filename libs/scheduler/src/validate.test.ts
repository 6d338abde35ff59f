import { describe, expect, it } from 'vitest';
import { hours, kiosk, rule } from '../test/fixtures';
import { resolve } from './resolve';
import type { PowerRule } from './types';
import { ScheduleError, isValidTimeZone, validateRule } from './validate';

/** Runs validateRule and returns the error it throws. */
function rejection(bad: PowerRule): ScheduleError {
  try {
    validateRule(bad);
  } catch (error) {
    expect(error).toBeInstanceOf(RangeError);
    return error as ScheduleError;
  }
  throw new Error('validateRule accepted an invalid rule');
}

describe('validateRule', () => {
  it('accepts a well-formed rule', () => {
    expect(() =>
      validateRule(rule('ok', { days: [1, 7], from: '2026-02-16', until: '2026-02-22', windows: hours(['00:00', '24:00']) })),
    ).not.toThrow();
  });

  it.each([
    ['start not HH:mm', { windows: hours(['8:00', '12:00']) }, 'windows[0].start', 'RULE_WINDOW_INVALID'],
    ['start 24:00', { windows: hours(['24:00', '24:00']) }, 'windows[0].start', 'RULE_WINDOW_INVALID'],
    ['end 24:30', { windows: hours(['08:00', '24:30']) }, 'windows[0].end', 'RULE_WINDOW_INVALID'],
    ['minute 60', { windows: hours(['08:00', '09:60']) }, 'windows[0].end', 'RULE_WINDOW_INVALID'],
    ['start = end', { windows: hours(['08:00', '12:00'], ['13:00', '13:00']) }, 'windows[1].end', 'RULE_WINDOW_INVALID'],
    ['start > end', { windows: hours(['18:00', '08:00']) }, 'windows[0].end', 'RULE_WINDOW_INVALID'],
    ['bad from', { from: '2026-2-16' }, 'from', 'RULE_DATE_INVALID'],
    ['impossible until', { until: '2026-02-30' }, 'until', 'RULE_DATE_INVALID'],
    ['until before from', { from: '2026-02-16', until: '2026-02-15' }, 'until', 'RULE_DATE_INVALID'],
    ['empty days', { days: [] }, 'days', 'RULE_DAYS_INVALID'],
    ['weekday 0', { days: [0 as 1] }, 'days[0]', 'RULE_DAYS_INVALID'],
    ['unknown layer', { layer: 'holiday' as 'override' }, 'layer', 'RULE_LAYER_INVALID'],
    ['empty kiosk list', { scope: { kind: 'kiosks' as const, kioskIds: [] } }, 'scope.kioskIds', 'RULE_SCOPE_INVALID'],
    ['priority NaN', { priority: Number.NaN }, 'priority', 'RULE_PRIORITY_INVALID'],
    // Without a zone designator Date.parse would read the host's local zone.
    ['updatedAt without zone', { updatedAt: '2026-01-01T08:00:00' }, 'updatedAt', 'RULE_UPDATED_AT_INVALID'],
  ])('rejects %s, naming the rule and the field', (_, fields, field, code) => {
    const error = rejection(rule('r-bad', fields as Partial<PowerRule>));
    expect(error.subjectId).toBe('r-bad');
    expect(error.field).toBe(field);
    expect(error.code).toBe(code);
    expect(error.message).toContain('"r-bad"');
    expect(error.message).toContain(field);
  });

  it('rejects a missing id', () => {
    expect(rejection(rule('')).field).toBe('id');
  });

  it('makes resolve, transitions and explain refuse invalid rules too', () => {
    const bad = rule('night', { windows: hours(['22:00', '06:00']) });
    expect(() => resolve([bad], kiosk('k1'), new Date('2026-01-01T00:00:00Z'))).toThrow(
      /power rule "night": windows\[0\]\.end 06:00 is not after start 22:00/,
    );
  });
});

describe('isValidTimeZone', () => {
  it('knows IANA zones and refuses others', () => {
    for (const zone of ['Asia/Shanghai', 'Europe/London', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'UTC']) {
      expect(isValidTimeZone(zone)).toBe(true);
    }
    for (const zone of ['Mars/Olympus', '', 'Asia/Shanghai ', 'GMT+8']) expect(isValidTimeZone(zone)).toBe(false);
  });

  it('makes resolve refuse a kiosk in an unknown zone, naming the kiosk', () => {
    expect(() => resolve([], kiosk('k9', 'Mars/Olympus'), new Date(0))).toThrow(/kiosk "k9": timeZone "Mars\/Olympus"/);
  });
});
