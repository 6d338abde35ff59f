import type { KioskRef, PowerRule } from '../schedule/hospital-schedule';
import { describe, expect, it } from 'vitest';
import { isMismatch, kioskStates, lastSeenUp, observedState, scheduledStates, SIGHTING_TTL_MS } from './kiosk-states';

const SHANGHAI = 'Asia/Shanghai';
const kiosk = (id: string, siteId = 's1', timeZone = SHANGHAI): KioskRef => ({ id, siteId, hospitalId: 'h1', timeZone });
const rule = (r: Partial<PowerRule> & Pick<PowerRule, 'id' | 'scope' | 'windows'>): PowerRule => ({
  layer: 'regular',
  priority: 0,
  updatedAt: '2026-01-01T00:00:00Z',
  ...r,
});

// Weekdays 07:00-20:00 for the hospital; kiosk k3 around the clock.
const rules: PowerRule[] = [
  rule({ id: 'weekdays', scope: { kind: 'hospital', hospitalId: 'h1' }, days: [1, 2, 3, 4, 5], windows: [{ start: '07:00', end: '20:00' }] }),
  rule({ id: 'k3-always', scope: { kind: 'kiosks', kioskIds: ['k3'] }, windows: [{ start: '00:00', end: '24:00' }] }),
];

describe('scheduledStates', () => {
  it('gives the state now, the next transition and the state after it', () => {
    // Monday 2026-03-02 18:00 in Shanghai.
    const now = new Date('2026-03-02T10:00:00Z');
    const states = scheduledStates(rules, [kiosk('k1'), kiosk('k2'), kiosk('k3')], now);
    expect(states.get('k1')).toEqual({ expected: 'on', ruleId: 'weekdays', until: new Date('2026-03-02T12:00:00Z'), next: 'off' });
    expect(states.get('k2')).toEqual(states.get('k1'));
    // Always on: no transition within the horizon.
    expect(states.get('k3')).toEqual({ expected: 'on', ruleId: 'k3-always', until: null, next: null });
  });

  it('a transition exactly now is in force; the next one is the one after', () => {
    const now = new Date('2026-03-02T12:00:00Z'); // Monday 20:00 in Shanghai: off from now on
    expect(scheduledStates(rules, [kiosk('k1')], now).get('k1')).toEqual({
      expected: 'off',
      ruleId: 'weekdays',
      until: new Date('2026-03-02T23:00:00Z'), // Tuesday 07:00
      next: 'on',
    });
  });

  it('unmanaged when no rule is in force, with the instant a rule takes over', () => {
    const now = new Date('2026-03-08T04:00:00Z'); // Sunday 12:00 in Shanghai: no rule
    expect(scheduledStates(rules, [kiosk('k1')], now).get('k1')).toEqual({
      expected: 'unmanaged',
      until: new Date('2026-03-08T16:00:00Z'), // Monday 00:00: the weekday rule wins, off until 07:00
      next: 'off',
    });
  });

  it('kiosks named by a rule get their own schedule; the others their site’s and hospital’s', () => {
    const now = new Date('2026-03-02T10:00:00Z'); // Monday 18:00 in Shanghai
    const siteRule = rule({ id: 's2-evening', scope: { kind: 'site', siteId: 's2' }, windows: [{ start: '17:00', end: '23:00' }] });
    const kiosks = [kiosk('k1'), kiosk('k3'), kiosk('k4'), kiosk('k5', 's2'), kiosk('k6', 's2'), kiosk('k7', 's3')];
    const states = scheduledStates([...rules, siteRule], kiosks, now);
    expect(states.get('k3')).toMatchObject({ expected: 'on', ruleId: 'k3-always', until: null });
    expect(states.get('k4')).toEqual(states.get('k1'));
    expect(states.get('k4')).toMatchObject({ ruleId: 'weekdays', until: new Date('2026-03-02T12:00:00Z') });
    expect(states.get('k5')).toMatchObject({ expected: 'on', ruleId: 's2-evening', until: new Date('2026-03-02T15:00:00Z') });
    expect(states.get('k6')).toEqual(states.get('k5'));
    expect(states.get('k7')).toMatchObject({ ruleId: 'weekdays' });
    expect(states.size).toBe(kiosks.length);
  });

  it('reads each kiosk in its own zone', () => {
    const now = new Date('2026-03-02T10:00:00Z'); // 18:00 in Shanghai, 10:00 in London
    const states = scheduledStates(rules, [kiosk('sh'), kiosk('ldn', 's2', 'Europe/London')], now);
    expect(states.get('sh')!.until).toEqual(new Date('2026-03-02T12:00:00Z'));
    expect(states.get('ldn')).toMatchObject({ expected: 'on', until: new Date('2026-03-02T20:00:00Z'), next: 'off' });
  });
});

