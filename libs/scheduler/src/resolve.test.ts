import { describe, expect, it } from 'vitest';
import { at, brief, hours, kiosk, rule } from '../test/fixtures';
import { resolve } from './resolve';
import { transitions } from './transitions';

// Asia/Shanghai is UTC+8 all year: 2026-01-05 (a Monday) 10:00 local = 02:00Z.
const k1 = kiosk('k1', 'Asia/Shanghai', 's1', 'h1');
const mondayTen = at('2026-01-05T02:00:00Z');

describe('resolve: precedence, one step at a time', () => {
  it('1. narrower scope wins: kiosk over site over hospital, whatever the layer or priority', () => {
    const hospital = rule('hospital-wide', { layer: 'override', priority: 99, windows: hours(['08:00', '18:00']) });
    const site = rule('site-s1', { scope: { kind: 'site', siteId: 's1' }, layer: 'override', priority: 50 });
    const own = rule('kiosk-k1', { scope: { kind: 'kiosks', kioskIds: ['k0', 'k1'] }, windows: hours(['09:00', '11:00']) });
    expect(resolve([hospital], k1, mondayTen)).toEqual({ state: 'on', ruleId: 'hospital-wide' });
    expect(resolve([hospital, site], k1, mondayTen)).toEqual({ state: 'off', ruleId: 'site-s1' });
    expect(resolve([own, hospital, site], k1, mondayTen)).toEqual({ state: 'on', ruleId: 'kiosk-k1' });
  });

  it('2. with equal scope, override beats regular even at lower priority', () => {
    const weekly = rule('weekly', { priority: 10, windows: hours(['08:00', '18:00']) });
    const closure = rule('closure', { layer: 'override', priority: -5 });
    expect(resolve([weekly, closure], k1, mondayTen)).toEqual({ state: 'off', ruleId: 'closure' });
  });

  it('3. with equal scope and layer, higher priority wins even if older', () => {
    const older = rule('older', { priority: 2, updatedAt: '2025-01-01T00:00:00Z', windows: hours(['08:00', '18:00']) });
    const newer = rule('newer', { priority: 1, updatedAt: '2026-06-01T00:00:00Z' });
    expect(resolve([newer, older], k1, mondayTen)).toEqual({ state: 'on', ruleId: 'older' });
  });

  it('4. then the later updatedAt wins, compared as instants, not as strings', () => {
    // 09:00+08:00 is 01:00Z, earlier than 02:00Z although its text sorts higher.
    const a = rule('a', { updatedAt: '2026-01-01T09:00:00+08:00', windows: hours(['08:00', '18:00']) });
    const b = rule('b', { updatedAt: '2026-01-01T02:00:00Z' });
    expect(resolve([a, b], k1, mondayTen)).toEqual({ state: 'off', ruleId: 'b' });
  });

  it('5. then the greater id wins (code-unit order)', () => {
    const a = rule('rule-a', { windows: hours(['08:00', '18:00']) });
    const b = rule('rule-b');
    expect(resolve([a, b], k1, mondayTen)).toEqual({ state: 'off', ruleId: 'rule-b' });
    expect(resolve([b, a], k1, mondayTen)).toEqual({ state: 'off', ruleId: 'rule-b' });
  });

  it('only rules in force compete: weekday and from/until are local dates in the kiosk zone', () => {
    const weekdays = rule('weekdays', { days: [1, 2, 3, 4, 5], windows: hours(['08:00', '18:00']) });
    const mondayOnlyClosure = rule('closure', { layer: 'override', from: '2026-01-05', until: '2026-01-05' });
    // 2026-01-04T17:00Z is already Monday 01:00 in Shanghai, still Sunday in UTC.
    expect(resolve([weekdays, mondayOnlyClosure], k1, at('2026-01-04T17:00:00Z'))).toEqual({ state: 'off', ruleId: 'closure' });
    expect(resolve([weekdays, mondayOnlyClosure], k1, at('2026-01-04T15:59:59.999Z'))).toEqual({ state: 'unmanaged' });
    expect(resolve([weekdays, mondayOnlyClosure], k1, at('2026-01-06T02:00:00Z'))).toEqual({ state: 'on', ruleId: 'weekdays' });
  });

  it('a kiosk no rule covers is unmanaged', () => {
    const other = rule('other-hospital', { scope: { kind: 'hospital', hospitalId: 'h2' }, windows: hours(['00:00', '24:00']) });
    expect(resolve([other], k1, mondayTen)).toEqual({ state: 'unmanaged' });
  });

  it('window edges: start inclusive, end exclusive', () => {
    const day = rule('day', { windows: hours(['08:00', '18:00']) });
    expect(resolve([day], k1, at('2026-01-05T00:00:00Z')).state).toBe('on');
    expect(resolve([day], k1, at('2026-01-04T23:59:59.999Z')).state).toBe('off');
    expect(resolve([day], k1, at('2026-01-05T10:00:00Z')).state).toBe('off');
    expect(resolve([day], k1, at('2026-01-05T09:59:59.999Z')).state).toBe('on');
  });
});

