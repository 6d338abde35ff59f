/**
 * Dispatch benchmark (issue 5): the whole fleet due at the same instant.
 *
 *   npx tsx bench/dispatch-fleet.ts        (BENCH_SITES=2500, 10 kiosks and 2 agents per site)
 *
 * Nothing is faked but the hospital network and the Pis' hardware:
 *   - a fresh MySQL database (created, migrated with the API's migrations, seeded
 *     with multi-row INSERTs, dropped at the end) and a Redis prefix of its own
 *     (keys deleted at the end): 1 hospital, 2,500 sites, 25,000 kiosks, 5,000
 *     agents whose token hashes are inserted directly (no enrolment round trips:
 *     enrolment is not what is measured) and one ops account;
 *   - the API (ROLE=api) and BENCH_WORKERS dispatch workers (ROLE=worker, default 2)
 *     from the built dist, each a child process (BENCH_WORKERS=0: one ROLE=all
 *     process); DISPATCH_LEAD_S=60 and DISPATCH_LEAD_PER_SITE_MS=20, so the last of
 *     2,500 sites is delivered from about 110 s ahead;
 *   - 5,000 real `Agent`s from apps/pi-agent (long poll, heartbeat, plan, readings,
 *     CommandRunner, wake via @wakeward/wol), pi-1 of every site in one child
 *     process and pi-2 in another, one per core (BENCH_AGENT_PROCESSES, even);
 *     state dirs on tmpfs;
 *   - the kiosks: one receiver process (bench/lib/kiosk-receiver.py, python3) with
 *     one UDP socket per site on 127.0.0.1 (25,000 sockets would not fit next to
 *     5,000 HTTP connections under ulimit -n); a kiosk's packets go to its site's
 *     port and the packet's bytes (a complete, valid magic packet for a known MAC of
 *     that site) say which kiosk it is for. The kernel stamps each packet as it
 *     arrives (SO_TIMESTAMPNS); the receiver reads them only when asked, after the
 *     instant, so it takes no CPU from the senders while they send. Stamps are
 *     converted to the shared monotonic clock, and that to wall-clock time once.
 * Then a rule is created through the console API (POST /api/rules as ops) that
 * switches every kiosk on at the next whole minute at least the largest lead + 20 s ahead; the
 * real re-plan, BullMQ delayed jobs, transition fan-out, long poll and agent
 * timers do the rest.
 *
 * Printed: fire lateness (agent runner starts the command - planned instant) and
 * packet lateness (first valid magic packet at each kiosk - planned instant), p50 /
 * p99 / max; missed kiosks (no packet within 30 s); the floor, measured in the same
 * run: one process putting 25,000 kiosks' magic packets (same repeat and interval)
 * on the same loopback sockets with a prepared MagicPacketSender (as an agent's), three times, before the agents
 * start (the target's floor), once more with every kiosk twice (both agents' copies)
 * and again after the instant with the idle fleet running; the API's own stage
 * timings; CPU per process with the fleet idle and around the instant, and the
 * machine's steal time (this is a virtual machine: the hypervisor can take a core
 * from it, and a thread then shows neither on a core nor waiting in its schedstat).
 *
 * Priorities (BENCH_NICE=0 turns this off): the agent processes run at nice -5, the
 * API and the workers at +10. In the field these are separate machines; here the
 * agents would otherwise wait for a core behind the API, the workers and MariaDB
 * (the API takes 5,000 results and heartbeats around the instant), and the figures
 * would show this machine's scheduler rather than the pipeline. From T-1 s the agent
 * processes' other threads (V8's compiler and GC helpers, libuv's pool) run at +10
 * (BENCH_HELPER_POLICY=idle: SCHED_IDLE): on a Pi they have cores of their own.
 * From T-1 s to T+2 s the agents' main threads run at -20 (BENCH_AGENT_INSTANT_NICE),
 * each on a core of its own (BENCH_AGENT_PIN=0: not): this VM's own threads (the
 * kernel's DAMON thread at 0, its PID 1 at -10) otherwise take a core from them for
 * 10-60 ms at the instant in some runs, and both can end up on one core.
 * BENCH_PERF_SCHED=1 records every context switch across the instant (perf, root) and
 * prints who had the cores, and what kept the agents' main threads off them.
 *
 * Network safety: every address is 127.0.0.1. Kiosks have no IP or subnet in the
 * database, agents send every magic packet and probe to 127.0.0.1 (wake.address,
 * probe.address), the receiver binds 127.0.0.1 only.
 */
import { execFileSync, execSync, fork } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { constants as perfConstants, monitorEventLoopDelay, performance, PerformanceObserver } from 'node:perf_hooks';
import { MagicPacketSender } from '@wakeward/wol';
import { Agent } from '../apps/pi-agent/src/agent';
import { FileCommandLedger } from '../apps/pi-agent/src/commands/command-ledger';
import { EARLY_WAKE_MS } from '../apps/pi-agent/src/commands/instant-timers';
import { AgentConfigSchema } from '../apps/pi-agent/src/config';
import { configureLogging, createLogger } from '../apps/pi-agent/src/log';
import type { PowerCommand } from '../apps/pi-agent/src/protocol';
import { KioskSimulator } from '../apps/pi-agent/src/sim/kiosks';
import { Child, spawnReceiver } from './lib/child';
import { summarize, type Summary } from './lib/stats';
import { kdamondMs, machineBusySeconds, stealMs } from './lib/machine-cpu';
import {
  offCpuSpans,
  onCpuByThread,
  readSchedSwitches,
  recordSchedSwitches,
  stackSummary,
  type SchedSwitch,
  type ThreadTime,
} from './lib/perf-sched';

const SITES = Number(process.env.BENCH_SITES ?? 2500);
const KIOSKS_PER_SITE = 10;
const AGENTS_PER_SITE = 2;
/**
 * Even, so that pi-1s and pi-2s never share a process. Default 2, one per core: with
 * more, a process still starting its agents' commands waits for a core behind
 * another's packets, which is this machine's scheduler, not the pipeline.
 */
const AGENT_PROCESSES = Number(process.env.BENCH_AGENT_PROCESSES ?? 2);
/**
 * V8 flags of the processes that host the simulated agents (BENCH_AGENT_HOST_FLAGS).
 * A Pi's agent allocates little at an instant; 2,500 of them in one heap allocate
 * together, and each scavenge pauses every agent of the process at once. From the
 * instant to +1.5 s (bench/README.md, 2026-12-01, fourth entry): default young
 * generation, 7 scavenges, 274-482 ms in all; 64 MB semi-spaces, 1-2 scavenges of
 * 84-276 ms from +133 ms; 256 MB, none, or one after +1.1 s.
 */
const GC_BEFORE = process.env.BENCH_GC_BEFORE !== '0';
/**
 * --v8-pool-size=1: one V8 worker thread per agent process, not four. Eight workers on
 * 2 cores took the agents' main threads' cores at the instant (perf sched: 0.4 of 2.4
 * core-seconds at nice +10), and in each of 10 runs one main thread or both blocked in
 * the start loop (up to 24 ms); with one worker, none of 10 processes did (bench/README.md,
 * 2026-12-01, sixth entry). A Pi's four workers have four cores. The packets may pay: V8
 * optimises the sending code later (packet p99 / floor median 1.41x in 5 runs, 1.21x in 9).
 */
const AGENT_HOST_FLAGS = (
  process.env.BENCH_AGENT_HOST_FLAGS ?? `--max-semi-space-size=256 --v8-pool-size=1${GC_BEFORE ? ' --expose-gc' : ''}`
)
  .split(' ')
  .filter(Boolean);
/** Open files per agent (HTTP connections, UDP socket, ledger and buffers), for the ulimit check. */
const FDS_PER_AGENT = 7;
const KIOSKS = SITES * KIOSKS_PER_SITE;
const AGENTS = SITES * AGENTS_PER_SITE;
const LEAD_S = Number(process.env.BENCH_LEAD_S ?? 60);
const LEAD_PER_SITE_MS = Number(process.env.BENCH_LEAD_PER_SITE_MS ?? 20);
/** The last site due at the instant is delivered this long ahead at the latest (the planner's rule). */
const MAX_LEAD_MS = LEAD_S * 1000 + (SITES - 1) * LEAD_PER_SITE_MS;
/** Dispatch workers (ROLE=worker) beside the API process (ROLE=api); 0 = one ROLE=all process. */
const WORKERS = Number(process.env.BENCH_WORKERS ?? 2);
/** The API process's MySQL pool (DB_POOL_SIZE); unset: the API's default. */
const API_DB_POOL_SIZE = process.env.BENCH_API_DB_POOL_SIZE;
const PLAN_MARGIN_MS = 20_000;
const REPEAT = 3; // the agent's defaults
const INTERVAL_MS = 100;
const MISSED_AFTER_MS = 30_000;
/** The CPU of every process is read 5 ms before the instant and this long after it: the first rounds of packets. */
const FIRST_ROUNDS_WINDOW_MS = 500;
const FLOOR_RUNS = 3;
/** BENCH_NICE=0: every process at the same priority (see the note where it is applied). */
const NICE = process.env.BENCH_NICE !== '0';
/** The agent processes' main threads, and from T-1 s to T+2 s (their other threads are put behind then). */
const AGENT_NICE = -5;
/**
 * At -5 a thread at nice 0 still takes a quarter of a core, and this VM has such
 * threads that run for tens of ms (see AGENT_PIN); at -20 about 1 %.
 */
