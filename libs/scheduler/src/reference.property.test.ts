import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planTransitions } from './plan';
import { resolve } from './resolve';
import { transitions } from './transitions';
import type { KioskRef, PowerRule, State, Weekday } from './types';

// A deliberately simple model of the schedule semantics, sharing no code with the
// library: it reads the zone's wall clock minute by minute with Intl, maps a local
// reading to "the first minute at which the clock reads it or later" (which is the
// gap and fall-back rule, spelled differently), and steps through time one minute at
// a time. All zone changes of the zones used here fall on whole minutes, so minute
// steps see every change.

const MINUTE = 60_000;
const DAY_MINUTES = 1440;

class ReferenceClock {
  private readonly format: Intl.DateTimeFormat;
  private readonly readings = new Map<number, number>();
  private readonly instants = new Map<number, number>();

  constructor(zone: string) {
    this.format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
    });
  }

  /** Wall-clock reading (minutes since 1970-01-01T00:00 local) at a UTC minute. */
  readingAt(utcMinute: number): number {
    let reading = this.readings.get(utcMinute);
    if (reading === undefined) {
      const part: Record<string, number> = {};
      for (const p of this.format.formatToParts(new Date(utcMinute * MINUTE))) part[p.type] = Number(p.value);
      reading = Date.UTC(part.year, part.month - 1, part.day, part.hour, part.minute) / MINUTE;
      this.readings.set(utcMinute, reading);
    }
    return reading;
  }

  /** The first instant (ms) at which the clock reads `reading` or later. */
  instantOf(reading: number): number {
    let instant = this.instants.get(reading);
    if (instant === undefined) {
      // No zone is ahead of UTC by 15 h, so 15 h earlier in UTC the clock still read less.
      let m = reading - 15 * 60;
      while (this.readingAt(m) < reading) m++;
      instant = m * MINUTE;
      this.instants.set(reading, instant);
    }
    return instant;
  }
}

const clocks = new Map<string, ReferenceClock>();
const referenceClock = (zone: string) => clocks.get(zone) ?? clocks.set(zone, new ReferenceClock(zone)).get(zone)!;

const dayText = (dayNumber: number) => new Date(dayNumber * 86_400_000).toISOString().slice(0, 10);
const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));
const scopeRank = (r: PowerRule) => ({ hospital: 0, site: 1, kiosks: 2 })[r.scope.kind];

function referenceWinner(rules: PowerRule[], kiosk: KioskRef, dayNumber: number): PowerRule | undefined {
  const date = dayText(dayNumber);
  const weekday = (new Date(dayNumber * 86_400_000).getUTCDay() || 7) as Weekday;
  const inForce = rules.filter((r) => {
    const covers =
      (r.scope.kind === 'hospital' && r.scope.hospitalId === kiosk.hospitalId) ||
      (r.scope.kind === 'site' && r.scope.siteId === kiosk.siteId) ||
      (r.scope.kind === 'kiosks' && r.scope.kioskIds.includes(kiosk.id));
    return covers && (!r.days || r.days.includes(weekday)) && (!r.from || r.from <= date) && (!r.until || date <= r.until);
  });
  const ranked = [...inForce].sort(
    (a, b) =>
      scopeRank(b) - scopeRank(a) ||
      Number(b.layer === 'override') - Number(a.layer === 'override') ||
      b.priority - a.priority ||
      Date.parse(b.updatedAt) - Date.parse(a.updatedAt) ||
      (b.id > a.id ? 1 : b.id < a.id ? -1 : 0),
  );
  return ranked[0];
}

function referenceResolve(rules: PowerRule[], kiosk: KioskRef, clock: ReferenceClock, ms: number): { state: State; ruleId?: string } {
  const calendarDay = Math.floor(clock.readingAt(Math.floor(ms / MINUTE)) / DAY_MINUTES);
  const dayNumber = [calendarDay, calendarDay - 1, calendarDay + 1].find(
    (d) => clock.instantOf(d * DAY_MINUTES) <= ms && ms < clock.instantOf((d + 1) * DAY_MINUTES),
  ) as number;
  const winner = referenceWinner(rules, kiosk, dayNumber);
  if (!winner) return { state: 'unmanaged' };
  const on = winner.windows.some(
    (w) =>
      clock.instantOf(dayNumber * DAY_MINUTES + minutesOf(w.start)) <= ms &&
      ms < clock.instantOf(dayNumber * DAY_MINUTES + minutesOf(w.end)),
  );
  return { state: on ? 'on' : 'off', ruleId: winner.id };
}

