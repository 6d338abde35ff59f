/**
 * Agent long-poll benchmark for the API (PROTOCOL.md "Commands").
 *
 *   npx tsx bench/agent-longpoll.ts            (BENCH_AGENTS=2000 by default)
 *
 * Builds the API (tsc -b apps/api) and runs it in a child process on its own MySQL
 * database and Redis prefix, like the tests. 2,000 simulated agents (plain
 * node:http clients, one keep-alive socket each, all on 127.0.0.1) long-poll
 * `GET /commands?wait=25` and report each command's result, as real agents do. The
 * parent asks the child over IPC to enqueue commands through AgentCommandsService
 * and measures, per command, the time from asking to the agent's receipt
 * (performance.now() in the parent, so the clocks agree). Measured in the same run:
 *   - baseline: one agent polling alone, 50 commands one after another;
 *   - steady: 2,000 agents waiting, one command per agent at 200 commands/s;
 *   - bursts: 200 commands in one enqueueMany (a hospital-wide transition), three times;
 *   - stress: one command for every agent in one enqueueMany (2,000);
 *   - 200 separate enqueue() calls at once (one transaction each), for comparison.
 * Memory: the API process's RSS before the agents connect and with all waiting.
 */
import { execSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { API_DIST, forkApiChild, isApiChild, serveApiChild } from './lib/api-child';
import { seedAgents } from './lib/seed-agents';

const AGENTS = Number(process.env.BENCH_AGENTS ?? 2000);
const STEADY_RATE = 200; // commands per second
const BURST = 200;
const TARGET_P99_MS = 200;
const ROOT = resolve(__dirname, '..');
const tokenOf = (i: number) => `bench-token-${i}`;

type ToServer =
  | { type: 'enqueue'; agentIndex: number; marker: string }
  | { type: 'enqueueMany'; agentIndexes: number[]; markers: string[] }
  | { type: 'stats' };
interface Stats {
  rss: number;
  waitingAgents: number;
}

if (isApiChild()) void server();
else void main();

// ---------------------------------------------------------------- the API process

async function server() {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { AgentCommandsService } = require(join(API_DIST, 'agent-commands/agent-commands.service.js'));
  const { CommandNotifier } = require(join(API_DIST, 'agent-commands/command-notifier.js'));
  /* eslint-enable @typescript-eslint/no-require-imports */
  await serveApiChild<ToServer>({
    async start(api) {
      const agentIds = await seedAgents(api.db, AGENTS, tokenOf);
      const commands = api.app.get(AgentCommandsService);
      const notifier = api.app.get(CommandNotifier);
      const command = (marker: string) => ({
        type: 'probe',
        dueAt: new Date(),
        expiresAt: new Date(Date.now() + 120_000),
        targets: [{ kioskId: marker, mac: '00:1a:2b:3c:4d:5e', ip: '127.0.0.1' }],
      });
      return async (m): Promise<Stats | void> => {
        if (m.type === 'enqueue') {
          await commands.enqueue(agentIds[m.agentIndex], command(m.marker));
        } else if (m.type === 'enqueueMany') {
          await commands.enqueueMany(m.agentIndexes.map((i, k) => ({ agentId: agentIds[i], command: command(m.markers[k]) })));
        } else {
          return { rss: process.memoryUsage().rss, waitingAgents: notifier.waitingAgents };
        }
      };
    },
  });
}

// ---------------------------------------------------------------- the agents

interface Sim {
  index: number;
  http: http.Agent;
  active: boolean;
}

async function main() {
  const limit = Number(execSync('ulimit -n', { shell: '/bin/bash' }).toString().trim());
  if (limit < AGENTS * 2 + 500) {
    console.error(`ulimit -n is ${limit}: ${AGENTS} agents need about ${AGENTS * 2 + 500} descriptors (both ends of each socket). Raise it or set BENCH_AGENTS.`);
    process.exit(1);
  }
  const api = await forkApiChild<ToServer>(__filename);
  const url = new URL(api.url);
  const stats = () => api.ask<Stats>({ type: 'stats' });

  const sentAt = new Map<string, number>();
  const received = new Map<string, () => void>();
  let latencies: number[] = [];
  let errors = 0;

  const request = (sim: Sim, method: string, path: string, body?: unknown) =>
    new Promise<{ status: number; body: string }>((resolveReq, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = http.request(
        {
          host: url.hostname,
          port: url.port,
          method,
          path: `/api/agent/v1${path}`,
          agent: sim.http,
          headers: { authorization: `Bearer ${tokenOf(sim.index)}`, ...(payload && { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolveReq({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        },
      );
      req.on('error', reject);
      req.end(payload);
    });

  const run = async (sim: Sim) => {
    while (sim.active) {
      try {
        const res = await request(sim, 'GET', '/commands?wait=25');
        if (res.status !== 200) throw new Error(`poll ${res.status} ${res.body}`);
        const at = performance.now();
        const { commands } = JSON.parse(res.body) as { commands: Array<{ id: string; targets: Array<{ kioskId: string }> }> };
        for (const c of commands) {
          const marker = c.targets[0].kioskId;
          const t0 = sentAt.get(marker);
          if (t0 !== undefined) {
            latencies.push(at - t0);
            sentAt.delete(marker);
            received.get(marker)?.();
          }
        }
        for (const c of commands) {
          const now = new Date().toISOString();
          await request(sim, 'POST', `/commands/${c.id}/result`, { status: 'done', startedAt: now, finishedAt: now, targets: [] });
        }
      } catch (err) {
        errors++;
        if (errors < 5) console.error(`agent ${sim.index}: ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };

  let markerSeq = 0;
  const enqueue = (agentIndex: number) => {
    const marker = `bench-${markerSeq++}`;
    const done = new Promise<void>((r) => received.set(marker, r));
    sentAt.set(marker, performance.now());
    void api.ask({ type: 'enqueue', agentIndex, marker });
    return done.then(() => received.delete(marker));
  };
  /** One transition fanned out to many agents: one enqueueMany call (one transaction, one Redis MULTI). */
  const enqueueMany = (agentIndexes: number[]) => {
    const markers = agentIndexes.map(() => `bench-${markerSeq++}`);
    const done = markers.map((marker) => new Promise<void>((r) => received.set(marker, r)).then(() => received.delete(marker)));
    const t0 = performance.now();
    for (const marker of markers) sentAt.set(marker, t0);
    void api.ask({ type: 'enqueueMany', agentIndexes, markers });
    return Promise.all(done);
  };
  const waitUntilWaiting = async (n: number) => {
    for (;;) {
      const s = await stats();
      if (s.waitingAgents >= n) return s;
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const measure = async (fn: () => Promise<unknown>) => {
    latencies = [];
    await fn();
    return summarize(latencies);
  };

  const sims: Sim[] = Array.from({ length: AGENTS }, (_, index) => ({
    index,
    http: new http.Agent({ keepAlive: true, maxSockets: 1 }),
    active: true,
  }));

  // Baseline: one agent alone.
  const idle = await stats();
  void run(sims[0]);
  await waitUntilWaiting(1);
  const baseline = await measure(async () => {
    for (let i = 0; i < 50; i++) {
      await enqueue(0);
      await waitUntilWaiting(1);
    }
  });

  // Everyone polls.
  const connectStart = performance.now();
  for (const sim of sims.slice(1)) void run(sim);
  const loaded = await waitUntilWaiting(AGENTS);
  const connectMs = performance.now() - connectStart;

  const order = shuffled(AGENTS);
  const steady = await measure(async () => {
    const pending: Promise<unknown>[] = [];
    const start = performance.now();
    for (let i = 0; i < order.length; i++) {
      const due = start + (i * 1000) / STEADY_RATE;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      pending.push(enqueue(order[i]));
    }
    await Promise.all(pending);
  });
  await waitUntilWaiting(AGENTS);

  const bursts: number[] = [];
  for (let round = 0; round < 3; round++) {
    const r = await measure(() => enqueueMany(order.slice(round * BURST, (round + 1) * BURST)));
    bursts.push(...r.raw);
    await waitUntilWaiting(AGENTS);
  }
  const burst = summarize(bursts);
  const stress = await measure(() => enqueueMany(order));
  await waitUntilWaiting(AGENTS);
  // The same burst as separate enqueue() calls: one transaction each, to show what batching saves.
  const separate = await measure(() => Promise.all(order.slice(0, BURST).map(enqueue)));
  const after = await waitUntilWaiting(AGENTS);

  for (const sim of sims) sim.active = false;
  await api.stop();
  for (const sim of sims) sim.http.destroy();

  const mb = (b: number) => `${(b / 1_048_576).toFixed(0)} MB`;
  const line = (name: string, s: Summary) =>
    `${name}: n=${s.n} p50 ${s.p50.toFixed(1)} ms, p99 ${s.p99.toFixed(1)} ms, max ${s.max.toFixed(1)} ms`;
  const lines = [
    `agents: ${AGENTS} long-polling GET /commands?wait=25 on one API process (Node ${process.version}, ${cpus().length} cores, ulimit -n ${limit})`,
    `connect: all ${AGENTS} polls waiting after ${(connectMs / 1000).toFixed(1)} s`,
    line('baseline (1 agent alone, sequential)', baseline),
    line(`steady (${AGENTS} waiting, ${STEADY_RATE} commands/s)`, steady),
    line(`bursts (${BURST} agents in one enqueueMany, x3)`, burst),
    line(`stress (all ${AGENTS} agents in one enqueueMany)`, stress),
    line(`${BURST} separate enqueue() calls at once`, separate),
    `API RSS: ${mb(idle.rss)} before agents, ${mb(loaded.rss)} with ${AGENTS} waiting, ${mb(after.rss)} at the end; bench process RSS ${mb(process.memoryUsage().rss)}`,
    `errors: ${errors}`,
    `target: steady p99 < ${TARGET_P99_MS} ms -> ${steady.p99 < TARGET_P99_MS ? 'met' : 'NOT met'}`,
  ];
  console.log(lines.join('\n'));
  writeReadme(lines);
  process.exit(0);

  function shuffled(n: number): number[] {
    let seed = 20260126;
    const random = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
    };
    const a = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [a[i], a[j]] = [a[j], a[i]];
    }
    return a;
  }

}

interface Summary {
  n: number;
  p50: number;
  p99: number;
  max: number;
  raw: number[];
}

function summarize(values: number[]): Summary {
  const s = [...values].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)] ?? NaN;
  return { n: s.length, p50: q(0.5), p99: q(0.99), max: s[s.length - 1] ?? NaN, raw: values };
}

/** Replaces this benchmark's section of bench/README.md (or appends it), leaving the others alone. */
function writeReadme(lines: string[]) {
  const file = join(ROOT, 'bench/README.md');
  const intro = '# Benchmarks\n\nOne script per benchmark; the latest figures are kept here.\n';
  const current = existsSync(file) ? readFileSync(file, 'utf8') : intro;
  const section = [
    '## Agent long-poll',
    '',
    '`npx tsx bench/agent-longpoll.ts`: one API process (built with tsc, run as a child',
    'process on its own MySQL database and Redis prefix) and 2,000 simulated agents on',
    '127.0.0.1, each a node:http client with one keep-alive socket, long-polling',
    '`GET /api/agent/v1/commands?wait=25` and posting each result as a real agent does.',
    'Latency is from asking the API process (IPC) to enqueue a command through',
    '`AgentCommandsService.enqueue` (MySQL insert, Redis MULTI + PUBLISH) until the',
    'agent has the response. Baseline: one agent polling alone. Target: steady p99 < 200 ms.',
    `Measured ${new Date().toISOString().slice(0, 10)} on the 2-core dev VM, agents and API on the same cores:`,
    '',
    '```',
    ...lines,
    '```',
    '',
  ].join('\n');
  const start = current.indexOf('## Agent long-poll');
  let updated: string;
  if (start === -1) updated = `${current.trimEnd()}\n\n${section}`;
  else {
    const end = current.indexOf('\n## ', start + 1);
    updated = current.slice(0, start) + section + (end === -1 ? '' : `\n${current.slice(end + 1)}`);
  }
  writeFileSync(file, updated);
}
