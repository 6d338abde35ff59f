/**
 * The dispatch bench's fleet and pipeline settings, shared by the orchestrating process
 * and its children (each reads the same environment).
 */
import { join, resolve } from 'node:path';

export const SITES = Number(process.env.BENCH_SITES ?? 2500);
export const KIOSKS_PER_SITE = 10;
/** Agents per site where the agents are simulated (pi-1 and pi-2). */
export const AGENTS_PER_SITE = 2;
/**
 * Sites whose one agent is a real `wakeward-agent` process of its own, as on a Pi
 * (BENCH_REAL_AGENTS): their fire lateness is the judged figure. Spread over the fleet.
 */
export const REAL_AGENTS = Math.min(SITES, Number(process.env.BENCH_REAL_AGENTS ?? 20));
/**
 * Processes hosting the simulated agents; even, so that pi-1s and pi-2s never share
 * one. Default 2, one per core: with more, a process still starting its commands waits
 * for a core behind another's packets, which is this machine's scheduler, not the pipeline.
 */
export const AGENT_PROCESSES = Number(process.env.BENCH_AGENT_PROCESSES ?? 2);
export const KIOSKS = SITES * KIOSKS_PER_SITE;
/** Dispatch workers (ROLE=worker) beside the API process (ROLE=api); 0 = one ROLE=all process. */
export const WORKERS = Number(process.env.BENCH_WORKERS ?? 2);
export const LEAD_S = Number(process.env.BENCH_LEAD_S ?? 60);
export const LEAD_PER_SITE_MS = Number(process.env.BENCH_LEAD_PER_SITE_MS ?? 20);
/** The last site due at the instant is delivered this long ahead at the latest (the planner's rule). */
export const MAX_LEAD_MS = LEAD_S * 1000 + (SITES - 1) * LEAD_PER_SITE_MS;
/** The instant is at least this long after the largest lead, so that every site's plan is made first. */
export const PLAN_MARGIN_MS = 20_000;
/** The agent's defaults: three magic packets per kiosk, 100 ms apart. */
export const REPEAT = 3;
export const INTERVAL_MS = 100;
/** A kiosk with no packet this long after the instant is missed. */
export const MISSED_AFTER_MS = 30_000;
export const ZONE = 'Asia/Shanghai';
export const LOOPBACK = '127.0.0.1';
export const ROOT = resolve(__dirname, '../../..');
// The API compiled with its test kits (apps/api/tsconfig.testing.json): the bench takes both from one build.
export const DIST = join(ROOT, 'apps/api/dist-testing/apps/api/src');

/**
 * AGENT_SESSIONS (a note, referred to from roles.ts and real-agents.ts): every agent
 * process, simulated or real, runs in a session of its own. Linux (autogroup) shares
 * the cores between sessions first and only then between the processes of a session
 * by their nice levels. On a machine shared with other people's sessions, agents
 * inside the bench's session would split one session's share with the API and the
 * workers, however high their priority: with five other sessions running tests, the
 * simulated agents' first starts came 82 and 245 ms after the instant and real agents
 * up to 88 ms. In sessions of their own each gets the share a machine of its own would
 * have, as a Pi has its cores, and nobody's priority is raised over anyone else's.
 */

/** The targets (bench/README.md, Dispatch). */
export const TARGET_REAL_FIRE_P99_MS = 2;
export const TARGET_PACKET_RATIO = 1.2;

/** The machine's monotonic clock (CLOCK_MONOTONIC, shared by all processes), in ms. */
export const mono = () => Number(process.hrtime.bigint()) / 1e6;
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** Wall clock minus the monotonic clock, in ms, measured at a tick of Date.now() (sub-ms accurate). */
export function wallMinusMono(): number {
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = Date.now();
    let now = t;
    while (now === t) now = Date.now();
    samples.push(now - mono());
  }
  return samples.sort((a, b) => a - b)[2]!;
}

/** The sites of the real agents: REAL_AGENTS of them, spread evenly over the fleet. */
export const REAL_SITES: ReadonlySet<number> = new Set(
  Array.from({ length: REAL_AGENTS }, (_, i) => Math.floor((i * SITES) / REAL_AGENTS)),
);
/** Agents in all: two per site, one at a real agent's site. */
export const AGENTS = SITES * AGENTS_PER_SITE - REAL_AGENTS;