const AGENT_INSTANT_NICE = Number(process.env.BENCH_AGENT_INSTANT_NICE ?? -20);
/** How the agent processes' other threads are put behind from T-1 s: 'idle' (SCHED_IDLE) or 'nice' (+10). */
const HELPER_POLICY = process.env.BENCH_HELPER_POLICY === 'idle' ? 'idle' : 'nice';
/**
 * From T-1 s to T+2 s each agent process's main thread is kept on a core of its own
 * (agents1 on CPU 0, agents2 on CPU 1, ...; BENCH_AGENT_PIN=0: not). Without it both can
 * wake on one core at the instant and share it while the other core runs the API: the
 * scheduler does not move a thread that has just run to another core at once (perf
 * sched, bench/README.md, 2026-12-01 seventh entry). On a Pi the agent has its cores.
 */
const AGENT_PIN = NICE && process.env.BENCH_AGENT_PIN !== '0';
/**
 * BENCH_PERF_SCHED=1: `perf record` of every context switch from T-5 s to T+2.5 s (needs
 * root); who had the cores. BENCH_PERF_SCHED=<file>: the same, and the recording is kept
 * there (`perf script -i <file>`; its clock is CLOCK_MONOTONIC).
 */
const PERF_SCHED = process.env.BENCH_PERF_SCHED ?? '';
/** The span of the instant that perf's figures cover, ms from T. */
const SCHED_WINDOW_MS = 100;
const ZONE = 'Asia/Shanghai';
const TARGET_FIRE_P99_MS = 20;
const TARGET_PACKET_RATIO = 1.2;
const ROOT = resolve(__dirname, '..');
const DIST = join(ROOT, 'apps/api/dist/apps/api/src');
const LOOPBACK = '127.0.0.1';

/** The machine's monotonic clock (CLOCK_MONOTONIC, shared by all processes), in ms. */
const mono = () => Number(process.hrtime.bigint()) / 1e6;

// ---------------------------------------------------------------- IPC

/** CPU-profiles this process for `ms` (node:inspector) and writes a .cpuprofile for DevTools. */
async function profileSelf(ms: number, file: string): Promise<string> {
  const { Session } = await import('node:inspector');
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<any>((ok, fail) => session.post(method, params, (err, res) => (err ? fail(err) : ok(res))));
  await post('Profiler.enable');
  // 0.1 ms: the instant's start loop lasts tens of milliseconds (the default is 1 ms).
  await post('Profiler.setSamplingInterval', { interval: 100 });
  await post('Profiler.start');
  await sleep(ms);
  const { profile } = await post('Profiler.stop');
  session.disconnect();
  fs.writeFileSync(file, JSON.stringify(profile));
  return file;
}

type Handler = (msg: any) => unknown;

/** Child side: answers `{id, type, ...}` requests with `{id, result}` or `{id, error}`. */
function serve(handlers: Record<string, Handler>) {
  process.on('message', async (m: { id: number; type: string }) => {
    try {
      const result = await handlers[m.type]!(m);
      process.send!({ id: m.id, result });
    } catch (err) {
      process.send!({ id: m.id, error: (err as Error).stack ?? String(err) });
    }
  });
  process.on('disconnect', () => process.exit(0));
  process.send!({ ready: true });
}

function spawnRole(role: string, env: NodeJS.ProcessEnv = process.env, execArgv = process.execArgv): Child {
  const proc = fork(__filename, [role], { env, execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Child(role, proc);
}

// ---------------------------------------------------------------- the API + worker process

/** A span from an instant's first start in an agent process (its start loop, its first rounds): wall time, and where the main thread spent it. */
interface FireLoop {
  wallMs: number;
  onCpuMs: number;
  waitingMs: number;
  /** Steal of the whole machine over the span (/proc/stat, 10 ms ticks). */
  machineStealMs: number;
  /** The kernel's DAMON threads on a core over the span (kdamondMs). */
  kdamondMs: number;
  /** Times the main thread blocked or slept over the span. */
  voluntarySwitches: number;
  /** Page faults of the whole process over the span: major ones read the page from disk. */
  majorFaults: number;
  minorFaults: number;
}

/** Starts the clocks of a FireLoop now; the function returned reads them. */
function startFireLoopClock(): () => FireLoop {
  const wall0 = mono();
  const sched0 = mainThreadSchedstat();
  const steal0 = stealMs();
  const kdamond0 = kdamondMs();
  const switches0 = mainThreadVoluntarySwitches();
  const usage0 = process.resourceUsage();
  return () => {
    const sched = mainThreadSchedstat();
    const usage = process.resourceUsage();
    return {
      wallMs: mono() - wall0,
      onCpuMs: sched.onCpu - sched0.onCpu,
      waitingMs: sched.waiting - sched0.waiting,
      machineStealMs: stealMs() - steal0,
      kdamondMs: kdamondMs() - kdamond0,
      voluntarySwitches: mainThreadVoluntarySwitches() - switches0,
      majorFaults: usage.majorPageFault - usage0.majorPageFault,
      minorFaults: usage.minorPageFault - usage0.minorPageFault,
    };
  };
}

function fireLoopText(loop: FireLoop): string {
  const neither = loop.wallMs - loop.onCpuMs - loop.waitingMs;
  return `${loop.wallMs.toFixed(1)} ms wall, main thread ${loop.onCpuMs.toFixed(1)} ms on a core, ${loop.waitingMs.toFixed(1)} ms waiting for one, ${neither.toFixed(1)} ms neither (blocked ${loop.voluntarySwitches} times); machine's steal meanwhile ${loop.machineStealMs} ms (10 ms ticks, both cores), kernel's DAMON ${loop.kdamondMs.toFixed(1)} ms on a core; page faults ${loop.majorFaults} major, ${loop.minorFaults} minor`;
}

/** This process's main thread: ms on a core and ms waiting for one, since it started. */
function mainThreadSchedstat(): { onCpu: number; waiting: number } {
  const [onCpu, waiting] = fs.readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ').map(Number);
  return { onCpu: onCpu! / 1e6, waiting: waiting! / 1e6 };
}

/** How often this process's main thread has given up its core by itself (blocked or slept), since it started. */
function mainThreadVoluntarySwitches(): number {
  const status = fs.readFileSync(`/proc/self/task/${process.pid}/status`, 'utf8');
  return Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1]);
}

async function serverRole() {
  /* eslint-disable @typescript-eslint/no-require-imports */
  require('reflect-metadata');
  const { createApiApp } = require(join(DIST, 'app.js'));
  const { createLogger: apiLogger } = require(join(DIST, 'common/logger.js'));
  const { loadConfig } = require(join(DIST, 'config/config.js'));
  const { CommandNotifier } = require(join(DIST, 'agent-commands/command-notifier.js'));
  const { AgentCommandsService } = require(join(DIST, 'agent-commands/agent-commands.service.js'));
  const { DispatcherService } = require(join(DIST, 'dispatch/dispatcher.service.js'));
  const { PlannerService } = require(join(DIST, 'dispatch/planner.service.js'));
  const { AgentReportsService } = require(join(DIST, 'agent-protocol/agent-reports.service.js'));
  const { DataSource } = require('typeorm');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const config = loadConfig(process.env);
  let app: any;
  let url = '';
  if (config.role === 'worker') {
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { NestFactory } = require('@nestjs/core');
    const { AppModule } = require(join(DIST, 'app.module.js'));
    /* eslint-enable @typescript-eslint/no-require-imports */
    app = await NestFactory.createApplicationContext(AppModule.forConfig(config), { logger: false });
  } else {
    app = await createApiApp(config, apiLogger(config.logLevel));
    await app.listen(0, LOOPBACK);
    url = `http://${LOOPBACK}:${app.getHttpServer().address().port}`;
  }

  // Stage timings, by wrapping the services' methods on the instances the worker uses.
  const plans: Array<{ start: number; end: number; jobs: number }> = [];
  const transitions: Array<{
    at: string;
    action: string;
    start: number;
    end: number;
    kiosks: number;
    counts?: Record<string, number>;
    error?: string;
  }> = [];
  const planner = app.get(PlannerService);
  const planSite = planner.planSite.bind(planner);
  planner.planSite = async (...args: unknown[]) => {
    const start = mono();
    const r = await planSite(...args);
    plans.push({ start, end: mono(), jobs: r.jobs });
    return r;
  };
  const dispatcher = app.get(DispatcherService);
  const runTransition = dispatcher.runTransition.bind(dispatcher);
  dispatcher.runTransition = async (job: { at: string; action: string; kioskIds: string[] }, ...rest: unknown[]) => {
    const start = mono();
    try {
      const counts = await runTransition(job, ...rest);
      transitions.push({ at: job.at, action: job.action, start, end: mono(), kiosks: job.kioskIds.length, counts });
      return counts;
    } catch (err) {
      transitions.push({
        at: job.at,
        action: job.action,
        start,
        end: mono(),
        kiosks: job.kioskIds.length,
        error: (err as Error).message,
      });
      throw err;
    }
  };
  // Long polls answered, and how many of them carried commands.
  const commands = app.get(AgentCommandsService);
  const poll = commands.poll.bind(commands);
  const polls = { answered: 0, withCommands: 0 };
  commands.poll = async (...args: unknown[]) => {
    const r = await poll(...args);
    polls.answered++;
    if (r.length) polls.withCommands++;
    return r;
  };
  const notifier = config.role === 'worker' ? { waitingAgents: 0 } : app.get(CommandNotifier);
  // Where a slow answer waits: the event loop (delay of a 10 ms timer) or the heartbeat
  // handler itself (its UPDATE, the connection pool's queue). Both since the last `stats`.
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  let heartbeatMs: number[] = [];
  // ... or the MySQL connection pool's queue (mysql2, DB_POOL_SIZE connections).
  const pool = app.get(DataSource).driver.pool;
  let poolWaitMs: number[] = [];
  let poolQueueMax = 0;
  // ... or a core: the API runs at nice +10 here, behind the agents (-5) and MariaDB (0).
  let sched0 = mainThreadSchedstat();
  const getConnection = pool.getConnection.bind(pool);
  pool.getConnection = (cb: (...a: unknown[]) => void) => {
    const start = mono();
    poolQueueMax = Math.max(poolQueueMax, pool._connectionQueue.length);
    getConnection((...a: unknown[]) => {
      poolWaitMs.push(mono() - start);
      cb(...a);
    });
  };
  if (config.role !== 'worker') {
    const reports = app.get(AgentReportsService);
    const heartbeat = reports.heartbeat.bind(reports);
    reports.heartbeat = async (...args: unknown[]) => {
      const start = mono();
      try {
        return await heartbeat(...args);
      } finally {
        heartbeatMs.push(mono() - start);
      }
    };
  }

  serve({
    url: () => url,
    stats: () => {
      const sched1 = mainThreadSchedstat();
      const since = {
        loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
        loopDelayMaxMs: loopDelay.max / 1e6,
        heartbeats: summarize(heartbeatMs),
        poolWaits: summarize(poolWaitMs),
        poolQueueMax,
        mainThreadOnCpuMs: sched1.onCpu - sched0.onCpu,
        mainThreadWaitingMs: sched1.waiting - sched0.waiting,
      };
      sched0 = sched1;
      loopDelay.reset();
      heartbeatMs = [];
      poolWaitMs = [];
      poolQueueMax = 0;
      return {
        waitingAgents: notifier.waitingAgents,
        polls: { ...polls },
        plans: plans.length,
        rss: process.memoryUsage().rss,
        since,
      };
    },
    timings: () => ({ plans, transitions }),
    profile: (m: { ms: number; file: string }) => profileSelf(m.ms, m.file),
    stop: async () => {
      await app.close();
      setTimeout(() => process.exit(0), 10);
    },
  });
}

