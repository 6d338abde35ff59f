import type { KioskRef, PowerRule } from '@wakeward/scheduler';
import { describe, expect, it } from 'vitest';
import { expectedState } from './expected-state';

/** Weekdays 07:00-20:00 in Shanghai (UTC+8): on from 23:00Z to 12:00Z the next day. */
const kiosk: KioskRef = { id: 'k1', siteId: 's1', hospitalId: 'h1', timeZone: 'Asia/Shanghai' };
const weekdays: PowerRule = {
  id: 'r1',
  scope: { kind: 'hospital', hospitalId: 'h1' },
  layer: 'regular',
  days: [1, 2, 3, 4, 5],
  windows: [{ start: '07:00', end: '20:00' }],
  priority: 0,
  updatedAt: '2026-01-01T00:00:00Z',
};
const at = (iso: string) => new Date(iso);
// Monday 2026-01-05, local times.
const mon = (hhmm: string) => at(`2026-01-05T${hhmm}:00+08:00`);

describe('expectedState', () => {
  it('is the schedule without a manual command', () => {
    expect(expectedState([weekdays], kiosk, mon('10:00'))).toEqual({ state: 'on', ruleId: 'r1' });
    expect(expectedState([weekdays], kiosk, mon('21:00'), null)).toEqual({ state: 'off', ruleId: 'r1' });
  });

  it("a manual shutdown holds until the schedule's next transition, then the schedule decides again", () => {
    const manual = { action: 'shutdown' as const, at: mon('10:00'), requestedBy: 'ops' };
    expect(expectedState([weekdays], kiosk, mon('10:00'), manual)).toMatchObject({ state: 'off', manual });
    expect(expectedState([weekdays], kiosk, mon('19:59'), manual)).toMatchObject({ state: 'off', manual });
    // 20:00 is a transition (to off): the command no longer holds, whatever the state.
    expect(expectedState([weekdays], kiosk, mon('20:01'), manual)).toEqual({ state: 'off', ruleId: 'r1' });
    expect(expectedState([weekdays], kiosk, at('2026-01-06T07:30:00+08:00'), manual)).toEqual({
      state: 'on',
      ruleId: 'r1',
    });
  });

  it('a wake over a closed weekend holds until Monday 07:00, days later', () => {
    const weekend: PowerRule = { ...weekdays, id: 'r3', days: [6, 7], windows: [] };
    const manual = { action: 'wake' as const, at: at('2026-01-03T09:00:00+08:00'), requestedBy: 'staff-a' };
    expect(expectedState([weekdays, weekend], kiosk, at('2026-01-05T06:59:00+08:00'), manual)).toEqual({
      state: 'on',
      manual,
    });
    expect(expectedState([weekdays, weekend], kiosk, mon('20:30'), manual)).toEqual({ state: 'off', ruleId: 'r1' });
    // Without the weekend rule, Saturday is unmanaged and Monday 00:00 (unmanaged -> off) is the next transition.
    expect(expectedState([weekdays], kiosk, at('2026-01-04T23:59:00+08:00'), manual).state).toBe('on');
    expect(expectedState([weekdays], kiosk, at('2026-01-05T00:01:00+08:00'), manual)).toEqual({
      state: 'off',
      ruleId: 'r1',
    });
  });

  it('a transition at the very instant of the command does not end it; a command in the future does not count yet', () => {
    const manual = { action: 'shutdown' as const, at: mon('07:00'), requestedBy: 'ops' };
    expect(expectedState([weekdays], kiosk, mon('08:00'), manual).state).toBe('off');
    expect(expectedState([weekdays], kiosk, mon('06:00'), manual)).toEqual({ state: 'off', ruleId: 'r1' });
    expect(expectedState([weekdays], kiosk, mon('06:00'), { ...manual, action: 'wake' }).manual).toBeUndefined();
  });

  it('an unmanaged kiosk keeps a manual command until a rule brings a change; a rule edit that adds one ends it', () => {
    const manual = { action: 'wake' as const, at: mon('10:00'), requestedBy: 'ops' };
    expect(expectedState([], kiosk, at('2026-03-01T10:00:00+08:00'), manual).state).toBe('on');
    const closedFromTuesday: PowerRule = {
      ...weekdays,
      id: 'r2',
      layer: 'override',
      from: '2026-01-06',
      until: '2026-01-06',
      windows: [],
    };
    expect(expectedState([closedFromTuesday], kiosk, at('2026-01-06T12:00:00+08:00'), manual)).toEqual({
      state: 'off',
      ruleId: 'r2',
    });
  });
});
