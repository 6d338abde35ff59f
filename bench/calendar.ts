/**
 * Schedule calendar benchmark: the computation behind GET /api/schedule/calendar.
 *
 *   npx tsx bench/calendar.ts
 *
 * A hospital of 1,000 kiosks on two campuses (Asia/Shanghai) read over one month
 * (February 2027, with the Spring Festival): weekday and weekend hospital rules, a
 * festival override, a campus Saturday clinic, 30 emergency kiosks on 24/7, two
 * festival duty kiosks, and ~10% of kiosks with a rule of their own (most alone, some
 * in pairs; a third of them in force only outside the month, so they share the
 * hospital's hours). Measures, in the same run:
 *   - baseline: kioskSchedule() per kiosk for the month (the kiosk page's computation,
 *     once per kiosk), what a calendar without grouping would do;
 *   - buildCalendar(): grouped by zone and rule set through planTransitions, each
 *     group computed once, groups with equal days merged.
 * and checks that both give every kiosk the same days.
 */
import { cpus, loadavg } from 'node:os';
import { localToInstant, type KioskRef, type PowerRule } from '../libs/scheduler/src/index';
import { buildCalendar, type CalendarRuleInfo } from '../apps/api/src/schedule/calendar';
import { kioskSchedule } from '../apps/api/src/schedule/kiosk-schedule';

const KIOSKS = 1_000;
const FROM = '2027-02-01';
const TO = '2027-02-28';
const DAYS = 28;
const RUNS = 5;
const ZONE = 'Asia/Shanghai';

let seed = 20270201;
const random = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

const hospitalId = 'hospital-perf';
const kiosks: KioskRef[] = Array.from({ length: KIOSKS }, (_, i) => ({
  id: `kiosk-${String(i).padStart(4, '0')}`,
  siteId: i < 600 ? 'site-west' : 'site-east',
  hospitalId,
  timeZone: ZONE,
}));
const updatedAt = '2026-12-01T00:00:00Z';
const rules: PowerRule[] = [
  { id: 'weekdays', scope: { kind: 'hospital', hospitalId }, layer: 'regular', days: [1, 2, 3, 4, 5], windows: [{ start: '07:00', end: '20:00' }], priority: 0, updatedAt },
  { id: 'weekend', scope: { kind: 'hospital', hospitalId }, layer: 'regular', days: [6, 7], windows: [{ start: '08:00', end: '17:00' }], priority: 0, updatedAt },
  { id: 'festival', scope: { kind: 'hospital', hospitalId }, layer: 'override', from: '2027-02-06', until: '2027-02-12', windows: [], priority: 0, updatedAt },
  { id: 'east-saturday', scope: { kind: 'site', siteId: 'site-east' }, layer: 'regular', days: [6], windows: [{ start: '09:00', end: '13:00' }], priority: 0, updatedAt },
  { id: 'emergency', scope: { kind: 'kiosks', kioskIds: kiosks.slice(0, 30).map((k) => k.id) }, layer: 'regular', windows: [{ start: '00:00', end: '24:00' }], priority: 0, updatedAt },
  { id: 'duty', scope: { kind: 'kiosks', kioskIds: kiosks.slice(100, 102).map((k) => k.id) }, layer: 'override', from: '2027-02-06', until: '2027-02-12', windows: [{ start: '08:00', end: '16:00' }], priority: 0, updatedAt },
];
for (let i = 200; i < KIOSKS; i++) {
  if (random() >= 0.1) continue;
  const pair = random() < 0.2 ? [kiosks[i].id, kiosks[(i + 1) % KIOSKS].id] : [kiosks[i].id];
  const start = 6 + Math.floor(random() * 4);
  const outside = random() < 0.33;
  rules.push({
    id: `own-${i}`,
    scope: { kind: 'kiosks', kioskIds: pair },
    layer: outside ? 'override' : 'regular',
    ...(outside && { from: '2027-05-01', until: '2027-05-03' }),
    windows: [{ start: `0${start}:00`, end: `${start + 10}:30` }],
    priority: 0,
    updatedAt,
  });
}
const ruleInfo = new Map<string, CalendarRuleInfo>(
  rules.map((r) => [r.id, { id: r.id, name: r.id, layer: r.layer, scopeKind: r.scope.kind }]),
);
const names = new Map(rules.map((r) => [r.id, r.id]));
const listed = kiosks.map((ref) => ({ ref, listed: { id: ref.id, code: ref.id, name: ref.id, siteId: ref.siteId } }));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
// CPU time beside wall time: steadier on a shared machine.
const cpu: Record<'baseline' | 'calendar', number[]> = { baseline: [], calendar: [] };
const time = <T>(fn: () => T, into: number[]): [T, number] => {
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  const result = fn();
  const used = process.cpuUsage(cpuStarted);
  into.push((used.user + used.system) / 1000);
  return [result, performance.now() - started];
};

const monthStart = localToInstant(FROM, '00:00', ZONE);
const baselineTimes: number[] = [];
let naive = new Map<string, string>();
for (let run = 0; run < RUNS; run++) {
  const [result, ms] = time(() => {
    const out = new Map<string, string>();
    for (const kiosk of kiosks) {
      const schedule = kioskSchedule(rules, names, kiosk, monthStart, DAYS);
      out.set(kiosk.id, JSON.stringify(schedule.days.map((d) => [d.winner?.id ?? null, d.intervals.filter((i) => i.state === 'on').map((i) => [i.start, i.end])])));
    }
    return out;
  }, cpu.baseline);
  naive = result;
  baselineTimes.push(ms);
}

const calendarTimes: number[] = [];
let calendar = buildCalendar(rules, ruleInfo, listed, FROM, TO);
for (let run = 0; run < RUNS; run++) {
  const [result, ms] = time(() => buildCalendar(rules, ruleInfo, listed, FROM, TO), cpu.calendar);
  calendar = result;
  calendarTimes.push(ms);
}
const json = JSON.stringify(calendar);

let agree = 0;
for (const group of calendar.groups) {
  const days = JSON.stringify(group.days.map((d) => [d.ruleId, d.bars.map((b) => [b.start, b.end])]));
  for (const k of group.kiosks) if (naive.get(k.id) === days) agree++;
}

const fmt = (xs: number[]) => `median ${median(xs).toFixed(1)} ms (runs ${xs.map((x) => x.toFixed(0)).join(', ')})`;
console.log(`hospital: ${KIOSKS} kiosks, 2 campuses, ${rules.length} rules; ${FROM} .. ${TO} (${DAYS} dates), ${RUNS} runs each`);
console.log(`baseline (kioskSchedule per kiosk): wall ${fmt(baselineTimes)}; CPU ${fmt(cpu.baseline)}`);
console.log(`buildCalendar: wall ${fmt(calendarTimes)}; CPU ${fmt(cpu.calendar)}; ${calendar.groups.length} groups (largest ${calendar.groups[0].kioskCount} kiosks), answer ${(json.length / 1024).toFixed(0)} KB of JSON`);
console.log(`speed-up: x${(median(baselineTimes) / median(calendarTimes)).toFixed(1)} (median wall), x${(median(cpu.baseline) / median(cpu.calendar)).toFixed(1)} (median CPU)`);
console.log(`machine load average (1 min) at the end: ${loadavg()[0].toFixed(1)} on ${cpus().length} cores`);
console.log(`check: calendar and per-kiosk schedules agree on ${agree}/${KIOSKS} kiosks`);
if (agree !== KIOSKS) process.exitCode = 1;