// ---------------------------------------------------------------- the agents process

interface AgentSpec {
  index: number;
  name: string;
  token: string;
  site: number;
  kioskIds: string[];
}

interface LoopFailure {
  agent: number;
  /** The agent's loop: commands, heartbeat, plan, ... */
  loop: string;
  at: number;
  cause: string;
  retryInMs: number;
  /** Failures in a row, this one included. */
  failures: number;
}

async function agentsRole() {
  // The agents' loops log each failed request at warn ("<loop> failed; retrying"): kept
  // here, on the shared clock, so that an agent whose command came late or never can be
  // told from the others by what its long poll met.
  const loopFailures: LoopFailure[] = [];
  configureLogging({
    level: 'warn',
    sink: (line) => {
      if (!line.includes('failed; retrying')) return;
      const e = JSON.parse(line) as {
        msg: string;
        agent: number;
        error?: { name?: string; code?: string; message?: string };
        retryInMs: number;
        failures: number;
      };
      loopFailures.push({
        agent: e.agent,
        loop: e.msg.slice(0, e.msg.indexOf(' failed')),
        at: mono(),
        cause: `${e.error?.name ?? 'Error'} ${e.error?.code ?? ''}: ${e.error?.message ?? ''}`.trim(),
        retryInMs: e.retryInMs,
        failures: e.failures,
      });
    },
  });
  const log = createLogger({ service: 'bench-agent' });
  const agents: Agent[] = [];
  // What the runners' `onStarted` hook records: as little as it can, because it runs
  // inside the start loop it measures (building an object per start with two of the
  // command's fields cost a fifth of the loop's samples in a profile, 0.1 ms interval).
  // Turned into { agent, at, dueAt, targets } when the results are asked for.
  const fireTimes: number[] = [];
  const fireCommands: PowerCommand[] = [];
  const fireAgents: number[] = [];
  const deliveries: Array<{ agent: number; at: number }> = [];
  const baselines: number[] = [];
  const earlyProbes: number[] = [];
  // Garbage-collector pauses, on the shared monotonic clock: a pause stops all 2,500
  // agents of the process at once, which no Pi sees.
  const gcs: Array<{ at: number; ms: number; major: boolean }> = [];
  const perfToMono = mono() - performance.now();
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind;
      gcs.push({
        at: e.startTime + perfToMono,
        ms: e.duration,
        major: kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR,
      });
    }
  }).observe({ entryTypes: ['gc'] });
  // The commands due at one instant start in one timer callback (InstantTimers); a
  // next tick queued at the first start runs right after the last. The main thread's
  // time on a core and waiting for one over that loop (schedstat, nanoseconds) tells a
  // slow loop from a loop kept off the cores.
  // Then the commands run, from one Immediate of this turn (afterThisTurn), and each
  // wake's first round goes out from the microtasks queued there (each packet as its send
  // is issued; an agent's wake, 10 kiosks, is one SEND_CHUNK). Node empties
  // those before the next Immediate, so an Immediate queued after the start loop runs
  // once every first round is out, and before the ledgers' fdatasyncs are handed to
  // libuv's pool (queued from the check phase, so in the next turn). Over that span the
  // main thread's schedstat again: the sending, on a core or kept off it.
  const fireLoops = new Map<string, FireLoop>();
  /** From the first start until every wake's first round is out, per instant. */
  const firstRoundsOut = new Map<string, FireLoop>();
  let lastFireAt = -Infinity;
  const watchFireLoop = (dueAt: string) => {
    const sinceFirstStart = startFireLoopClock();
    process.nextTick(() => {
      fireLoops.set(dueAt, sinceFirstStart());
      setImmediate(() => firstRoundsOut.set(dueAt, sinceFirstStart()));
    });
  };
  const hasRelay = 'relay' in AgentConfigSchema.shape;
  kdamondMs(); // finds the kernel's DAMON threads now, not in the first start loop

  serve({
    start: async (m: { apiUrl: string; stateRoot: string; basePort: number; agents: AgentSpec[] }) => {
      for (const spec of m.agents) {
        const stateDir = join(m.stateRoot, String(spec.index));
        fs.mkdirSync(stateDir, { recursive: true });
        const port = m.basePort + spec.site;
        const config = AgentConfigSchema.parse({
          apiUrl: m.apiUrl,
          stateDir,
          token: spec.token,
          name: spec.name,
          subnets: [],
          logLevel: 'error',
          sensors: { kind: 'simulated', simulated: { seed: spec.index } },
          // Network safety: every packet and probe goes to loopback.
          wake: {
            address: LOOPBACK,
            repeat: REPEAT,
            intervalMs: INTERVAL_MS,
            portByKiosk: Object.fromEntries(spec.kioskIds.map((k) => [k, port])),
          },
          probe: { address: LOOPBACK, intervalS: 3600, snapshotIntervalS: 3600 },
          readings: { intervalS: 3600 },
          ...(hasRelay && { relay: { enabled: false } }),
        });
        const agent = new Agent(config, log.child({ agent: spec.index }));
        agent.runner.onStarted = (command: PowerCommand) => {
          const at = performance.now();
          fireTimes.push(at);
          fireCommands.push(command);
          fireAgents.push(spec.index);
          // Instants are minutes apart: a start after a pause opens a new loop.
          if (at - lastFireAt > 1000) watchFireLoop(command.dueAt);
          lastFireAt = at;
        };
        const deliver = agent.runner.deliver.bind(agent.runner);
        const seen = new Set<string>();
        agent.runner.deliver = (cs) => {
          for (const c of cs) {
            if (seen.has(c.id)) continue;
            seen.add(c.id);
            deliveries.push({ agent: spec.index, at: mono() });
          }
          deliver(cs);
        };
        agent.start();
        agents.push(agent);
        // Spread the start (Pis do not all boot in the same second): one agent per
        // 40 ms per process, 100 a second in all. Much faster and the API, with
        // everything else on 2 cores, falls behind the connections and never catches up.
        await new Promise((r) => setTimeout(r, 40));
      }
      return agents.length;
    },
    /** A bare setTimeout aimed at the instant, in this process: the timer floor. */
    aim: (m: { atWall: number }) => {
      const fire = () => {
        if (Date.now() < m.atWall) return void setTimeout(fire, m.atWall - Date.now());
        baselines.push(mono());
      };
      setTimeout(fire, m.atWall - Date.now());
      // Was the event loop free when the agents' instant timer was due (EARLY_WAKE_MS
      // ahead)? A timer 1 ms before it runs first, and says how late the loop got there.
      setTimeout(() => earlyProbes.push(mono()), m.atWall - EARLY_WAKE_MS - 1 - Date.now());
    },
    results: () => ({
      fires: fireTimes.map((at, i) => ({
        agent: fireAgents[i]!,
        at: at + perfToMono,
        dueAt: fireCommands[i]!.dueAt,
        targets: fireCommands[i]!.targets.length,
      })),
      deliveries,
      loopFailures,
      baselines,
      earlyProbes,
      gcs,
      fireLoops: Object.fromEntries(fireLoops),
      firstRoundsOut: Object.fromEntries(firstRoundsOut),
    }),
    profile: (m: { ms: number; file: string }) => profileSelf(m.ms, m.file),
    /** A scavenge now (needs --expose-gc); returns its duration in ms. */
    collectYoung: () => {
      const start = mono();
      (globalThis as { gc?: (o: { type: string }) => void }).gc?.({ type: 'minor' });
      return mono() - start;
    },
  });
}

// ---------------------------------------------------------------- the kiosks (receiver) process

// ---------------------------------------------------------------- the floor (one sender process)

