/**
 * What one agent request costs the API (PROTOCOL.md "Heartbeat"; every call passes
 * the token guard).
 *
 *   npx tsx bench/agent-requests.ts            (BENCH_AGENTS=500, BENCH_SECONDS=4)
 *
 * Why: in bench/dispatch-fleet.ts, 5,000 agents against one API process on 2 cores
 * kept the API's main thread on a core or waiting for one most of the time, and its
 * MySQL pool queue thousands deep (heartbeats answered in seconds, some after the
 * agents' 15 s timeout). The API's CPU per request is what decides how many agents one
 * API process carries.
 *
 * The API runs in a child process (bench/lib/api-child.ts: built with tsc, its own
 * MySQL database and Redis prefix). BENCH_AGENTS enrolled agents, each a keep-alive
 * node:http client on 127.0.0.1, send requests one after another (closed loop) for
 * BENCH_SECONDS, after a one-second warm-up; the kinds alternate, twice each:
 *   - GET /healthz: no token, no database; the framework's own cost, the baseline;
 *   - POST /api/agent/v1/heartbeat: the token guard, then the heartbeat's write;
 *   - GET /api/agent/v1/commands?wait=0: the token guard, then the long poll's Redis
 *     reads and writes, without the wait.
 * Printed per kind: requests per second, the API process's CPU per request (its
 * process.cpuUsage over the run), latency p50 / p99, and each kind / healthz as a ratio.
 */
import { execSync } from 'node:child_process';
import http from 'node:http';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { forkApiChild, isApiChild, serveApiChild } from './lib/api-child';
import { seedAgents } from './lib/seed-agents';
import { summarize, type Summary } from './lib/stats';

const AGENTS = Number(process.env.BENCH_AGENTS ?? 500);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const ROUNDS = 2;
const tokenOf = (i: number) => `bench-token-${i}`;

type Ask = { type: 'cpu' };

if (isApiChild()) void serveApiChild<Ask>({ start: apiChild });
else void main();

async function apiChild(api: { db: { query: (sql: string, params?: unknown[]) => Promise<unknown> } }) {
  await seedAgents(api.db, AGENTS, tokenOf);
  return () => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
  };
}

interface Kind {
  name: string;
  method: string;
  path: string;
  auth: boolean;
  body?: () => unknown;
}

const KINDS: Kind[] = [
  { name: 'GET /healthz', method: 'GET', path: '/healthz', auth: false },
  {
    name: 'POST heartbeat',
    method: 'POST',
    path: '/api/agent/v1/heartbeat',
    auth: true,
    body: () => ({ version: '1.0.0', uptimeS: 100, time: new Date().toISOString(), buffered: 0 }),
  },
  // The long poll's own work (pending commands from Redis, marked delivered) without its wait.
  { name: 'GET commands?wait=0', method: 'GET', path: '/api/agent/v1/commands?wait=0', auth: true },
];

interface Round {
  requests: number;
  errors: number;
  cpuMsPerRequest: number;
  latency: Summary;
  seconds: number;
}

async function main() {
  const limit = Number(execSync('ulimit -n', { shell: '/bin/bash' }).toString().trim());
  if (limit < AGENTS * 2 + 500) {
    console.error(
      `ulimit -n is ${limit}: ${AGENTS} agents need about ${AGENTS * 2 + 500} descriptors. Raise it or set BENCH_AGENTS.`,
    );
    process.exit(1);
  }
  const api = await forkApiChild<Ask>(__filename);
  try {
    const url = new URL(api.url);
    const sockets = Array.from({ length: AGENTS }, () => new http.Agent({ keepAlive: true, maxSockets: 1 }));
    const request = (agent: number, kind: Kind) =>
      new Promise<number>((resolve, reject) => {
        const payload = kind.body ? JSON.stringify(kind.body()) : undefined;
        const req = http.request(
          {
            host: url.hostname,
            port: url.port,
            method: kind.method,
            path: kind.path,
            agent: sockets[agent],
            headers: {
              ...(kind.auth && { authorization: `Bearer ${tokenOf(agent)}` }),
              ...(payload && { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
            },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', reject);
        req.end(payload);
      });

    /** Every agent sends `kind` back to back until `untilMs`; latencies of the measured part. */
    const run = async (kind: Kind, ms: number, measure: boolean): Promise<Round> => {
      const latencies: number[] = [];
      let errors = 0;
      const cpu0 = await api.ask<number>({ type: 'cpu' });
      const start = performance.now();
      const until = start + ms;
      await Promise.all(
        sockets.map(async (_, agent) => {
          while (performance.now() < until) {
            const sent = performance.now();
            const status = await request(agent, kind).catch(() => 0);
            if (status < 200 || status >= 300) errors++;
            latencies.push(performance.now() - sent);
          }
        }),
      );
      const seconds = (performance.now() - start) / 1000;
      const cpu1 = await api.ask<number>({ type: 'cpu' });
      if (measure && errors) console.log(`  ${kind.name}: ${errors} requests failed`);
      return {
        requests: latencies.length,
        errors,
        cpuMsPerRequest: (cpu1 - cpu0) / latencies.length,
        latency: summarize(latencies),
        seconds,
      };
    };

    console.log(
      `${AGENTS} agents, ${SECONDS} s per round, ${ROUNDS} rounds per kind alternated; Node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model.trim()})`,
    );
    const rounds = new Map<string, Round[]>(KINDS.map((k) => [k.name, []]));
    for (const kind of KINDS) await run(kind, 1000, false); // warm-up: connections, JIT
    for (let r = 0; r < ROUNDS; r++)
      for (const kind of KINDS) rounds.get(kind.name)!.push(await run(kind, SECONDS * 1000, true));

    const cpuOf = (name: string) => Math.min(...rounds.get(name)!.map((r) => r.cpuMsPerRequest));
    for (const kind of KINDS) {
      for (const r of rounds.get(kind.name)!)
        console.log(
          `${kind.name.padEnd(20)} ${(r.requests / r.seconds).toFixed(0).padStart(6)}/s, API CPU ${(r.cpuMsPerRequest * 1000).toFixed(0).padStart(5)} µs per request, latency p50 ${r.latency.p50.toFixed(1)} ms, p99 ${r.latency.p99.toFixed(1)} ms${r.errors ? `, ${r.errors} failed` : ''}`,
        );
    }
    const [baseline, ...others] = KINDS;
    for (const kind of others)
      console.log(
        `${kind.name} / ${baseline!.name}, API CPU per request (best round of each): ${(cpuOf(kind.name) / cpuOf(baseline!.name)).toFixed(2)}x`,
      );
    for (const s of sockets) s.destroy();
  } finally {
    await api.stop();
  }
}