function referenceTransitions(rules: PowerRule[], kiosk: KioskRef, clock: ReferenceClock, fromMs: number, toMs: number) {
  const out: { at: Date; state: State; ruleId?: string }[] = [];
  let before = referenceResolve(rules, kiosk, clock, fromMs - MINUTE).state;
  for (let t = fromMs; t < toMs; t += MINUTE) {
    const now = referenceResolve(rules, kiosk, clock, t);
    if (now.state !== before) out.push(now.ruleId ? { at: new Date(t), state: now.state, ruleId: now.ruleId } : { at: new Date(t), state: now.state });
    before = now.state;
  }
  return out;
}

// ---- generators -------------------------------------------------------------

// Each zone with the 2026 dates on which its clock changes (plain dates for zones without changes):
// US, EU, Lord Howe (30 min), Santiago and Havana (at midnight), Chatham (+12:45), Auckland.
const ZONE_DATES: Record<string, string[]> = {
  'America/New_York': ['2026-03-08', '2026-11-01'],
  'Europe/London': ['2026-03-29', '2026-10-25'],
  'Australia/Lord_Howe': ['2026-04-05', '2026-10-04'],
  'America/Santiago': ['2026-04-05', '2026-09-06'],
  'America/Havana': ['2026-03-08', '2026-11-01'],
  'Pacific/Chatham': ['2026-04-05', '2026-09-27'],
  'Pacific/Auckland': ['2026-04-05', '2026-09-27'],
  'Asia/Kathmandu': ['2026-01-15'],
  'Asia/Shanghai': ['2026-02-17'],
  UTC: ['2026-01-15'],
};
const dayNumberOf = (text: string) => Date.parse(`${text}T00:00:00Z`) / 86_400_000;
const zoneAndDate = fc.constantFrom(...Object.keys(ZONE_DATES)).chain((zone) =>
  fc.record({
    zone: fc.constant(zone),
    base: fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...ZONE_DATES[zone]).map(dayNumberOf) },
      { weight: 1, arbitrary: fc.integer({ min: dayNumberOf('2025-01-01'), max: dayNumberOf('2027-12-31') }) },
    ),
  }),
);

// Readings near the zones' changes (gaps and repeats are between 00:00 and 04:00), and any minute.
const TIMES = ['00:00', '00:30', '01:00', '01:30', '01:45', '02:00', '02:15', '02:30', '02:45', '03:00', '03:15', '03:45', '06:00', '22:00', '23:00', '23:30'];
const toClock = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
const startMinute = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...TIMES).map(minutesOf) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 1439 }) },
);
// Mostly short windows, so that their edges (not their middles) meet the clock changes.
const window = fc
  .tuple(startMinute, fc.oneof(fc.constantFrom(15, 30, 45, 60, 90, 120), fc.integer({ min: 1, max: 1440 })))
  .map(([start, length]) => ({ start: toClock(start), end: start + length >= 1440 ? '24:00' : toClock(start + length) }));

const KIOSK_BASE = { id: 'k1', siteId: 's1', hospitalId: 'h1' };
const scope = fc.constantFrom<PowerRule['scope']>(
  { kind: 'hospital', hospitalId: 'h1' }, { kind: 'hospital', hospitalId: 'h2' },
  { kind: 'site', siteId: 's1' }, { kind: 'site', siteId: 's2' },
  { kind: 'kiosks', kioskIds: ['k1'] }, { kind: 'kiosks', kioskIds: ['k2', 'k1'] }, { kind: 'kiosks', kioskIds: ['k3'] },
);

function ruleArbitrary(baseDay: number) {
  const nearDate = fc.integer({ min: -3, max: 3 }).map((d) => dayText(baseDay + d));
  return fc.record(
    {
      id: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'),
      scope,
      layer: fc.constantFrom<PowerRule['layer']>('regular', 'override'),
      days: fc.option(fc.uniqueArray(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 7 }) as fc.Arbitrary<Weekday[]>, { nil: undefined }),
      from: fc.option(nearDate, { nil: undefined }),
      until: fc.option(nearDate, { nil: undefined }),
      windows: fc.array(window, { maxLength: 3 }),
      priority: fc.constantFrom(0, 0, 0, 1, 2), // ties are frequent, so later steps get exercised
      // The first two are the same instant: a tie that only the id breaks.
      updatedAt: fc.constantFrom('2026-01-01T00:00:00Z', '2026-01-01T08:00:00+08:00', '2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z'),
    },
    { requiredKeys: ['id', 'scope', 'layer', 'windows', 'priority', 'updatedAt'] },
  ).map((r) => {
    const rule = { ...r } as PowerRule;
    if (rule.from && rule.until && rule.from > rule.until) [rule.from, rule.until] = [rule.until, rule.from];
    for (const key of ['days', 'from', 'until'] as const) if (rule[key] === undefined) delete rule[key];
    return rule;
  });
}