async function floorRole() {
  const sender = new MagicPacketSender();
  let targets: Array<{ mac: string; address: string; port: number }> = [];
  serve({
    /** `copies` 2: every kiosk's packets twice over, as the fleet's two agents per site send them. */
    targets: async (m: { macs: string[]; basePort: number; kiosksPerSite: number; copies: number }) => {
      const once = m.macs.map((mac, i) => ({
        mac,
        address: LOOPBACK,
        port: m.basePort + Math.floor(i / m.kiosksPerSite),
      }));
      targets = Array.from({ length: m.copies }, () => once).flat();
      // Prepared like an agent's wake (socket open, packets built), so that the floor
      // is the sending alone.
      await sender.prepare(targets);
      return targets.length;
    },
    send: async () => {
      const start = mono();
      const outcomes = await sender.send(targets, { repeat: REPEAT, intervalMs: INTERVAL_MS });
      return { start, end: mono(), errors: outcomes.filter((o) => o.error).length };
    },
  });
}

// ---------------------------------------------------------------- orchestration

const fmt = (s: Summary, d = 1) =>
  `p50 ${s.p50.toFixed(d)} ms, p99 ${s.p99.toFixed(d)} ms, max ${s.max.toFixed(d)} ms (n=${s.n})`;
/** A time relative to the instant, with its sign: "+1.2 ms", "-3.9 ms". */
const signedMs = (ms: number) => `${ms >= 0 ? '+' : ''}${ms.toFixed(1)} ms`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** Wall clock minus the monotonic clock, in ms, measured at a tick of Date.now() (sub-ms accurate). */
function wallMinusMono(): number {
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = Date.now();
    let now = t;
    while (now === t) now = Date.now();
    samples.push(now - mono());
  }
  return samples.sort((a, b) => a - b)[2]!;
}

/**
 * Puts every thread of `pid` but its main thread behind (HELPER_POLICY: nice +10, or
 * SCHED_IDLE); returns how many. At nice +10 V8's helper threads still ran 0.4 s of the
 * 2.4 core-seconds from T-0.2 s to T+1 s (perf sched, one run): CFS gives a +10 thread a
 * share of a -5 one's core (110 : 3121), and the main threads waited 70-130 ms for a
 * core while they sent. SCHED_IDLE (weight 3) cut that wait to 32 ms in one run, but a
 * main thread that needs something a starved helper holds is then blocked: 16-88 ms
 * in the run with the main threads at -20 (BENCH_AGENT_INSTANT_NICE). Not the default
 * until more runs say which is better.
 */
function demoteHelperThreads(pid: number): number {
  const tids = fs
    .readdirSync(`/proc/${pid}/task`)
    .map(Number)
    .filter((tid) => tid !== pid);
  let n = 0;
  for (const tid of tids) {
    try {
      if (HELPER_POLICY === 'idle') execFileSync('chrt', ['--idle', '-p', '0', String(tid)], { stdio: 'ignore' });
      else os.setPriority(tid, 10);
      n++;
    } catch {
      /* the thread has ended */
    }
  }
  return n;
}

/** Open file descriptors of a process, from /proc. */
function openFiles(pid: number | undefined): number {
  return pid === undefined ? NaN : fs.readdirSync(`/proc/${pid}/fd`).length;
}

