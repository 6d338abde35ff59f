import type { KioskRef, PowerRule } from '@wakeward/scheduler';
import { describe, expect, it } from 'vitest';
import { buildCalendar, CalendarRuleInfo, CalendarTooDetailedError, MAX_CALENDAR_GROUPS, MAX_CALENDAR_WORK } from './calendar';

const hospitalId = 'h1';
const updatedAt = '2026-12-01T00:00:00Z';
const kiosk = (i: number): KioskRef => ({ id: `k${String(i).padStart(4, '0')}`, siteId: i % 2 ? 's1' : 's2', hospitalId, timeZone: 'Asia/Shanghai' });
const listedOf = (refs: KioskRef[]) => refs.map((ref) => ({ ref, listed: { id: ref.id, code: ref.id, name: ref.id, siteId: ref.siteId } }));
const infoOf = (rules: PowerRule[]) =>
  new Map<string, CalendarRuleInfo>(rules.map((r) => [r.id, { id: r.id, name: r.id, layer: r.layer, scopeKind: r.scope.kind }]));

describe('calendar limits', () => {
  it('a 1,000-kiosk hospital with a few groups over 62 dates is well within the budget', () => {
    const kiosks = Array.from({ length: 1000 }, (_, i) => kiosk(i));
    const rules: PowerRule[] = [
      { id: 'weekdays', scope: { kind: 'hospital', hospitalId }, layer: 'regular', days: [1, 2, 3, 4, 5], windows: [{ start: '07:00', end: '20:00' }], priority: 0, updatedAt },
      { id: 'weekend', scope: { kind: 'hospital', hospitalId }, layer: 'regular', days: [6, 7], windows: [{ start: '08:00', end: '17:00' }], priority: 0, updatedAt },
      { id: 'festival', scope: { kind: 'hospital', hospitalId }, layer: 'override', from: '2027-02-06', until: '2027-02-12', windows: [], priority: 0, updatedAt },
      { id: 'saturday', scope: { kind: 'site', siteId: 's1' }, layer: 'regular', days: [6], windows: [{ start: '09:00', end: '13:00' }], priority: 0, updatedAt },
      { id: 'emergency', scope: { kind: 'kiosks', kioskIds: kiosks.slice(0, 30).map((k) => k.id) }, layer: 'regular', windows: [{ start: '00:00', end: '24:00' }], priority: 0, updatedAt },
    ];
    const calendar = buildCalendar(rules, infoOf(rules), listedOf(kiosks), '2027-01-15', '2027-03-17');
    // The emergency kiosks of both sites share their hours: 4 rule sets, 3 groups.
    expect(calendar.groups.length).toBe(3);
    expect(calendar.groups.reduce((n, g) => n + g.kioskCount, 0)).toBe(1000);
    expect(calendar.groups[0].days.length).toBe(62);
  });

  it('refuses, before computing, beyond the work budget or the group cap, saying how much was asked', () => {
    const kiosks = Array.from({ length: 3 }, (_, i) => kiosk(i));
    const rules: PowerRule[] = kiosks.map((k, i) => ({
      id: `own-${i}`,
      scope: { kind: 'kiosks', kioskIds: [k.id] },
      layer: 'regular',
      windows: [{ start: `0${i + 6}:00`, end: '18:00' }],
      priority: 0,
      updatedAt,
    }));
    const build = (limits: { maxWork: number; maxGroups: number }) =>
      buildCalendar(rules, infoOf(rules), listedOf(kiosks), '2027-01-01', '2027-01-10', limits);
    expect(build({ maxWork: MAX_CALENDAR_WORK, maxGroups: MAX_CALENDAR_GROUPS }).groups.length).toBe(3);
    expect(build({ maxWork: MAX_CALENDAR_WORK, maxGroups: 3 }).groups.length).toBe(3);
    // Per group and date: 8 fixed, 4 per rule, 1 per window -> 3 groups x 10 dates x 13.
    expect(build({ maxWork: 390, maxGroups: 3 }).groups.length).toBe(3);
    expect(() => build({ maxWork: 389, maxGroups: 3 })).toThrow(CalendarTooDetailedError);
    try {
      build({ maxWork: MAX_CALENDAR_WORK, maxGroups: 2 });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(CalendarTooDetailedError);
      expect(error).toMatchObject({ groups: 3, work: 390 });
    }
  });
});
