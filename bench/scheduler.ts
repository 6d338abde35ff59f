/**
 * Fleet planning benchmark for @wakeward/scheduler.
 *
 *   npx tsx bench/scheduler.ts
 *
 * Plans the next 26 hours for 100,000 kiosks in 10,000 sites (1,000 hospitals):
 * weekday and weekend hospital rules, a site override on 20% of sites, kiosk rules on
 * ~10% of kiosks, zones mixed (Asia/Shanghai, Europe/London, America/New_York,
 * Asia/Kathmandu, Australia/Lord_Howe). The window starts 2026-03-28T22:00Z so it
 * crosses London's spring-forward night. Measures, in the same run:
 *   - baseline: the naive dispatcher, transitions() per kiosk with the full rule list,
 *     on a sample, extrapolated to the fleet;
 *   - baseline B: transitions() per kiosk with only its hospital's rules (what a
 *     careful caller without planTransitions would do), same sample;
 *   - planTransitions() over the whole fleet, cold (fresh rule objects, empty zone
 *     caches) and warm.
 * Peak memory: the max of sampled process.memoryUsage().rss and the OS's maxRSS.
 */
import { planTransitions, transitions, type KioskRef, type PowerRule } from '../libs/scheduler/src/index';
import { clearZoneCaches } from '../libs/scheduler/src/local-time';

const HOSPITALS = 1_000;
const SITES_PER_HOSPITAL = 10;
const KIOSKS_PER_SITE = 10;
const BASELINE_SAMPLE = 1_000;
const FROM = new Date('2026-03-28T22:00:00Z');
const TO = new Date(FROM.getTime() + 26 * 3_600_000);

// Deterministic fleet: mulberry32.
let seed = 20260328;
const random = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
};
const ZONES: [string, number][] = [
  ['Asia/Shanghai', 0.7],
  ['Europe/London', 0.1],
  ['America/New_York', 0.1],
  ['Asia/Kathmandu', 0.05],
  ['Australia/Lord_Howe', 0.05],
];
const pickZone = () => {
  let r = random();
  for (const [zone, share] of ZONES) if ((r -= share) < 0) return zone;
  return ZONES[0][0];
};

let peakRss = 0;
const sampleMemory = () => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
};
const mb = (bytes: number) => `${(bytes / 1_048_576).toFixed(0)} MB`;

function buildFleet(): { kiosks: KioskRef[]; rules: PowerRule[] } {
  const kiosks: KioskRef[] = [];
  const rules: PowerRule[] = [];
  const base = { priority: 0, updatedAt: '2026-01-10T02:00:00Z' };
  for (let h = 0; h < HOSPITALS; h++) {
    const hospitalId = `h${h}`;
    rules.push({ ...base, id: `${hospitalId}-weekdays`, scope: { kind: 'hospital', hospitalId }, layer: 'regular', days: [1, 2, 3, 4, 5], windows: [{ start: '07:30', end: '18:00' }] });
    rules.push({ ...base, id: `${hospitalId}-weekend`, scope: { kind: 'hospital', hospitalId }, layer: 'regular', days: [6, 7], windows: [{ start: '08:00', end: '12:00' }] });
    for (let s = 0; s < SITES_PER_HOSPITAL; s++) {
      const siteId = `${hospitalId}-s${s}`;
      const timeZone = pickZone();
      if (random() < 0.2) {
        rules.push({ ...base, id: `${siteId}-works`, scope: { kind: 'site', siteId }, layer: 'override', from: '2026-03-20', until: '2026-04-05', windows: [{ start: '06:00', end: '10:00' }, { start: '14:00', end: '20:00' }] });
      }
      for (let k = 0; k < KIOSKS_PER_SITE; k++) kiosks.push({ id: `${siteId}-k${k}`, siteId, hospitalId, timeZone });
    }
  }
  // ~10% of kiosks have their own rule: most alone (night desks), some in pairs (Spring Festival duty style).
  for (let i = 0; i < kiosks.length; i += 12) {
    const at = i + Math.floor(random() * 11);
    if (random() < 0.8) {
      rules.push({ ...base, id: `${kiosks[at].id}-night`, scope: { kind: 'kiosks', kioskIds: [kiosks[at].id] }, layer: 'regular', windows: [{ start: '00:00', end: '06:00' }, { start: '22:00', end: '24:00' }] });
    } else {
      const ids = [kiosks[at].id, kiosks[at + 1].id];
      rules.push({ ...base, id: `${ids[0]}-duty`, scope: { kind: 'kiosks', kioskIds: ids }, layer: 'override', from: '2026-03-29', until: '2026-03-29', windows: [{ start: '08:00', end: '16:00' }] });
    }
  }
  return { kiosks, rules };
}

/** Fresh rule objects and empty zone caches: nothing learnt by an earlier measurement. */
function coldRules(rules: PowerRule[]): PowerRule[] {
  clearZoneCaches();
  return structuredClone(rules);
}

