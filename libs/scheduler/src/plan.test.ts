import { describe, expect, it } from 'vitest';
import { at, hours, kiosk, rule } from '../test/fixtures';
import { planTransitions } from './plan';
import { transitions } from './transitions';

describe('planTransitions', () => {
  const rules = [
    rule('h1-weekly', { windows: hours(['07:30', '18:00']) }),
    rule('h2-weekly', { scope: { kind: 'hospital', hospitalId: 'h2' }, windows: hours(['08:00', '17:00']) }),
    rule('s2-closed', { scope: { kind: 'site', siteId: 's2' }, layer: 'override', from: '2026-03-28', until: '2026-03-29' }),
    rule('night-desk', { scope: { kind: 'kiosks', kioskIds: ['k3', 'k4', 'k3'] }, windows: hours(['22:00', '24:00'], ['00:00', '06:00']) }),
  ];
  const kiosks = [
    kiosk('k1', 'Asia/Shanghai', 's1', 'h1'),
    kiosk('k2', 'Asia/Shanghai', 's1', 'h1'),
    kiosk('k3', 'Asia/Shanghai', 's1', 'h1'),
    kiosk('k4', 'Asia/Shanghai', 's1', 'h1'),
    kiosk('k5', 'Europe/London', 's2', 'h1'),
    kiosk('k6', 'Europe/London', 's2', 'h1'),
    kiosk('k7', 'Europe/London', 's3', 'h1'),
    kiosk('k8', 'Asia/Shanghai', 's9', 'h2'),
    kiosk('k9', 'Asia/Shanghai', 's4', 'h1'),
    kiosk('k10', 'Asia/Shanghai', 's9', 'h3'),
  ];
  const from = at('2026-03-27T12:00:00Z');
  const to = at('2026-03-30T14:00:00Z');

  it('gives every kiosk exactly what transitions() gives it', () => {
    const plan = planTransitions(rules, kiosks, from, to);
    expect(plan.byKiosk.size).toBe(kiosks.length);
    for (const k of kiosks) expect(plan.byKiosk.get(k.id)).toEqual(transitions(rules, k, from, to));
  });

  it('computes once per zone and applicable rule set, sharing the result', () => {
    const plan = planTransitions(rules, kiosks, from, to);
    const groups = plan.groups.map((g) => `${g.timeZone} [${g.rules.map((r) => r.id).join(' ')}] ${g.kiosks.map((k) => k.id).join(' ')}`);
    expect(groups).toEqual([
      'Asia/Shanghai [h1-weekly] k1 k2 k9',
      'Asia/Shanghai [h1-weekly night-desk] k3 k4',
      'Europe/London [h1-weekly s2-closed] k5 k6',
      'Europe/London [h1-weekly] k7',
      'Asia/Shanghai [h2-weekly] k8',
      'Asia/Shanghai [] k10',
    ]);
    expect(plan.byKiosk.get('k1')).toBe(plan.byKiosk.get('k9'));
    expect(plan.byKiosk.get('k10')).toEqual([]);
  });

  it('validates rules and zones like the rest of the API', () => {
    expect(() => planTransitions([rule('bad', { from: 'soon' })], kiosks, from, to)).toThrow(/"bad": from/);
    expect(() => planTransitions([], [kiosk('kx', 'Nowhere/Land')], from, to)).toThrow(RangeError);
  });
});
