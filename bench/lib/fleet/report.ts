/**
 * The dispatch bench's figures, formatted, and the verdict lines. The judged figures:
 *   - fire lateness of the real agents (one process each, as on a Pi): p99 < 2 ms;
 *   - packet lateness of the whole fleet (first valid magic packet at each kiosk -
 *     instant) against the single-copy floor of the same run: p99 <= 1.2x;
 *   - missed kiosks (no packet within 30 s): 0.
 * The simulated agents' fire lateness is printed beside them, not judged: 2,500 agents
 * start their commands in one event loop per process, so its p99 measures that loop.
 */
import os from 'node:os';
import { summarize, type Summary } from '../stats';
import type { Floor } from './floor';
import type { CommandStarted } from './real-agents';
import type { AgentsResults, StageTimings } from './roles';
import {
  AGENT_PROCESSES,
  AGENTS,
  KIOSKS,
  KIOSKS_PER_SITE,
  LEAD_PER_SITE_MS,
  LEAD_S,
  MAX_LEAD_MS,
  MISSED_AFTER_MS,
  REAL_AGENTS,
  REAL_SITES,
  REPEAT,
  INTERVAL_MS,
  SITES,
  TARGET_PACKET_RATIO,
  TARGET_REAL_FIRE_P99_MS,
  WORKERS,
} from './settings';

export interface RunFigures {
  /** The instant, wall clock and monotonic (ms). */
  T: number;
  Tmono: number;
  rulePostedMono: number;
  ulimit: number;
  /** 1-minute load average at the rule's POST, at T-1 s and at the end. */
  load: { atRule: number; atInstant: number; atEnd: number };
  /** Kernel-stamped first valid packet per kiosk (monotonic ms, 0 = none), and the packet counts. */
  kiosks: { first: number[]; packets: number; invalid: number };
  simulated: AgentsResults[];
  real: CommandStarted[];
  timings: StageTimings;
  floors: { single: Floor; same: Floor };
  /** CPU seconds per process from T-1 s to T+2 s. */
  cpuAtInstant: Record<string, number>;
  runSeconds: number;
}

const fmt = (s: Summary, d = 1) =>
  s.n ? `p50 ${s.p50.toFixed(d)} ms, p99 ${s.p99.toFixed(d)} ms, max ${s.max.toFixed(d)} ms (n=${s.n})` : 'none';
const floorText = (f: Floor) =>
  `${f.runs.map((ms) => `${ms.toFixed(1)}`).join(', ')} ms -> ${f.ms.toFixed(1)} ms (median run; ${f.packets} packets)`;
const met = (ok: boolean) => (ok ? 'met' : 'NOT met');