/** CPU seconds (user + system) of a process, from /proc. */
function cpuSeconds(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

function pidOf(names: string[]): number | undefined {
  for (const name of names) {
    try {
      const out = execSync(`pidof ${name}`, { stdio: ['ignore', 'pipe', 'ignore'] })
        .toString()
        .trim();
      if (out) return Number(out.split(/\s+/)[0]);
    } catch {
      /* not running under this name */
    }
  }
  return undefined;
}

async function main() {
  const started = Date.now();
  const limit = Number(execSync('ulimit -n', { shell: '/bin/bash' }).toString().trim());
  if (AGENT_PROCESSES < 2 || AGENT_PROCESSES % 2) {
    console.error(`BENCH_AGENT_PROCESSES must be even and at least 2 (got ${AGENT_PROCESSES}).`);
    process.exit(1);
  }
  if (limit < (FDS_PER_AGENT * AGENTS) / AGENT_PROCESSES + 500) {
    console.error(
      `ulimit -n is ${limit}: too low for ${AGENTS / AGENT_PROCESSES} agents per process; raise it, set BENCH_AGENT_PROCESSES=${2 * AGENT_PROCESSES} or BENCH_SITES.`,
    );
    process.exit(1);
  }
  console.log('building the API and libraries (tsc -b) ...');
  execSync('npx tsc -b libs/wol libs/scheduler apps/api', { cwd: ROOT, stdio: 'inherit' });

  /* eslint-disable @typescript-eslint/no-require-imports */
  require('reflect-metadata');
  const { loadConfig } = require(join(DIST, 'config/config.js'));
  const { migratedDatabase, deleteKeys } = require(join(DIST, 'testing/test-app.js'));
  const { dropDatabase } = require(join(DIST, 'database/data-source.js'));
  const { hashPassword } = require(join(DIST, 'users/passwords.js'));
  const Redis = require('ioredis');
  /* eslint-enable @typescript-eslint/no-require-imports */

  const suffix = randomBytes(4).toString('hex');
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    ROLE: WORKERS > 0 ? 'api' : 'all',
    HOST: LOOPBACK,
    DB_HOST: process.env.DB_HOST ?? '127.0.0.1',
    DB_PORT: process.env.DB_PORT ?? '3306',
    DB_USER: process.env.DB_USER ?? 'root',
    DB_PASSWORD: process.env.DB_PASSWORD ?? '',
    DB_NAME: `wk_bench_${suffix}`,
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    REDIS_PREFIX: `wk_bench_${suffix}:`,
    LOG_LEVEL: 'error',
    DISPATCH_LEAD_S: String(LEAD_S),
    DISPATCH_LEAD_PER_SITE_MS: String(LEAD_PER_SITE_MS),
    // The periodic repair pass (default every 60 s, all 2,500 sites) is kept out of
    // the measured minutes; the pass at start and the re-plan on the rule edit plan the instant.
    REPAIR_INTERVAL_S: '900',
    // No probe or reading rounds during the run (the agents' own intervals too).
    AGENT_PROBE_INTERVAL_S: '3600',
    AGENT_READING_INTERVAL_S: '3600',
  };
  const config = loadConfig(env);
  const stateRoot = fs.mkdtempSync(join(fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir(), 'wk-bench-agents-'));
  const children: Child[] = [];
  let db: { query: (sql: string, params?: unknown[]) => Promise<any>; destroy: () => Promise<void> } | undefined;
  let cleaning: Promise<void> | undefined;
  const cleanup = () => (cleaning ??= cleanupOnce());
  const cleanupOnce = async () => {
    for (const c of children) if (c.proc.exitCode === null && c.name !== 'server') c.proc.kill('SIGKILL');
    for (const server of children.filter((c) => c.name === 'server')) {
      if (server.proc.exitCode !== null) continue;
      await Promise.race([server.call('stop').catch(() => undefined), sleep(10_000)]);
      if (server.proc.exitCode === null) server.proc.kill('SIGKILL');
    }
    await db?.destroy().catch(() => undefined);
    await dropDatabase(config.db).catch((e: Error) => console.error(`drop database: ${e.message}`));
    const redis = new Redis(config.redis.url);
    await deleteKeys(redis, config.redis.prefix).catch((e: Error) => console.error(`redis cleanup: ${e.message}`));
    redis.disconnect();
    fs.rmSync(stateRoot, { recursive: true, force: true });
  };
  // Ctrl-C, or a CI job's timeout: either way nothing is left behind.
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.on(signal, () => void cleanup().finally(() => process.exit(code)));
  }

  let idleLine = '';
  let helperThreadsLine = '';
  let gcBeforeLine = 'not asked (BENCH_GC_BEFORE=0)';
  try {
    // ---- database
    const t0 = Date.now();
    db = await migratedDatabase(config);
    const seed = await seedFleet(db!, hashPassword);
    console.log(
      `database ${config.db.database}: ${SITES} sites, ${KIOSKS} kiosks, ${AGENTS} agents in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );

    // ---- kiosks, API, floor sender, agents
    const kiosks = spawnReceiver();
    children.push(kiosks);
    await kiosks.ready;
    const { basePort } = await kiosks.call('start', { macs: seed.macs, kiosksPerSite: KIOSKS_PER_SITE });
    const server = spawnRole('server', {
      ...process.env,
      ...env,
      ...(API_DB_POOL_SIZE && { DB_POOL_SIZE: API_DB_POOL_SIZE }),
    });
    children.push(server);
    const workers = Array.from({ length: WORKERS }, () =>
      spawnRole('server', { ...process.env, ...env, ROLE: 'worker' }),
    );
    children.push(...workers);
    if (NICE) {
      // The API and the workers run on servers of their own in the field, not on the
      // Pis: here they yield the cores to the agents while the agents have work.
      for (const c of [server, ...workers]) os.setPriority(c.proc.pid!, 10);
    }
    const dispatchers = WORKERS > 0 ? workers : [server];
    await Promise.all([server, ...workers].map((c) => c.ready));
    const apiUrl: string = await server.call('url');
    const plansDone = async () =>
      (await Promise.all(dispatchers.map((w) => w.call('stats')))).reduce((n, st) => n + st.plans, 0);
    const floor = spawnRole('floor');
    children.push(floor);
    await floor.ready;
    console.log(
      `API ${apiUrl}; kiosk receiver: ${SITES} UDP sockets on ${LOOPBACK}:${basePort}-${basePort + SITES - 1}`,
    );

    /** The floor: one process, the same sockets, `copies` packets per kiosk and round; FLOOR_RUNS runs. */
    const measureFloor = async (copies: number) => {
      await floor.call('targets', { macs: seed.macs, basePort, kiosksPerSite: KIOSKS_PER_SITE, copies });
      const runs: Array<Summary & { total: number; sendMs: number }> = [];
      for (let run = 0; run < FLOOR_RUNS; run++) {
        const sent = await floor.call('send');
        await sleep(1000);
        const got = await kiosks.call('collect');
        const delays = (got.first as number[]).filter((v) => v > 0).map((v) => v - sent.start);
        const s = summarize(delays);
        runs.push({ ...s, total: s.max, sendMs: sent.end - sent.start });
        if (s.n < KIOSKS || sent.errors)
          console.warn(`floor run ${run}: ${s.n}/${KIOSKS} kiosks received, ${sent.errors} send errors`);
        await sleep(500);
      }
      const median = [...runs].sort((a, b) => a.total - b.total)[Math.floor(runs.length / 2)]!;
      return { runs, median, ms: median.total };
    };
    const floorText = (f: Awaited<ReturnType<typeof measureFloor>>) =>
      `${f.runs.map((r) => `${r.total.toFixed(1)} ms`).join(', ')} -> ${f.ms.toFixed(1)} ms (median; its first-packet p50 ${f.median.p50.toFixed(1)} ms, p99 ${f.median.p99.toFixed(1)} ms)`;

    // The worker's first repair pass (every site, at start) done before the agents come.
    const tBoot = Date.now();
    while ((await plansDone()) < SITES) await sleep(500);
    console.log(
      `worker: first repair pass over ${SITES} sites done ${((Date.now() - tBoot) / 1000).toFixed(1)} s after the API listened`,
    );

    // Measured while nothing else runs but the idle API and workers: what the machine
    // itself needs to put these packets through loopback and read them at the receiver.
    // One send first, not counted: the first run opens sockets and compiles the code.
    await floor.call('targets', { macs: seed.macs, basePort, kiosksPerSite: KIOSKS_PER_SITE, copies: 1 });
    await floor.call('send');
    await sleep(1500);
    await kiosks.call('collect');
    const quietFloor = await measureFloor(1);
    const quietFloor2 = await measureFloor(2);
    console.log(`floor, quiet machine: ${floorText(quietFloor)}; both agents' copies: ${floorText(quietFloor2)}`);

    const agentProcs: Child[] = [];
    for (let p = 0; p < AGENT_PROCESSES; p++) {
      const c = spawnRole('agents', process.env, [...process.execArgv, ...AGENT_HOST_FLAGS]);
      children.push(c);
      agentProcs.push(c);
      if (NICE) {
        // The Pis are machines of their own in the field; here they share 2 cores with
        // the API, the workers and the databases, and would wait behind them for one.
        try {
          os.setPriority(c.proc.pid!, AGENT_NICE);
        } catch (err) {
          if (p === 0) console.warn(`could not raise the agents' priority (${(err as Error).message})`);
        }
      }
    }
    await Promise.all(agentProcs.map((c) => c.ready));
    const tStart = Date.now();
    await Promise.all(
      agentProcs.map((c, p) =>
        c.call('start', {
          apiUrl,
          stateRoot,
          basePort,
          agents: seed.agents.filter((a) => a.index % AGENT_PROCESSES === p),
        }),
      ),
    );
    // Online = heartbeat within the last minute, and (nearly) every long poll waiting.
    let lastProgress = Date.now();
    for (;;) {
      const [{ n }] = await db!.query(`SELECT COUNT(*) AS n FROM agents WHERE last_heartbeat_at > ?`, [
        new Date(Date.now() - 60_000),
      ]);
      const stats = await server.call('stats');
      // Some polls are always between two requests (answered at 25 s, asked again),
      // more of them the longer the API takes to answer: on this 2-core machine
      // 4,300-4,800 of 5,000 wait at any moment. One between polls gets its command
      // at its next poll, well inside the lead.
      if (Number(n) >= AGENTS && stats.waitingAgents >= AGENTS * 0.9) break;
      if (Date.now() - lastProgress > 10_000) {
        lastProgress = Date.now();
        console.log(
          `  ${((Date.now() - tStart) / 1000).toFixed(0)} s: ${n} agents with a heartbeat, ${stats.waitingAgents} polls waiting`,
        );
      }
      if (Date.now() - tStart > 300_000)
        throw new Error(`agents not online after 300 s: ${n} heartbeats, ${stats.waitingAgents} polls waiting`);
      await sleep(500);
    }
    console.log(
      `agents: ${AGENTS} online with their long polls waiting ${((Date.now() - tStart) / 1000).toFixed(1)} s after start`,
    );

    // What the fleet costs while nothing happens: CPU per process over 10 s of heartbeats
    // and long polls (BENCH_PROFILE_DIR=<dir>: CPU profiles of the API and one agent process too).
    const idlePids = {
      api: server.proc.pid,
      agents1: agentProcs[0]!.proc.pid,
      kiosks: kiosks.proc.pid,
      mariadb: pidOf(['mariadbd', 'mysqld']),
      redis: pidOf(['redis-server']),
    };
    const idleBefore = Object.fromEntries(Object.entries(idlePids).map(([k, pid]) => [k, cpuSeconds(pid)]));
    const idleMachine = machineBusySeconds();
    const idleStart = mono();
    const profileDir = process.env.BENCH_PROFILE_DIR;
    if (profileDir) {
      fs.mkdirSync(profileDir, { recursive: true });
      const files = await Promise.all([
        server.call('profile', { ms: 10_000, file: join(resolve(profileDir), 'api.cpuprofile') }),
        agentProcs[0]!.call('profile', { ms: 10_000, file: join(resolve(profileDir), 'agents1.cpuprofile') }),
      ]);
      console.log(`profiles: ${files.join(', ')}`);
    } else await sleep(10_000);
    const idleS = (mono() - idleStart) / 1000;
    idleLine = `idle fleet (${idleS.toFixed(1)} s, cores busy): ${Object.entries(idlePids)
      .map(([k, pid]) => `${k} ${((cpuSeconds(pid) - idleBefore[k]!) / idleS).toFixed(2)}`)
      .join(
        ', ',
      )}, machine ${((machineBusySeconds() - idleMachine) / idleS).toFixed(2)} (${AGENTS / AGENT_PROCESSES} agents per agent process, open files ${agentProcs.map((c) => openFiles(c.proc.pid)).join(', ')} of ${limit})`;
    console.log(idleLine);

    // ---- the instant, and the rule that makes everything wake at it
    const T = Math.ceil((Date.now() + MAX_LEAD_MS + PLAN_MARGIN_MS) / 60_000) * 60_000;
    const hhmm = (ms: number) =>
      new Intl.DateTimeFormat('en-GB', { timeZone: ZONE, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(
        new Date(ms),
      );
    const end = T + 30 * 60_000;
    const endText = hhmm(end) < hhmm(T) ? '24:00' : hhmm(end);
    const login = await fetch(`${apiUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'bench-ops', password: seed.password }),
    });
    if (!login.ok) throw new Error(`login: ${login.status} ${await login.text()}`);
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    const rulePostedMono = mono();
    const rule = await fetch(`${apiUrl}/api/rules`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, origin: new URL(apiUrl).origin },
      body: JSON.stringify({
        hospitalId: seed.hospitalId,
        name: 'Bench: the whole fleet at one instant',
        scope: { kind: 'hospital' },
        layer: 'override',
        windows: [{ start: hhmm(T), end: endText }],
      }),
    });
    if (rule.status !== 201) throw new Error(`rule: ${rule.status} ${await rule.text()}`);
    const offset = wallMinusMono();
    const Tmono = T - offset;
    console.log(
      `instant: ${new Date(T).toISOString()} (${hhmm(T)} ${ZONE}), rule posted ${((Tmono - rulePostedMono) / 1000).toFixed(1)} s ahead; lead ${LEAD_S} s + ${LEAD_PER_SITE_MS} ms per further site (up to ${(MAX_LEAD_MS / 1000).toFixed(1)} s)`,
    );
    for (const c of agentProcs) await c.call('aim', { atWall: T });

    // CPU per process over three windows: rule -> delivery starts, delivery, the instant.
    const pids: Record<string, number | undefined> = {
      api: server.proc.pid,
      ...Object.fromEntries(workers.map((c, w) => [`worker${w + 1}`, c.proc.pid])),
      ...Object.fromEntries(agentProcs.map((c, p) => [`agents${p + 1}`, c.proc.pid])),
      kiosks: kiosks.proc.pid,
      mariadb: pidOf(['mariadbd', 'mysqld']),
      redis: pidOf(['redis-server']),
    };
    const cpuAt = () => ({
      ...Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuSeconds(pid)])),
      machine: machineBusySeconds(),
      steal: stealMs() / 1000,
      kdamond: kdamondMs() / 1000,
    });
    const marks: Array<{
      name: string;
      at: number;
      cpu: Record<string, number>;
      polls: { answered: number; withCommands: number };
      /** The API since the previous mark. */
      api: {
        loopDelayP99Ms: number;
        loopDelayMaxMs: number;
        heartbeats: Summary;
        poolWaits: Summary;
        poolQueueMax: number;
        mainThreadOnCpuMs: number;
        mainThreadWaitingMs: number;
      };
    }> = [];
    const mark = async (name: string) => {
      const stats = await server.call('stats');
      marks.push({ name, at: mono(), cpu: cpuAt(), polls: stats.polls, api: stats.since });
    };
    await mark('rule posted');
    console.log(`waiting for the fan-out (from T-${(MAX_LEAD_MS / 1000).toFixed(0)} s) and the instant ...`);
    await sleep(Tmono - MAX_LEAD_MS - mono());
    await mark(`T-${(MAX_LEAD_MS / 1000).toFixed(0)} s`);
    // Which of the machine's threads had the cores at the instant (BENCH_PERF_SCHED=1), from
    // T-5 s: perf's own start (it reads every process's maps) stays out of the instant.
    let sched: { file: string; done: Promise<void>; labels: Map<number, string> } | undefined;
    if (PERF_SCHED && PERF_SCHED !== '0') {
      await sleep(Tmono - 5000 - mono());
      const processes = {
        api: server,
        ...Object.fromEntries(workers.map((c, w) => [`worker${w + 1}`, c])),
        ...Object.fromEntries(agentProcs.map((c, p) => [`agents${p + 1}`, c])),
        kiosks,
      };
      const labels = new Map<number, string>();
      for (const [name, c] of Object.entries(processes))
        for (const tid of fs.readdirSync(`/proc/${c.proc.pid}/task`).map(Number))
          labels.set(tid, tid === c.proc.pid ? name : `${name} other threads`);
      const file = PERF_SCHED === '1' ? join(os.tmpdir(), `wk-bench-sched-${process.pid}.data`) : resolve(PERF_SCHED);
      sched = { file, labels, ...recordSchedSwitches(file, 7.5) };
    }
    // The agent processes' young generation emptied before the instant (BENCH_GC_BEFORE=0: not):
    // 2,500 agents share one heap here, and a scavenge that falls in the sending window
    // stops all of them at once, for 100-480 ms with 256 MB semi-spaces; a Pi's heap is
    // its own agent's, a few MB.
    if (GC_BEFORE) {
      await sleep(Tmono - 2000 - mono());
      gcBeforeLine = (await Promise.all(agentProcs.map((c) => c.call('collectYoung'))))
        .map((ms) => `${ms.toFixed(0)} ms`)
        .join(', ');
    }
    await sleep(Tmono - 1000 - mono());
    await mark('T-1 s');
    // Each agent process's other threads (V8's compiler and GC helpers, libuv's pool)
    // behind every agent's main thread: on a Pi they have cores of their own (a Pi 4 has
    // four) and little to do; here the compiler turned the instant's code hot halfway
    // through the start loop and took the cores from the other process's agents.
    if (NICE) helperThreadsLine = agentProcs.map((c) => demoteHelperThreads(c.proc.pid!)).join(', ');
    // ... and their main threads further ahead until T+2 s, each on a core of its own.
    if (NICE && AGENT_INSTANT_NICE !== AGENT_NICE)
      for (const c of agentProcs) os.setPriority(c.proc.pid!, AGENT_INSTANT_NICE);
    const cores = os.cpus().length;
    const pin = (cpus: (p: number) => string) =>
      agentProcs.forEach((c, p) => {
        try {
          execFileSync('taskset', ['-p', '-c', cpus(p), String(c.proc.pid)], { stdio: 'ignore' });
        } catch (err) {
          if (p === 0) console.warn(`could not bind the agents' main threads to cores (${(err as Error).message})`);
        }
      });
    if (AGENT_PIN) pin((p) => String(p % cores));
    const instantProfile = profileDir
      ? agentProcs[0]!.call('profile', { ms: 2500, file: join(resolve(profileDir), 'agents1-instant.cpuprofile') })
      : undefined;
    // CPU per process over the first-round sending (/proc only: the API is not asked),
    // read from 5 ms ahead so that this process keeps off the cores at the instant itself.
    let cpuAtInstant: [{ cpu: Record<string, number> }, { cpu: Record<string, number> }] | undefined;
    const atInstant = sleep(Tmono - 5 - mono()).then(async () => {
      const first = { cpu: cpuAt() };
      await sleep(Tmono + FIRST_ROUNDS_WINDOW_MS - mono());
      cpuAtInstant = [first, { cpu: cpuAt() }];
    });
    await sleep(Tmono + 2000 - mono());
    if (NICE && AGENT_INSTANT_NICE !== AGENT_NICE) for (const c of agentProcs) os.setPriority(c.proc.pid!, AGENT_NICE);
    if (AGENT_PIN) pin(() => `0-${cores - 1}`);
    await atInstant;
    await mark('T+2 s');
    if (instantProfile) console.log(`profile of the instant (T-1 s to T+1.5 s): ${await instantProfile}`);
    console.log(
      `T+2 s: ${(await kiosks.call('count')).kiosks} kiosks have a packet; waiting up to ${MISSED_AFTER_MS / 1000} s for the rest`,
    );

    // ---- wait for every kiosk's first packet, at most 30 s
    for (;;) {
      const c = await kiosks.call('count');
      if (c.kiosks >= KIOSKS || mono() > Tmono + MISSED_AFTER_MS) break;
      await sleep(250);
    }
    const fleet = await kiosks.call('collect');
    const schedLines = sched ? await whoHadTheCores(sched, Tmono, agentProcs) : [];
    const agentResults = await Promise.all(agentProcs.map((c) => c.call('results')));
    const timingsOf = await Promise.all(dispatchers.map((w) => w.call('timings')));
    const timings = { plans: timingsOf.flatMap((t) => t.plans), transitions: timingsOf.flatMap((t) => t.transitions) };

    console.log('collected; measuring the floor again, with the fleet running ...');
    await sleep(3000); // let the results the agents report settle
    const busyFloor = await measureFloor(1);

    // ---- what recording a command costs on this machine's disk (the agents' state is on tmpfs here)
    const ledgerDir = fs.mkdtempSync(join(os.tmpdir(), 'wk-bench-ledger-'));
    const ledger = new FileCommandLedger(ledgerDir);
    const recordTimes: number[] = [];
    const syncTimes: number[] = [];
    for (let i = 0; i < 50; i++) {
      const a = mono();
      ledger.record(`cmd_${i}`, 'started', Date.now() + 3600_000);
      ledger.flush();
      const b = mono();
      fs.fdatasyncSync((ledger as unknown as { fd: number }).fd);
      recordTimes.push(b - a);
      syncTimes.push(mono() - b);
    }
    ledger.close();
    fs.rmSync(ledgerDir, { recursive: true, force: true });

    // ---- figures
    const firstArrivals = fleet.first as number[];
    const packetLate = firstArrivals.filter((v) => v > 0).map((v) => v - Tmono);
    const missed = firstArrivals.filter((v) => v === 0).length;
    const allFires = agentResults.flatMap(
      (r) => r.fires as Array<{ agent: number; at: number; dueAt: string; targets: number }>,
    );
    const wakeFires = allFires.filter((f) => Date.parse(f.dueAt) === T);
    const fireLate = wakeFires.map((f) => f.at - Tmono);
    const perProcessFire = agentResults.map((r) =>
      summarize(
        (r.fires as Array<{ at: number; dueAt: string }>)
          .filter((f) => Date.parse(f.dueAt) === T)
          .map((f) => f.at - Tmono),
      ),
    );
    const baselines = agentResults.flatMap((r) => (r.baselines as number[]).map((b) => b - Tmono));
    const earlyProbes = agentResults.flatMap((r) => (r.earlyProbes as number[]).map((b) => b - Tmono));
    const gcWindowMs = 1500;
    const gcText = agentResults
      .map((r, p) => {
        const pauses = (r.gcs as Array<{ at: number; ms: number; major: boolean }>).filter(
          (g) => g.at + g.ms >= Tmono && g.at < Tmono + gcWindowMs,
        );
        const total = pauses.reduce((n, g) => n + g.ms, 0);
        const firstAt = pauses.length ? `, first at +${(pauses[0]!.at - Tmono).toFixed(1)} ms` : '';
        const longest = Math.max(0, ...pauses.map((g) => g.ms));
        return `agents${p + 1} ${pauses.length} (${pauses.filter((g) => g.major).length} major), ${total.toFixed(1)} ms in all, longest ${longest.toFixed(1)} ms${firstAt}`;
      })
      .join('; ');
    const deliveries = agentResults.flatMap((r) => (r.deliveries as Array<{ at: number }>).map((d) => d.at - Tmono));
    const failureLines = loopFailureLines(
      agentResults.flatMap((r) => r.loopFailures as LoopFailure[]),
      agentResults.flatMap((r) => r.deliveries as Array<{ agent: number; at: number }>),
      rulePostedMono,
      Tmono,
    );
    const firstFire = agentResults.map((r) =>
      Math.min(
        ...(r.fires as Array<{ at: number; dueAt: string }>)
          .filter((f) => Date.parse(f.dueAt) === T)
          .map((f) => f.at - Tmono),
      ),
    );
    const fire = summarize(fireLate);
    const packet = summarize(packetLate);
    // The issue's floor: "the same number of packets" as the fleet puts on loopback, and
    // with two agents per site sending that is every kiosk's packets twice.
    const ratio = packet.p99 / quietFloor2.ms;

    const plansAfter = (timings.plans as Array<{ start: number; end: number; jobs: number }>).filter(
      (p) => p.start >= rulePostedMono,
    );
    const wakeJobs = (
      timings.transitions as Array<{
        at: string;
        action: string;
        start: number;
        end: number;
        counts?: Record<string, number>;
        error?: string;
      }>
    ).filter((t) => Date.parse(t.at) === T && t.action === 'wake');
    const otherJobs = (timings.transitions as Array<{ at: string }>).length - wakeJobs.length;
    const sentKiosks = wakeJobs.reduce((n, t) => n + (t.counts?.sent ?? 0), 0);
    const rel = (v: number) => `${v - Tmono >= 0 ? '+' : ''}${((v - Tmono) / 1000).toFixed(2)} s`;
    const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    const jobDur = summarize(wakeJobs.map((t) => t.end - t.start));
    const cpuLine = (a: { cpu: Record<string, number> }, b: { cpu: Record<string, number> }, digits = 1) =>
      [...Object.keys(pids), 'machine', 'steal', 'kdamond']
        .map((k) => `${k} ${(b.cpu[k]! - a.cpu[k]!).toFixed(digits)}`)
        .join(', ');
    // An empty Summary's NaNs arrive as null over IPC.
    const fmtOrNone = (s: Summary) => (s.n ? fmt(s) : 'none');
    const apiLine = ({ api }: (typeof marks)[number]) =>
      `main thread ${secs(api.mainThreadOnCpuMs)} on a core, ${secs(api.mainThreadWaitingMs)} waiting for one, loop delay ${api.loopDelayP99Ms.toFixed(0)} / ${api.loopDelayMaxMs.toFixed(0)} ms, heartbeat handler ${fmtOrNone(api.heartbeats)}, pool wait ${fmtOrNone(api.poolWaits)} (queue up to ${api.poolQueueMax})`;
    const pollRate = (a: (typeof marks)[number], b: (typeof marks)[number]) =>
      `${Math.round((b.polls.answered - a.polls.answered) / ((b.at - a.at) / 1000))}/s (${b.polls.withCommands - a.polls.withCommands} of ${b.polls.answered - a.polls.answered} with commands)`;

    const [mRule, mLead, mPre, mPost] = marks as [
      (typeof marks)[number],
      (typeof marks)[number],
      (typeof marks)[number],
      (typeof marks)[number],
    ];
    const lines = [
      `fleet: ${KIOSKS} kiosks in ${SITES} sites, ${AGENTS} agents (2 per site in ${AGENT_PROCESSES} processes, pi-1s and pi-2s apart), all due at one instant; Node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), ulimit -n ${limit}`,
      `agent host processes' V8 flags: ${AGENT_HOST_FLAGS.join(' ') || 'none'}`,
      `priorities: ${NICE ? `agents nice ${AGENT_NICE}, their main threads ${AGENT_INSTANT_NICE}${AGENT_PIN ? ' and each on a core of its own' : ''} from T-1 s to T+2 s (their processes' other threads ${HELPER_POLICY === 'idle' ? 'SCHED_IDLE' : '+10'} from T-1 s: ${helperThreadsLine} threads), API/workers +10, databases/receiver 0` : 'all equal (BENCH_NICE=0)'}`,
      `config: ${WORKERS > 0 ? `API (ROLE=api) + ${WORKERS} dispatch workers (ROLE=worker)` : 'API + worker in one process (ROLE=all)'}, API DB_POOL_SIZE ${API_DB_POOL_SIZE ?? 'default (20)'}, DISPATCH_LEAD_S=${LEAD_S}, DISPATCH_LEAD_PER_SITE_MS=${LEAD_PER_SITE_MS}, wake repeat ${REPEAT} x ${INTERVAL_MS} ms, long poll 25 s, heartbeat 30 s; kiosks: ${SITES} UDP sockets on 127.0.0.1 (one per site, MAC in the packet says which kiosk)`,
      `plan after the rule edit: ${plansAfter.length} site plans, ${plansAfter.reduce((n, p) => n + p.jobs, 0)} transition jobs, done ${secs(Math.max(...plansAfter.map((p) => p.end)) - rulePostedMono)} after the POST`,
      `transition jobs at the instant: ${wakeJobs.length} (${wakeJobs.filter((t) => t.error).length} failed, ${otherJobs} other), first started ${rel(Math.min(...wakeJobs.map((t) => t.start)))}, last finished ${rel(Math.max(...wakeJobs.map((t) => t.end)))} (fan-out ${secs(Math.max(...wakeJobs.map((t) => t.end)) - Math.min(...wakeJobs.map((t) => t.start)))}); per job ${fmt(jobDur)}; ${sentKiosks} kiosks sent`,
      `commands at the agents: ${deliveries.length}, first ${rel(Math.min(...deliveries) + Tmono)}, last ${rel(Math.max(...deliveries) + Tmono)}`,
      `GET /commands answered: ${pollRate(mRule, mLead)} before delivery, ${pollRate(mLead, mPre)} from T-${(MAX_LEAD_MS / 1000).toFixed(0)} s to T-1 s, ${pollRate(mPre, mPost)} from T-1 s to T+2 s`,
      `API (event loop delay p99 / max): rule..delivery ${apiLine(mLead)}; delivery..T-1 s ${apiLine(mPre)}; T-1 s..T+2 s ${apiLine(mPost)}`,
      `CPU s, rule..delivery (${secs(mLead.at - mRule.at)}): ${cpuLine(mRule, mLead)}`,
      `CPU s, delivery..T-1s (${secs(mPre.at - mLead.at)}): ${cpuLine(mLead, mPre)}`,
      `CPU s, T-1s..T+2s (3 s): ${cpuLine(mPre, mPost)}`,
      idleLine,
      `the loop before the instant, per agent process: a timer aimed at T-${EARLY_WAKE_MS + 1} ms (1 ms before the agents' instant timer) ran at ${earlyProbes.map((b) => `T${signedMs(b)}`).join(', ')}`,
      `bare setTimeout at the instant, one per agent process (it runs after the agents' commands, whose timer wakes ${EARLY_WAKE_MS} ms early): ${baselines.map((b) => `+${b.toFixed(1)} ms`).join(', ')}`,
      `fire lateness (runner starts the command - instant): ${fmt(fire)}; per process: ${perProcessFire.map((s, p) => `first ${firstFire[p]!.toFixed(1)} ms, p99 ${s.p99.toFixed(1)} ms`).join('; ')}`,
      `the instant's start loop per agent process (first start to last, in one timer callback): ${agentResults
        .map((r) => {
          const loop = (r.fireLoops as Record<string, FireLoop>)[new Date(T).toISOString()];
          return loop ? fireLoopText(loop) : 'not seen';
        })
        .join('; ')}`,
      `from the first start until every wake's first round is out, per agent process: ${agentResults
        .map((r) => {
          const span = (r.firstRoundsOut as Record<string, FireLoop>)[new Date(T).toISOString()];
          return span ? fireLoopText(span) : 'not seen';
        })
        .join('; ')}`,
      `CPU s, T-5 ms..T+${FIRST_ROUNDS_WINDOW_MS} ms: ${cpuAtInstant ? cpuLine(cpuAtInstant[0], cpuAtInstant[1], 2) : 'not read'}`,
      ...schedLines,
      ...failureLines,
      `young generation collected at T-2 s in the agent processes: ${gcBeforeLine}`,
      `garbage-collector pauses in the agent processes from the instant to +${gcWindowMs} ms: ${gcText}`,
      `packet lateness (first valid magic packet at the kiosk - instant): ${fmt(packet)}`,
      `packets at the kiosks: ${fleet.packets} (${fleet.invalid} invalid) for ${KIOSKS} kiosks x ${AGENTS_PER_SITE} agents x ${REPEAT}`,
      `missed (no packet within ${MISSED_AFTER_MS / 1000} s): ${missed}`,
      `floor (one process, sendMagicPackets, repeat ${REPEAT} x ${INTERVAL_MS} ms, same sockets; the last kiosk's first packet, kernel-stamped), before the agents start:`,
      `  the same number of packets as the fleet (${AGENTS_PER_SITE * KIOSKS} targets: every kiosk twice, as its site's two agents send): ${floorText(quietFloor2)}`,
      `  one copy per kiosk (${KIOSKS} targets): ${floorText(quietFloor)}`,
      `  one copy per kiosk after the instant, with the fleet running and reporting: ${floorText(busyFloor)}`,
      `packet p99 / floor (same number of packets): ${ratio.toFixed(2)}x; against one copy per kiosk ${(packet.p99 / quietFloor.ms).toFixed(2)}x (the fleet sends every kiosk its packets twice, once from each agent of its site)`,
      `command ledger on this machine's disk (agents' state dirs are on tmpfs here): record + write before the command runs p50 ${summarize(recordTimes).p50.toFixed(3)} ms, the fdatasync that follows off the event loop p50 ${summarize(syncTimes).p50.toFixed(2)} ms`,
      `target fire p99 < ${TARGET_FIRE_P99_MS} ms: ${fire.p99 < TARGET_FIRE_P99_MS ? 'met' : 'NOT met'}; packet p99 < ${TARGET_PACKET_RATIO}x floor (same number of packets): ${ratio < TARGET_PACKET_RATIO ? 'met' : 'NOT met'}; missed = 0: ${missed === 0 ? 'met' : 'NOT met'}`,
      `run time ${((Date.now() - started) / 1000).toFixed(0)} s`,
    ];
    console.log(lines.join('\n'));
  } finally {
    await cleanup();
  }
  process.exit(0);
}

/**
 * From a perf recording across the instant: time on a core per thread from T to
 * T+SCHED_WINDOW_MS (this bench's processes by name, their threads other than the main
 * one together, the rest by thread name and nice), and each agent process's main
 * thread off its core from just before its instant timer: preempted (runnable, no
 * core), and each span it was blocked, with where.
 */
async function whoHadTheCores(
  sched: { file: string; done: Promise<void>; labels: Map<number, string> },
  Tmono: number,
  agentProcs: Child[],
): Promise<string[]> {
  let events: SchedSwitch[];
  try {
    await sched.done;
    events = await readSchedSwitches(sched.file);
  } catch (err) {
    return [`perf sched: nothing recorded (${(err as Error).message})`];
  } finally {
    if (PERF_SCHED === '1') fs.rmSync(sched.file, { force: true });
  }
  /** Time on a core by thread (by process for this bench's), largest first. */
  const byName = (times: ThreadTime[], top: number) => {
    const ms = new Map<string, number>();
    for (const t of times) {
      const name =
        sched.labels.get(t.tid) ??
        (t.tid === 0 ? 'idle' : `${t.comm}${t.prio === 120 ? '' : ` (nice ${t.prio - 120})`}`);
      ms.set(name, (ms.get(name) ?? 0) + t.ms);
    }
    return [...ms]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, total]) => `${name} ${total.toFixed(1)}`)
      .join(', ');
  };
  const cores = byName(onCpuByThread(events, Tmono, Tmono + SCHED_WINDOW_MS), 10);
  const from = Tmono - EARLY_WAKE_MS - 1;
  const eventsOnCpu = new Map<number, SchedSwitch[]>();
  for (const e of events) {
    if (!eventsOnCpu.has(e.cpu)) eventsOnCpu.set(e.cpu, []);
    eventsOnCpu.get(e.cpu)!.push(e);
  }
  const mains = agentProcs.map((c, p) => {
    const spans = offCpuSpans(events, c.proc.pid!, from, Tmono + SCHED_WINDOW_MS);
    const preemptedSpans = spans.filter((s) => s.state.startsWith('R'));
    const preempted = preemptedSpans.reduce((ms, s) => ms + s.ms, 0);
    // Who had the core it was waiting on: the one it left (it may have moved meanwhile).
    const takers = preemptedSpans.flatMap((s) =>
      onCpuByThread(eventsOnCpu.get(s.cpu) ?? [], Math.max(s.at, from), s.until),
    );
    const blocked = spans
      // Asleep in epoll is idle (waiting for its timer, or done), not blocked.
      .filter((s) => !s.state.startsWith('R') && s.ms >= 0.5 && !s.stack.includes('do_epoll_wait'))
      .map((s) => `${s.ms.toFixed(1)} ms at T${signedMs(s.at - Tmono)} (${s.state}: ${stackSummary(s.stack)})`);
    return `agents${p + 1} preempted ${preempted.toFixed(1)} ms (its core meanwhile: ${byName(takers, 4) || 'nobody'}), blocked ${blocked.length ? blocked.join(', ') : 'never'} (0.5 ms or more, idle in epoll not counted)`;
  });
  return [
    `perf sched, T to T+${SCHED_WINDOW_MS} ms, ms on a core (${os.cpus().length} cores: ${os.cpus().length * SCHED_WINDOW_MS} ms): ${cores}`,
    `perf sched, the agents' main threads off a core from T-${EARLY_WAKE_MS + 1} ms to T+${SCHED_WINDOW_MS} ms: ${mains.join('; ')}`,
  ];
}