describe('Spring Festival: every kiosk off except 10 and 11, which run 08:00-16:00', () => {
  const weekly = rule('weekly-hours', { days: [1, 2, 3, 4, 5, 6, 7], windows: hours(['07:30', '18:00']) });
  const festival = rule('spring-festival', { layer: 'override', from: '2026-02-16', until: '2026-02-22', windows: [] });
  const festivalDuty = rule('festival-duty', {
    scope: { kind: 'kiosks', kioskIds: ['k10', 'k11'] },
    layer: 'override',
    from: '2026-02-16',
    until: '2026-02-22',
    windows: hours(['08:00', '16:00']),
  });
  const rules = [weekly, festival, festivalDuty];
  // Festival local dates 2026-02-16..22 in Shanghai = [2026-02-15T16:00Z, 2026-02-22T16:00Z).
  const festivalNoon = at('2026-02-17T04:00:00Z');

  it('resolves each kiosk at festival noon', () => {
    expect(resolve(rules, kiosk('k05'), festivalNoon)).toEqual({ state: 'off', ruleId: 'spring-festival' });
    expect(resolve(rules, kiosk('k10'), festivalNoon)).toEqual({ state: 'on', ruleId: 'festival-duty' });
    expect(resolve(rules, kiosk('k11'), festivalNoon)).toEqual({ state: 'on', ruleId: 'festival-duty' });
    expect(resolve(rules, kiosk('k10'), at('2026-02-17T09:00:00Z'))).toEqual({ state: 'off', ruleId: 'festival-duty' });
  });

  it('kiosk 05 stays off through the festival and wakes on 2026-02-23 at 07:30', () => {
    expect(brief(transitions(rules, kiosk('k05'), at('2026-02-15T00:00:00Z'), at('2026-02-23T16:00:00Z')))).toEqual([
      '2026-02-15T10:00:00.000Z off weekly-hours',
      '2026-02-22T23:30:00.000Z on weekly-hours',
      '2026-02-23T10:00:00.000Z off weekly-hours',
    ]);
  });

  it('kiosk 10 runs 08:00-16:00 each festival day', () => {
    const list = brief(transitions(rules, kiosk('k10'), at('2026-02-15T16:00:00Z'), at('2026-02-23T16:00:00Z')));
    expect(list).toHaveLength(16);
    expect(list.slice(0, 2)).toEqual(['2026-02-16T00:00:00.000Z on festival-duty', '2026-02-16T08:00:00.000Z off festival-duty']);
    expect(list.slice(12)).toEqual([
      '2026-02-22T00:00:00.000Z on festival-duty',
      '2026-02-22T08:00:00.000Z off festival-duty',
      '2026-02-22T23:30:00.000Z on weekly-hours',
      '2026-02-23T10:00:00.000Z off weekly-hours',
    ]);
  });
});

describe('overnight hours as two windows', () => {
  // Mon 2026-01-05 .. Wed 2026-01-07 local in Shanghai.
  const from = at('2026-01-04T16:00:00Z');
  const to = at('2026-01-07T16:00:00Z');

  it('22:00-24:00 plus 00:00-06:00 in one rule: no off-blip at midnight', () => {
    const night = rule('night', { windows: hours(['22:00', '24:00'], ['00:00', '06:00']) });
    expect(brief(transitions([night], k1, from, to))).toEqual([
      '2026-01-04T22:00:00.000Z off night',
      '2026-01-05T14:00:00.000Z on night',
      '2026-01-05T22:00:00.000Z off night',
      '2026-01-06T14:00:00.000Z on night',
      '2026-01-06T22:00:00.000Z off night',
      '2026-01-07T14:00:00.000Z on night',
    ]);
    expect(resolve([night], k1, at('2026-01-05T16:00:00Z'))).toEqual({ state: 'on', ruleId: 'night' });
  });

  it('the evening and the morning in two rules: the winner changes at midnight, the state does not', () => {
    const mondayEvening = rule('mon-evening', { days: [1], windows: hours(['22:00', '24:00']) });
    const tuesdayMorning = rule('tue-morning', { days: [2], windows: hours(['00:00', '06:00']) });
    expect(brief(transitions([mondayEvening, tuesdayMorning], k1, from, to))).toEqual([
      '2026-01-04T16:00:00.000Z off mon-evening',
      '2026-01-05T14:00:00.000Z on mon-evening',
      '2026-01-05T22:00:00.000Z off tue-morning',
      '2026-01-06T16:00:00.000Z unmanaged',
    ]);
  });

  it('overlapping and touching windows are one period', () => {
    const shifts = rule('shifts', { windows: hours(['08:00', '12:00'], ['12:00', '14:00'], ['13:00', '18:00'], ['09:00', '10:00']) });
    expect(brief(transitions([shifts], k1, from, at('2026-01-05T16:00:00Z')))).toEqual([
      '2026-01-05T00:00:00.000Z on shifts',
      '2026-01-05T10:00:00.000Z off shifts',
    ]);
  });
});