function time<T>(run: () => T): { ms: number; result: T } {
  const start = process.hrtime.bigint();
  const result = run();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, result };
}

sampleMemory();
const { kiosks, rules } = buildFleet();
const kioskRules = rules.filter((r) => r.scope.kind === 'kiosks').length;
const coveredByKioskRules = new Set(rules.flatMap((r) => (r.scope.kind === 'kiosks' ? r.scope.kioskIds : []))).size;
console.log(`fleet: ${kiosks.length} kiosks, ${HOSPITALS * SITES_PER_HOSPITAL} sites, ${HOSPITALS} hospitals, ${rules.length} rules (${kioskRules} kiosk rules on ${coveredByKioskRules} kiosks)`);
console.log(`window: ${FROM.toISOString()} .. ${TO.toISOString()} (26 h)`);
sampleMemory();

// Baseline: every 100th kiosk, so the sample has the fleet's mix of zones and rules.
const sample = kiosks.filter((_, i) => i % Math.floor(kiosks.length / BASELINE_SAMPLE) === 0).slice(0, BASELINE_SAMPLE);
let naiveRules = coldRules(rules);
const naive = time(() => sample.map((kiosk) => transitions(naiveRules, kiosk, FROM, TO)));
sampleMemory();
const naivePerKioskMs = naive.ms / sample.length;
const naiveFleetMs = naivePerKioskMs * kiosks.length;

naiveRules = coldRules(rules);
const rulesByHospital = new Map<string, PowerRule[]>();
for (const rule of naiveRules) {
  const hospitalId = rule.scope.kind === 'hospital' ? rule.scope.hospitalId : rule.id.split('-')[0];
  rulesByHospital.set(hospitalId, [...(rulesByHospital.get(hospitalId) ?? []), rule]);
}
const filtered = time(() => sample.map((kiosk) => transitions(rulesByHospital.get(kiosk.hospitalId) ?? [], kiosk, FROM, TO)));
sampleMemory();
const filteredFleetMs = (filtered.ms / sample.length) * kiosks.length;

// The planner, cold then warm.
const planRules = coldRules(rules);
const heapBefore = process.memoryUsage().heapUsed;
const cold = time(() => planTransitions(planRules, kiosks, FROM, TO));
sampleMemory();
const heapAfter = process.memoryUsage().heapUsed;
const warm = time(() => planTransitions(planRules, kiosks, FROM, TO));
sampleMemory();

// The plan must say what the naive loop said.
const disagreements = sample.filter((kiosk, i) => JSON.stringify(cold.result.byKiosk.get(kiosk.id)) !== JSON.stringify(naive.result[i])).length;
const transitionCount = [...cold.result.byKiosk.values()].reduce((sum, list) => sum + list.length, 0);

const rate = (ms: number) => Math.round(kiosks.length / (ms / 1000)).toLocaleString('en-US');
const peak = Math.max(peakRss, process.resourceUsage().maxRSS * 1024);
console.log(`baseline (transitions() per kiosk, all ${rules.length} rules): ${sample.length} kiosks in ${naive.ms.toFixed(0)} ms = ${naivePerKioskMs.toFixed(3)} ms/kiosk -> ${(naiveFleetMs / 1000).toFixed(1)} s for the fleet (${rate(naiveFleetMs)} kiosks/s, extrapolated)`);
console.log(`baseline B (transitions() per kiosk, its hospital's rules only): ${sample.length} kiosks in ${filtered.ms.toFixed(0)} ms -> ${(filteredFleetMs / 1000).toFixed(1)} s for the fleet (${rate(filteredFleetMs)} kiosks/s, extrapolated)`);
console.log(`planTransitions cold: ${cold.ms.toFixed(0)} ms for ${kiosks.length} kiosks = ${rate(cold.ms)} kiosks/s; ${cold.result.groups.length} groups, ${transitionCount} kiosk transitions`);
console.log(`planTransitions warm: ${warm.ms.toFixed(0)} ms = ${rate(warm.ms)} kiosks/s`);
console.log(`speed-up vs baseline: x${(naiveFleetMs / cold.ms).toFixed(0)} (cold), x${(naiveFleetMs / warm.ms).toFixed(0)} (warm); vs baseline B: x${(filteredFleetMs / cold.ms).toFixed(1)} (cold)`);
console.log(`memory: peak rss ${mb(peak)} (sampled max ${mb(peakRss)}), heap used ${mb(process.memoryUsage().heapUsed)}, heap growth during cold plan ${mb(heapAfter - heapBefore)}`);
console.log(`check: plan and baseline agree on ${sample.length - disagreements}/${sample.length} sampled kiosks`);
console.log(`target: < 1 s and < 300 MB -> ${cold.ms < 1000 && peak < 300 * 1_048_576 ? 'met' : 'NOT met'}`);
if (disagreements > 0) process.exitCode = 1;