/**
 * The agents' failed requests from the rule edit to T+2 s, by loop and cause, and the
 * agents that had no command when the instant came, each with its long poll's failures:
 * a run of failures backs the long poll off to `http.commandsBackoffMaxMs` (10 s), and
 * each poll that times out has already waited 40 s (25 s wait + 15 s timeout).
 */
function loopFailureLines(
  failures: LoopFailure[],
  deliveries: Array<{ agent: number; at: number }>,
  fromMono: number,
  Tmono: number,
): string[] {
  const rel = (v: number) => `${v - Tmono >= 0 ? '+' : ''}${((v - Tmono) / 1000).toFixed(2)} s`;
  const inRun = failures.filter((f) => f.at >= fromMono && f.at <= Tmono + 2000);
  const count = (keyOf: (f: LoopFailure) => string) => {
    const counts = new Map<string, number>();
    for (const f of inRun) counts.set(keyOf(f), (counts.get(keyOf(f)) ?? 0) + 1);
    return [...counts].sort((a, b) => b[1] - a[1]);
  };
  const byLoop = count((f) => f.loop).map(([loop, n]) => {
    const agents = new Set(inRun.filter((f) => f.loop === loop).map((f) => f.agent)).size;
    const longest = Math.max(...inRun.filter((f) => f.loop === loop).map((f) => f.failures));
    return `${loop} ${n} in ${agents} agents (longest run ${longest})`;
  });
  const causes = count((f) => `${f.loop}: ${f.cause}`)
    .slice(0, 6)
    .map(([cause, n]) => `    ${n} x ${cause}`);
  // When: per 10 s before the instant (T-20 s holds failures from T-20 s to T-10 s).
  // Counted in time order, so the buckets come out in time order.
  const buckets = new Map<string, number>();
  for (const f of [...inRun].sort((a, b) => a.at - b.at)) {
    const bucket = `${f.loop} T${Math.floor((f.at - Tmono) / 10_000) * 10} s`;
    buckets.set(bucket, (buckets.get(bucket) ?? 0) + 1);
  }
  const when = [...buckets].map(([bucket, n]) => `${bucket} ${n}`);
  const lines = [
    `agents' failed requests from the rule edit to T+2 s: ${byLoop.join(', ') || 'none'}`,
    ...causes,
    ...(when.length ? [`    by 10 s: ${when.join(', ')}`] : []),
  ];
  const served = new Set(deliveries.filter((d) => d.at < Tmono).map((d) => d.agent));
  const unserved = Array.from({ length: AGENTS }, (_, agent) => agent).filter((a) => !served.has(a));
  lines.push(`agents without a command at the instant: ${unserved.length}`);
  for (const agent of unserved.slice(0, 5)) {
    const own = failures.filter((f) => f.agent === agent && f.loop === 'commands' && f.at >= fromMono);
    const delivered = deliveries.filter((d) => d.agent === agent).map((d) => rel(d.at));
    lines.push(
      `    agent ${agent}: command ${delivered.length ? `at ${delivered.join(', ')}` : 'never'}; long poll failures: ${
        own.map((f) => `${rel(f.at)} ${f.cause} (retry in ${(f.retryInMs / 1000).toFixed(1)} s)`).join('; ') || 'none'
      }`,
    );
  }
  return lines;
}

