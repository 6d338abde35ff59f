import { describe, expect, it } from 'vitest';
import type { FleetKiosk } from './api/types';
import { isMismatch, nextTransitionAt, passTransitions, tileState } from './fleet-state';

const kiosk = (k: Partial<FleetKiosk>): FleetKiosk => ({
  id: 'k',
  code: 'MZ-1F-01',
  name: 'Registration',
  kind: 'registration',
  location: '',
  ip: null,
  mac: '00:1a:2b:3c:4d:5e',
  expected: 'on',
  expectedUntil: null,
  next: null,
  observed: 'up',
  mismatch: false,
  lastSeenAt: null,
  agents: [],
  ...k,
});

describe('tileState', () => {
  it.each([
    ['on', 'up', 'on-as-expected'],
    ['on', 'down', 'mismatch'],
    ['off', 'up', 'mismatch'],
    // Off at night as scheduled is calm, not an alarm.
    ['off', 'down', 'off-as-expected'],
    // Nobody knows: its own state, never mismatch nor calm.
    ['on', 'unknown', 'unknown'],
    ['off', 'unknown', 'unknown'],
    ['unmanaged', 'unknown', 'unknown'],
    ['unmanaged', 'up', 'unmanaged'],
    ['unmanaged', 'down', 'unmanaged'],
  ] as const)('expected %s, observed %s: %s', (expected, observed, state) => {
    expect(tileState({ expected, observed })).toBe(state);
    expect(isMismatch({ expected, observed })).toBe(state === 'mismatch');
  });
});

describe('passTransitions', () => {
  const at = Date.parse('2026-03-02T12:00:00Z');
  const closing = kiosk({
    id: 'a',
    expected: 'on',
    observed: 'up',
    expectedUntil: '2026-03-02T12:00:00.000Z',
    next: 'off',
  });
  const later = kiosk({
    id: 'b',
    expected: 'on',
    observed: 'up',
    expectedUntil: '2026-03-02T13:00:00.000Z',
    next: 'off',
  });

  it('moves kiosks whose instant has come to their next state, recomputing the mismatch', () => {
    const before = [closing, later];
    expect(passTransitions(before, at - 1)).toBe(before);
    const after = passTransitions(before, at);
    expect(after[0]).toMatchObject({ expected: 'off', expectedUntil: null, next: null, mismatch: true });
    expect(after[1]).toBe(later);
    expect(tileState(after[0])).toBe('mismatch');
  });

  it('a kiosk that went down as scheduled becomes calm, not a mismatch', () => {
    const wasOnDown = kiosk({
      expected: 'on',
      observed: 'down',
      mismatch: true,
      expectedUntil: '2026-03-02T12:00:00.000Z',
      next: 'off',
    });
    const [moved] = passTransitions([wasOnDown], at + 5);
    expect(moved).toMatchObject({ expected: 'off', mismatch: false });
    expect(tileState(moved)).toBe('off-as-expected');
  });

  it('the earliest transition is where the page sets its timer', () => {
    expect(nextTransitionAt([later, closing, kiosk({})])).toBe(at);
    expect(nextTransitionAt([kiosk({})])).toBeNull();
  });
});
