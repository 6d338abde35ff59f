/**
 * Telemetry ingest benchmark (PROTOCOL.md "Readings", apps/api/src/telemetry/README.md).
 *
 *   npx tsx bench/telemetry-ingest.ts     (BENCH_AGENTS=1000 BENCH_BATCH=200 BENCH_CONCURRENCY=16 BENCH_SECONDS=20)
 *
 * Builds the API (tsc -b apps/api) and runs it in a child process (ROLE=api) on
 * its own MySQL database and Redis prefix, with 1,000 enrolled agents. The parent
 * plays the agents on 127.0.0.1: each request is one agent's batch of readings
 * (POST /api/agent/v1/readings), BENCH_CONCURRENCY requests in flight, agents in
 * turn, for BENCH_SECONDS. Then, in the same run, the same rows are inserted
 * straight into the emptied table with the mysql client's multi-row INSERT IGNORE
 * (same batch size and concurrency): the baseline. Prints readings/s for both,
 * their ratio and the request latencies. Targets: >= 20,000 readings/s, p99 < 200 ms.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { forkApiChild, isApiChild, serveApiChild } from './lib/api-child';

const AGENTS = Number(process.env.BENCH_AGENTS ?? 1000);
const BATCH = Number(process.env.BENCH_BATCH ?? 200);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const TARGET_RATE = 20_000;
const TARGET_P99_MS = 200;
const tokenOf = (i: number) => `bench-token-${i}`;

if (isApiChild()) void serveApiChild({ start: (api) => seed(api.db) });
else void main();

async function seed(db: { query: (sql: string, params?: unknown[]) => Promise<unknown> }) {
  const now = new Date();
  const uuid = (n: number, kind: number) => `00000000-0000-4000-8${kind}00-${n.toString(16).padStart(12, '0')}`;
  const hospital = uuid(1, 1);
  await db.query(`INSERT INTO hospitals (id, code, name, created_at, updated_at) VALUES (?, 'BENCH', 'Bench hospital', ?, ?)`, [hospital, now, now]);
  const sites = Array.from({ length: 50 }, (_, i) => uuid(i + 1, 2));
  for (const [i, site] of sites.entries()) {
    await db.query(`INSERT INTO sites (id, hospital_id, name, time_zone, created_at, updated_at) VALUES (?, ?, ?, 'Asia/Shanghai', ?, ?)`, [site, hospital, `Site ${i}`, now, now]);
  }
  for (let i = 0; i < AGENTS; i += 500) {
    const n = Math.min(500, AGENTS - i);
    await db.query(
      `INSERT INTO agents (id, site_id, name, location, subnets, token_hash, created_at, updated_at) VALUES ${Array.from({ length: n }, () => `(?, ?, ?, '', '[]', ?, ?, ?)`).join(', ')}`,
      Array.from({ length: n }, (_, j) => [uuid(i + j + 1, 3), sites[(i + j) % sites.length], `pi-${i + j}`, createHash('sha256').update(tokenOf(i + j)).digest('hex'), now, now]).flat(),
    );
  }
}

interface Reading {
  seq: number;
  at: string;
  temperatureC: number;
  humidityPct: number;
  smokeRaw: number;
  smokeAlarm: boolean;
}

/** Batch k of agent i: BATCH readings one minute apart (an agent catching up), deterministic values. */
function batchOf(agent: number, k: number, start: number): Reading[] {
  return Array.from({ length: BATCH }, (_, j) => {
    const n = k * BATCH + j;
    return {
      seq: n + 1,
      // Within the last 25 days, as the API accepts (it refuses readings past the raw retention or in the future).
      at: new Date(start + (n % (24 * 1440)) * 60_000).toISOString(),
      temperatureC: 20 + ((agent * 7 + n) % 100) / 10,
      humidityPct: 30 + ((agent * 3 + n) % 400) / 10,
      smokeRaw: 200 + ((agent + n) % 300),
      smokeAlarm: false,
    };
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
}

async function main() {
  const api = await forkApiChild(__filename);
  const url = new URL(api.url);
  const keepAlive = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const start = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 25 * 86_400_000;
  const sent: Array<{ agent: number; k: number }> = [];

  const post = (agent: number, body: string) =>
    new Promise<number>((res, rej) => {
      const req = http.request(
        {
          host: url.hostname,
          port: url.port,
          path: '/api/agent/v1/readings',
          method: 'POST',
          agent: keepAlive,
          headers: { authorization: `Bearer ${tokenOf(agent)}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (r) => {
          r.resume();
          r.on('end', () => res(r.statusCode ?? 0));
        },
      );
      req.on('error', rej);
      req.end(body);
    });

  // Warm-up: one batch for 50 agents (JIT, connection pools), not counted.
  for (let a = 0; a < 50; a++) await post(a, JSON.stringify({ readings: batchOf(a, 0, start) }));
  const nextK = new Array(AGENTS).fill(0);
  for (let a = 0; a < 50; a++) nextK[a] = 1;

  console.log(`HTTP: ${AGENTS} agents, ${BATCH} readings a request, ${CONCURRENCY} requests in flight, ${SECONDS} s ...`);
  const latencies: number[] = [];
  let errors = 0;
  let cursor = 0;
  const t0 = performance.now();
  const deadline = t0 + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < deadline) {
        const agent = cursor++ % AGENTS;
        const k = nextK[agent]++;
        const body = JSON.stringify({ readings: batchOf(agent, k, start) });
        const s = performance.now();
        const status = await post(agent, body);
        latencies.push(performance.now() - s);
        if (status !== 200) errors++;
        else sent.push({ agent, k });
      }
    }),
  );
  const httpSeconds = (performance.now() - t0) / 1000;
  const httpRate = (sent.length * BATCH) / httpSeconds;
  latencies.sort((a, b) => a - b);

  // Baseline: the same rows, straight into the emptied table with multi-row INSERT IGNORE.
  /* eslint-disable-next-line @typescript-eslint/no-require-imports */
  const mysql = require('mysql2/promise');
  const pool = mysql.createPool({ ...api.db, connectionLimit: CONCURRENCY, timezone: 'Z' });
  const [[{ n: storedByHttp }]] = await pool.query('SELECT COUNT(*) AS n FROM readings');
  await pool.query('TRUNCATE TABLE readings');
  const uuid = (n: number) => `00000000-0000-4000-8300-${n.toString(16).padStart(12, '0')}`;
  console.log(`baseline: the same ${sent.length * BATCH} rows with the mysql client's multi-row INSERT ...`);
  const direct: number[] = [];
  let next = 0;
  const d0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < sent.length) {
        const { agent, k } = sent[next++];
        const rows = batchOf(agent, k, start);
        const receivedAt = new Date();
        const s = performance.now();
        await pool.query(
          `INSERT IGNORE INTO readings (agent_id, seq, at, temperature_c, humidity_pct, smoke_raw, smoke_alarm, received_at) VALUES ${rows.map(() => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
          rows.flatMap((r) => [uuid(agent + 1), r.seq, new Date(r.at), r.temperatureC.toFixed(2), r.humidityPct.toFixed(2), r.smokeRaw, 0, receivedAt]),
        );
        direct.push(performance.now() - s);
      }
    }),
  );
  const directSeconds = (performance.now() - d0) / 1000;
  const directRate = (sent.length * BATCH) / directSeconds;
  direct.sort((a, b) => a - b);
  await pool.end();

  const fmt = (a: number[]) => `p50 ${percentile(a, 50).toFixed(1)} ms, p99 ${percentile(a, 99).toFixed(1)} ms, max ${a[a.length - 1].toFixed(1)} ms`;
  console.log('');
  console.log(`machine: ${cpus().length} cores, Node ${process.version}; API, MariaDB and the load generator share them`);
  console.log(`HTTP ingest:  ${sent.length} requests (${sent.length * BATCH} readings) in ${httpSeconds.toFixed(1)} s = ${Math.round(httpRate)} readings/s; latency ${fmt(latencies)}; errors ${errors}; rows stored ${storedByHttp}`);
  console.log(`direct INSERT: ${sent.length} statements in ${directSeconds.toFixed(1)} s = ${Math.round(directRate)} readings/s; latency ${fmt(direct)}`);
  console.log(`ratio HTTP / direct: ${(httpRate / directRate).toFixed(2)}`);
  console.log(`target >= ${TARGET_RATE} readings/s: ${httpRate >= TARGET_RATE ? 'met' : 'missed'}; target p99 < ${TARGET_P99_MS} ms: ${percentile(latencies, 99) < TARGET_P99_MS ? 'met' : 'missed'}`);
  await api.stop();
  keepAlive.destroy();
}