async function seedFleet(
  db: { query: (sql: string, params?: unknown[]) => Promise<unknown> },
  hashPassword: (p: string) => Promise<string>,
): Promise<{ hospitalId: string; macs: string[]; agents: AgentSpec[]; password: string }> {
  const now = new Date();
  const hospitalId = randomUUID();
  await db.query(
    `INSERT INTO hospitals (id, code, name, created_at, updated_at) VALUES (?, 'BENCH', 'Bench hospital', ?, ?)`,
    [hospitalId, now, now],
  );
  const siteIds = Array.from({ length: SITES }, () => randomUUID());
  const insert = async (table: string, columns: string[], rows: unknown[][]) => {
    for (let i = 0; i < rows.length; i += 1000) {
      const chunk = rows.slice(i, i + 1000);
      const one = `(${columns.map(() => '?').join(', ')})`;
      await db.query(
        `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${chunk.map(() => one).join(', ')}`,
        chunk.flat(),
      );
    }
  };
  await insert(
    'sites',
    ['id', 'hospital_id', 'name', 'time_zone', 'created_at', 'updated_at'],
    siteIds.map((id, s) => [id, hospitalId, `Site ${s + 1}`, ZONE, now, now]),
  );
  const macs: string[] = [];
  const kioskIds: string[] = [];
  const kioskRows: unknown[][] = [];
  for (let k = 0; k < KIOSKS; k++) {
    const id = randomUUID();
    const mac = KioskSimulator.macFor(k);
    macs.push(mac);
    kioskIds.push(id);
    const s = Math.floor(k / KIOSKS_PER_SITE);
    // No IP and no subnet: nothing in the database names a real network.
    kioskRows.push([
      id,
      hospitalId,
      siteIds[s],
      `S${s + 1}-K${(k % KIOSKS_PER_SITE) + 1}`,
      `Kiosk ${k + 1}`,
      'registration',
      '',
      null,
      mac,
      null,
      5900,
      null,
      now,
      now,
    ]);
  }
  await insert(
    'kiosks',
    [
      'id',
      'hospital_id',
      'site_id',
      'code',
      'name',
      'kind',
      'location',
      'ip',
      'mac',
      'subnet',
      'vnc_port',
      'shutdown_method',
      'created_at',
      'updated_at',
    ],
    kioskRows,
  );
  const suffix = randomBytes(6).toString('hex');
  const agents: AgentSpec[] = [];
  const agentRows: unknown[][] = [];
  for (let s = 0; s < SITES; s++) {
    for (let p = 0; p < AGENTS_PER_SITE; p++) {
      const index = s * AGENTS_PER_SITE + p;
      const token = `bench-${suffix}-${index}`;
      const name = `pi-${p + 1}`;
      agents.push({
        index,
        name,
        token,
        site: s,
        kioskIds: kioskIds.slice(s * KIOSKS_PER_SITE, (s + 1) * KIOSKS_PER_SITE),
      });
      agentRows.push([
        randomUUID(),
        siteIds[s],
        name,
        '',
        '[]',
        createHash('sha256').update(token, 'utf8').digest('hex'),
        now,
        now,
      ]);
    }
  }
  await insert(
    'agents',
    ['id', 'site_id', 'name', 'location', 'subnets', 'token_hash', 'created_at', 'updated_at'],
    agentRows,
  );
  const password = randomBytes(12).toString('base64url');
  await db.query(
    `INSERT INTO users (id, username, display_name, password_hash, role, disabled, created_at, updated_at) VALUES (?, 'bench-ops', 'Bench', ?, 'ops', 0, ?, ?)`,
    [randomUUID(), await hashPassword(password), now, now],
  );
  return { hospitalId, macs, agents, password };
}

const role = process.argv[2];
const run = role === 'server' ? serverRole : role === 'agents' ? agentsRole : role === 'floor' ? floorRole : main;
run().catch((err) => {
  const cause = (err as Error).cause as Error | undefined;
  console.error(`${role ?? 'main'}: ${(err as Error).stack ?? err}${cause ? `\ncause: ${cause.stack ?? cause}` : ''}`);
  process.exit(1);
});