describe('isMismatch', () => {
  it.each([
    ['on', 'up', false],
    ['on', 'down', true],
    ['on', 'unknown', false],
    ['off', 'up', true],
    ['off', 'down', false],
    ['off', 'unknown', false],
    ['unmanaged', 'up', false],
    ['unmanaged', 'down', false],
  ] as const)('expected %s, observed %s: %s', (expected, observed, mismatch) => {
    expect(isMismatch(expected, observed)).toBe(mismatch);
  });
});

describe('observedState', () => {
  const now = new Date('2026-03-02T10:00:00Z');
  const ago = (s: number) => new Date(now.getTime() - s * 1000);
  const stale = SIGHTING_TTL_MS / 1000 + 1;

  it('up when any fresh sighting says up, down when fresh ones all say down, unknown without a fresh one', () => {
    expect(observedState([{ up: false, observedAt: ago(10) }, { up: true, observedAt: ago(200) }], now).observed).toBe('up');
    expect(observedState([{ up: false, observedAt: ago(10) }, { up: true, observedAt: ago(stale) }], now).observed).toBe('down');
    expect(observedState([{ up: true, observedAt: ago(stale) }], now)).toEqual({ observed: 'unknown', lastSeenAt: ago(stale) });
    expect(observedState([], now)).toEqual({ observed: 'unknown', lastSeenAt: null });
  });

  it('lastSeenAt is the newest sighting that said up, fresh or not', () => {
    const { lastSeenAt } = observedState([{ up: true, observedAt: ago(300) }, { up: true, observedAt: ago(30) }, { up: false, observedAt: ago(1) }], now);
    expect(lastSeenAt).toEqual(ago(30));
  });
});

describe('kioskStates', () => {
  it('joins the schedule with the fresh sightings', () => {
    const now = new Date('2026-03-02T10:00:00Z'); // Monday 18:00: on
    const old = new Date(now.getTime() - SIGHTING_TTL_MS - 1000);
    const sightings = new Map([
      ['k1', [{ up: false, observedAt: now }]],
      ['k2', [{ up: true, observedAt: old }]],
    ]);
    const states = kioskStates(rules, [kiosk('k1'), kiosk('k2'), kiosk('k3')], sightings, now);
    expect(states.get('k1')).toMatchObject({ expected: 'on', observed: 'down', mismatch: true });
    expect(states.get('k2')).toMatchObject({ expected: 'on', observed: 'unknown', mismatch: false });
    expect(states.get('k3')).toMatchObject({ expected: 'on', observed: 'unknown', mismatch: false });
  });
});

describe('lastSeenUp', () => {
  const now = new Date('2026-03-02T10:00:00Z');
  const ago = (s: number) => new Date(now.getTime() - s * 1000);
  const probeMs = 30_000;

  it('an online agent that saw the kiosk up vouches for it up to one probe interval before its last heartbeat', () => {
    const seen = lastSeenUp([{ up: true, observedAt: ago(240), agentHeartbeatAt: ago(5) }], now, probeMs, SIGHTING_TTL_MS);
    expect(seen).toEqual(ago(35));
  });

  it('without a later heartbeat, the probe itself', () => {
    expect(lastSeenUp([{ up: true, observedAt: ago(240), agentHeartbeatAt: null }], now, probeMs, SIGHTING_TTL_MS)).toEqual(ago(240));
    expect(lastSeenUp([{ up: true, observedAt: ago(240), agentHeartbeatAt: ago(300) }], now, probeMs, SIGHTING_TTL_MS)).toEqual(ago(240));
    // A heartbeat just after the probe never moves it back.
    expect(lastSeenUp([{ up: true, observedAt: ago(240), agentHeartbeatAt: ago(230) }], now, probeMs, SIGHTING_TTL_MS)).toEqual(ago(240));
  });

  it('a stale sighting is not vouched for, however alive its agent', () => {
    const stale = ago(SIGHTING_TTL_MS / 1000 + 60);
    expect(lastSeenUp([{ up: true, observedAt: stale, agentHeartbeatAt: ago(1) }], now, probeMs, SIGHTING_TTL_MS)).toEqual(stale);
  });

  it('down sightings say nothing of when it was last up; the freshest vouch of any agent wins', () => {
    expect(lastSeenUp([{ up: false, observedAt: ago(10), agentHeartbeatAt: ago(1) }], now, probeMs, SIGHTING_TTL_MS)).toBeNull();
    const seen = lastSeenUp(
      [
        { up: true, observedAt: ago(100), agentHeartbeatAt: null },
        { up: true, observedAt: ago(200), agentHeartbeatAt: ago(20) },
        { up: false, observedAt: ago(5), agentHeartbeatAt: ago(2) },
      ],
      now,
      probeMs,
      SIGHTING_TTL_MS,
    );
    expect(seen).toEqual(ago(50));
  });
});
