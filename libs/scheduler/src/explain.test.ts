import { describe, expect, it } from 'vitest';
import { hours, kiosk, rule } from '../test/fixtures';
import { explain } from './explain';

const k10 = kiosk('k10', 'Asia/Shanghai', 's1', 'h1');
const reasons = (result: ReturnType<typeof explain>) => result.candidates.map((c) => `${c.rule.id}: ${c.reason}`);

describe('explain', () => {
  it('names the winner and says why each other rule loses, at the step that decides', () => {
    const weekly = rule('weekly', { windows: hours(['07:30', '18:00']) });
    const site = rule('site-s1', { scope: { kind: 'site', siteId: 's1' }, windows: hours(['08:00', '17:00']) });
    const festival = rule('festival', { layer: 'override', from: '2026-02-16', until: '2026-02-22' });
    const duty = rule('duty', { scope: { kind: 'kiosks', kioskIds: ['k10'] }, layer: 'override', from: '2026-02-16', until: '2026-02-22', windows: hours(['08:00', '16:00']) });
    const result = explain([weekly, site, festival, duty], k10, '2026-02-17');
    expect(result.winner).toBe(duty);
    expect(reasons(result)).toEqual([
      'duty: wins: kiosk scope, override layer, priority 0',
      'site-s1: loses to rule duty: narrower scope (kiosk over site)',
      'festival: loses to rule duty: narrower scope (kiosk over hospital)',
      'weekly: loses to rule duty: narrower scope (kiosk over hospital)',
    ]);
    expect(result.candidates.map((c) => c.inForce)).toEqual([true, true, true, true]);
  });

  it('explains layer, priority, updatedAt and id ties', () => {
    const regular = rule('regular', { priority: 9 });
    const overrideLow = rule('override-low', { layer: 'override', priority: 1 });
    const overrideHigh = rule('override-high', { layer: 'override', priority: 2, updatedAt: '2025-01-01T00:00:00Z' });
    const overrideHighNewer = rule('override-high-newer', { layer: 'override', priority: 2, updatedAt: '2026-03-01T00:00:00Z' });
    const twinA = rule('a-twin', { layer: 'override', priority: 2, updatedAt: '2026-03-01T00:00:00Z' });
    const result = explain([regular, overrideLow, overrideHigh, overrideHighNewer, twinA], k10, '2026-03-02');
    expect(reasons(result)).toEqual([
      'override-high-newer: wins: hospital scope, override layer, priority 2',
      'a-twin: loses to rule override-high-newer: greater id (tie on everything else)',
      'override-high: loses to rule override-high-newer: updated later (2026-03-01T00:00:00Z over 2025-01-01T00:00:00Z)',
      'override-low: loses to rule override-high-newer: higher priority (2 over 1)',
      'regular: loses to rule override-high-newer: override layer over regular',
    ]);
  });

  it('says why a rule is not in force', () => {
    const weekdays = rule('weekdays', { days: [1, 2, 3, 4, 5] });
    const later = rule('later', { from: '2026-03-01' });
    const earlier = rule('earlier', { until: '2026-01-31' });
    const otherSite = rule('other-site', { scope: { kind: 'site', siteId: 's2' } });
    const otherHospital = rule('other-hospital', { scope: { kind: 'hospital', hospitalId: 'h2' } });
    const otherKiosks = rule('other-kiosks', { scope: { kind: 'kiosks', kioskIds: ['k11'] } });
    // 2026-02-14 is a Saturday (ISO 6).
    const result = explain([weekdays, later, earlier, otherSite, otherHospital, otherKiosks], k10, '2026-02-14');
    expect(result.winner).toBeUndefined();
    expect(reasons(result)).toEqual([
      'weekdays: not in force: weekday 6 not in days',
      'later: not in force: 2026-02-14 is before from 2026-03-01',
      'earlier: not in force: 2026-02-14 is after until 2026-01-31',
      'other-site: not in force: scope is site s2, kiosk is at site s1',
      'other-hospital: not in force: scope is hospital h2, kiosk is in hospital h1',
      'other-kiosks: not in force: kiosk k10 not in scope kiosks',
    ]);
    expect(result.candidates.every((c) => !c.inForce)).toBe(true);
  });

  it('lists the winner, then losers, then rules not in force', () => {
    const weekdays = rule('weekdays', { days: [1, 2, 3, 4, 5] });
    const everyDay = rule('every-day');
    expect(reasons(explain([weekdays, everyDay], k10, '2026-02-14'))).toEqual([
      'every-day: wins: hospital scope, regular layer, priority 0',
      'weekdays: not in force: weekday 6 not in days',
    ]);
  });

  it('gives each reason as a code with the facts it names, matching the English text', () => {
    const codes = (result: ReturnType<typeof explain>) =>
      Object.fromEntries(result.candidates.map((c) => [c.rule.id, [c.reasonCode, c.reasonParams]]));
    const weekly = rule('weekly', { priority: 3 });
    const site = rule('site-s1', { scope: { kind: 'site', siteId: 's1' } });
    const duty = rule('duty', { scope: { kind: 'kiosks', kioskIds: ['k10'] }, layer: 'override', priority: 1 });
    const twin = rule('a-twin', { scope: { kind: 'kiosks', kioskIds: ['k10'] }, layer: 'override', priority: 1 });
    const dutyLow = rule('duty-low', { scope: { kind: 'kiosks', kioskIds: ['k10'] }, layer: 'override', priority: 0 });
    const dutyOld = rule('duty-old', { scope: { kind: 'kiosks', kioskIds: ['k10'] }, layer: 'override', priority: 1, updatedAt: '2025-01-01T00:00:00Z' });
    const regularKiosk = rule('regular-kiosk', { scope: { kind: 'kiosks', kioskIds: ['k10'] }, priority: 9 });
    const weekdays = rule('weekdays', { days: [1, 2, 3, 4, 5] });
    const later = rule('later', { from: '2026-03-01' });
    const earlier = rule('earlier', { until: '2026-01-31' });
    const otherSite = rule('other-site', { scope: { kind: 'site', siteId: 's2' } });
    const otherHospital = rule('other-hospital', { scope: { kind: 'hospital', hospitalId: 'h2' } });
    const otherKiosks = rule('other-kiosks', { scope: { kind: 'kiosks', kioskIds: ['k11'] } });
    const result = explain(
      [weekly, site, duty, twin, dutyLow, dutyOld, regularKiosk, weekdays, later, earlier, otherSite, otherHospital, otherKiosks],
      k10,
      '2026-02-14',
    );
    expect(result.winner).toBe(duty);
    expect(codes(result)).toEqual({
      duty: ['wins', { scope: 'kiosk', layer: 'override', priority: 1 }],
      'a-twin': ['losesTo.id', { rule: 'duty' }],
      'duty-old': ['losesTo.updatedAt', { rule: 'duty', winnerUpdatedAt: duty.updatedAt, loserUpdatedAt: '2025-01-01T00:00:00Z' }],
      'duty-low': ['losesTo.priority', { rule: 'duty', winnerPriority: 1, loserPriority: 0 }],
      'regular-kiosk': ['losesTo.layer', { rule: 'duty' }],
      'site-s1': ['losesTo.scope', { rule: 'duty', winnerScope: 'kiosk', loserScope: 'site' }],
      weekly: ['losesTo.scope', { rule: 'duty', winnerScope: 'kiosk', loserScope: 'hospital' }],
      weekdays: ['notInForce.weekday', { weekday: 6 }],
      later: ['notInForce.beforeFrom', { date: '2026-02-14', from: '2026-03-01' }],
      earlier: ['notInForce.afterUntil', { date: '2026-02-14', until: '2026-01-31' }],
      'other-site': ['notInForce.site', { site: 's2', kioskSite: 's1' }],
      'other-hospital': ['notInForce.hospital', { hospital: 'h2', kioskHospital: 'h1' }],
      'other-kiosks': ['notInForce.kiosks', { kiosk: 'k10' }],
    });
    // The English text and the code agree: every param shows in the text.
    for (const c of result.candidates) {
      for (const value of Object.values(c.reasonParams)) expect(c.reason).toContain(String(value));
    }
  });

  it('calls a rule identical to the winner in everything a duplicate of it', () => {
    const a = rule('same', { layer: 'override' });
    const b = rule('same', { layer: 'override' });
    const result = explain([a, b], k10, '2026-02-14');
    expect(result.candidates[1]).toMatchObject({ reasonCode: 'duplicateOf', reasonParams: { rule: 'same' }, reason: 'duplicate of rule same' });
  });

  it('refuses a bad local date or an invalid rule with a RangeError', () => {
    expect(() => explain([], k10, '2026-13-01')).toThrow(RangeError);
    expect(() => explain([rule('r', { days: [] })], k10, '2026-01-01')).toThrow(/"r": days/);
  });
});