const scenario = zoneAndDate
  .chain(({ zone, base }) =>
    fc.record({
      kiosk: fc.constant<KioskRef>({ ...KIOSK_BASE, timeZone: zone }),
      rules: fc.uniqueArray(ruleArbitrary(base), { maxLength: 4, selector: (r) => r.id }),
      // From about a day before the base date (UTC), for up to 2.5 days.
      fromMs: fc.integer({ min: -36 * 60, max: 12 * 60 }).map((m) => base * 86_400_000 + m * MINUTE),
      lengthMinutes: fc.integer({ min: 1, max: 60 * 60 }),
      probes: fc.array(fc.integer({ min: 0, max: 60 * 60 * MINUTE - 1 }), { minLength: 1, maxLength: 8 }),
    }),
  );

// ---- properties -------------------------------------------------------------

describe('property: the library agrees with a minute-by-minute reference', () => {
  it('transitions() equals the reference over random rules, zones and ranges', () => {
    fc.assert(
      fc.property(scenario, ({ kiosk, rules, fromMs, lengthMinutes }) => {
        const toMs = fromMs + lengthMinutes * MINUTE;
        const clock = referenceClock(kiosk.timeZone);
        expect(transitions(rules, kiosk, new Date(fromMs), new Date(toMs))).toEqual(referenceTransitions(rules, kiosk, clock, fromMs, toMs));
      }),
      { seed: 20260308, numRuns: 120 },
    );
  }, 30_000);

  it('resolve() equals the reference at random instants, to the millisecond', () => {
    fc.assert(
      fc.property(scenario, ({ kiosk, rules, fromMs, probes }) => {
        const clock = referenceClock(kiosk.timeZone);
        for (const offset of probes) {
          const ms = fromMs + offset;
          expect(resolve(rules, kiosk, new Date(ms))).toEqual(referenceResolve(rules, kiosk, clock, Math.floor(ms / MINUTE) * MINUTE));
        }
      }),
      { seed: 20261101, numRuns: 200 },
    );
  }, 30_000);

  it('every window edge near a clock change lands where the reference puts it', () => {
    const changingZones = Object.keys(ZONE_DATES).filter((zone) => ZONE_DATES[zone].length > 1);
    const changeDay = fc
      .constantFrom(...changingZones)
      .chain((zone) => fc.tuple(fc.constant(zone), fc.constantFrom(...ZONE_DATES[zone]).map(dayNumberOf)));
    fc.assert(
      fc.property(changeDay, fc.array(window, { minLength: 1, maxLength: 3 }), ([zone, base], windows) => {
        const kiosk = { ...KIOSK_BASE, timeZone: zone };
        const rules: PowerRule[] = [{ id: 'r', scope: { kind: 'hospital', hospitalId: 'h1' }, layer: 'regular', windows, priority: 0, updatedAt: '2026-01-01T00:00:00Z' }];
        const fromMs = (base - 1) * 86_400_000;
        const toMs = (base + 2) * 86_400_000;
        expect(transitions(rules, kiosk, new Date(fromMs), new Date(toMs))).toEqual(referenceTransitions(rules, kiosk, referenceClock(zone), fromMs, toMs));
      }),
      { seed: 4, numRuns: 100 },
    );
  }, 30_000);

  it('planTransitions() gives each kiosk what transitions() gives it', () => {
    const fleet: KioskRef[] = ['k1', 'k2', 'k3', 'k4'].flatMap((id, i) => [
      { id, siteId: i < 2 ? 's1' : 's2', hospitalId: 'h1', timeZone: 'Europe/London' },
      { id: `${id}-ny`, siteId: 's3', hospitalId: i < 3 ? 'h1' : 'h2', timeZone: 'America/New_York' },
    ]);
    fc.assert(
      fc.property(scenario, ({ rules, fromMs, lengthMinutes }) => {
        const from = new Date(fromMs);
        const to = new Date(fromMs + lengthMinutes * MINUTE);
        const plan = planTransitions(rules, fleet, from, to);
        for (const k of fleet) expect(plan.byKiosk.get(k.id)).toEqual(transitions(rules, k, from, to));
      }),
      { seed: 26, numRuns: 150 },
    );
  });
});