export function report(r: RunFigures): string[] {
  const { T, Tmono } = r;
  const rel = (v: number) => `${v - Tmono >= 0 ? '+' : ''}${((v - Tmono) / 1000).toFixed(2)} s`;
  const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

  // Stages: the plans made after the rule edit, the fan-out of the instant's wake jobs,
  // the commands reaching the agents.
  const plans = r.timings.plans.filter((p) => p.start >= r.rulePostedMono);
  const wakeJobs = r.timings.transitions.filter((t) => Date.parse(t.at) === T && t.action === 'wake');
  const jobsStart = Math.min(...wakeJobs.map((t) => t.start));
  const jobsEnd = Math.max(...wakeJobs.map((t) => t.end));
  const deliveries = r.simulated.flatMap((a) => a.deliveries);
  const served = new Set(deliveries.filter((d) => d.at < Tmono).map((d) => d.agent));

  // The fleet: every kiosk's first packet.
  const packet = summarize(r.kiosks.first.filter((v) => v > 0).map((v) => v - Tmono));
  const missed = r.kiosks.first.filter((v) => v === 0).length;
  const ratio = packet.p99 / r.floors.single.ms;

  // The real agents: their own start figure, and their kiosks' first packets (only the
  // real agent sends to its site's kiosks, so these are its packets).
  const realWakes = r.real.filter((s) => s.type === 'wake');
  const realFire = summarize(realWakes.map((s) => s.lateMs));
  const realSites = [...REAL_SITES];
  const kioskFirsts = (site: number) =>
    r.kiosks.first.slice(site * KIOSKS_PER_SITE, (site + 1) * KIOSKS_PER_SITE).filter((v) => v > 0);
  const realFirstPacket = summarize(
    realSites
      .map((s) => kioskFirsts(s))
      .filter((f) => f.length)
      .map((f) => Math.min(...f) - Tmono),
  );
  const realKioskPackets = summarize(realSites.flatMap((s) => kioskFirsts(s).map((v) => v - Tmono)));

  // The simulated agents, for comparison: 2,500 per process.
  const simFires = r.simulated.map((a) => a.fires.filter((f) => Date.parse(f.dueAt) === T).map((f) => f.at - Tmono));
  const simFire = summarize(simFires.flat());

  const cores = os.cpus().length;
  return [
    `fleet: ${KIOSKS} kiosks in ${SITES} sites, ${AGENTS} agents: ${AGENTS - REAL_AGENTS} simulated (2 per site, in ${AGENT_PROCESSES} processes, pi-1s and pi-2s apart) and ${REAL_AGENTS} real (one wakeward-agent process each, the only agent of its site); all due at one instant`,
    `machine: ${cores} cores (${os.cpus()[0]?.model.trim()}), Node ${process.version}, ulimit -n ${r.ulimit}; load average (1 min) ${r.load.atRule.toFixed(1)} at the rule's POST, ${r.load.atInstant.toFixed(1)} at T-1 s, ${r.load.atEnd.toFixed(1)} at the end`,
    `pipeline: ${WORKERS > 0 ? `API (ROLE=api) + ${WORKERS} dispatch workers (ROLE=worker)` : 'API + worker in one process (ROLE=all)'}; DISPATCH_LEAD_S=${LEAD_S}, DISPATCH_LEAD_PER_SITE_MS=${LEAD_PER_SITE_MS} (last site from ${secs(MAX_LEAD_MS)} ahead); wake ${REPEAT} x ${INTERVAL_MS} ms; kiosks: ${SITES} UDP sockets on 127.0.0.1`,
    `instant: ${new Date(T).toISOString()}; rule posted ${secs(Tmono - r.rulePostedMono)} ahead`,
    `plans after the rule edit: ${plans.length} sites, ${plans.reduce((n, p) => n + p.jobs, 0)} transition jobs, done ${plans.length ? secs(Math.max(...plans.map((p) => p.end)) - r.rulePostedMono) : '-'} after the POST`,
    `wake jobs: ${wakeJobs.length} (${wakeJobs.filter((t) => t.error).length} failed), ${wakeJobs.reduce((n, t) => n + t.sent, 0)} kiosks sent, from ${rel(jobsStart)} to ${rel(jobsEnd)}`,
    `commands at the simulated agents: ${deliveries.length}, first ${rel(Math.min(...deliveries.map((d) => d.at)))}, last ${rel(Math.max(...deliveries.map((d) => d.at)))}; without a command at the instant: ${AGENTS - REAL_AGENTS - served.size}`,
    `CPU s from T-1 s to T+2 s (${cores * 3} on ${cores} cores): ${Object.entries(r.cpuAtInstant)
      .map(([k, v]) => `${k} ${v.toFixed(2)}`)
      .join(', ')}`,
    ``,
    `real agents' fire lateness (their log's 'command started' lateMs: the Pi's clock at the start - dueAt, whole ms): ${fmt(realFire, 0)}; ${realWakes.length} of ${REAL_AGENTS} started, per agent ${realWakes.map((s) => s.lateMs).join(', ')} ms`,
    `real agents' first packet at their kiosks (kernel-stamped arrival - instant): ${fmt(realFirstPacket, 2)}; each kiosk's first packet at their sites ${fmt(realKioskPackets, 2)}`,
    `simulated agents' fire lateness (CommandRunner.onStarted - instant; ${(AGENTS - REAL_AGENTS) / AGENT_PROCESSES} agents per event loop, not judged): ${fmt(simFire)}; first start per process ${simFires.map((f) => `${Math.min(...f).toFixed(1)} ms`).join(', ')}`,
    `packet lateness (first valid magic packet at each kiosk - instant): ${fmt(packet)}`,
    `packets at the kiosks: ${r.kiosks.packets} (${r.kiosks.invalid} invalid) for ${KIOSKS} kiosks`,
    `missed (no packet within ${MISSED_AFTER_MS / 1000} s): ${missed}`,
    `floor, single copy (one process, every kiosk once, same sockets, before the agents start): ${floorText(r.floors.single)}`,
    `floor, the fleet's number of packets (every kiosk once per agent of its site): ${floorText(r.floors.same)}`,
    `packet p99 / single-copy floor: ${ratio.toFixed(2)}x (against the fleet's number of packets: ${(packet.p99 / r.floors.same.ms).toFixed(2)}x)`,
    ``,
    `real agents' fire p99 < ${TARGET_REAL_FIRE_P99_MS} ms: ${met(realWakes.length === REAL_AGENTS && realFire.p99 < TARGET_REAL_FIRE_P99_MS)}; packet p99 <= ${TARGET_PACKET_RATIO}x single-copy floor: ${met(ratio <= TARGET_PACKET_RATIO)}; missed = 0: ${met(missed === 0)}`,
    `run time ${r.runSeconds.toFixed(0)} s`,
  ];
}
