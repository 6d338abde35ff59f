/**
 * A hospital's leased line cut for 72 hours while the Pi keeps measuring
 * (DESIGN.md "Agents", PROTOCOL.md "Readings"; issue 25).
 *
 *   npx tsx bench/line-cut.ts     (BENCH_READINGS=4320 BENCH_INTERVAL_MS=20)
 *
 * The built API runs in a child process (ROLE=api, its own database and Redis
 * prefix). A real agent process (apps/pi-agent, simulated sensors, its default
 * HTTP timeouts and back-off) talks to it through a TCP proxy on loopback that
 * stands for the line. 72 h at one reading a minute is 4,320 readings; the agent
 * takes them at one per BENCH_INTERVAL_MS instead, with the line cut, then the line
 * returns. Measured in the same run:
 *  - baseline: with the line up, how long a reading takes from being taken to being stored;
 *  - the buffer's size on disk once it holds the 4,320 readings;
 *  - catch-up: from the line's return until the last of them is stored (split into
 *    the agent noticing the line is back, and the transfer itself).
 * Checks (exit code 1 if one fails): every reading taken arrives exactly once (no
 * gap, no duplicate seq), in the order taken (seq, `at` and arrival agree), none dropped.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestApi } from '../apps/api/testing/test-app';
import { API_DIST, forkApiChild, isApiChild, serveApiChild } from './lib/api-child';

// The compiled test kits (tsc -b apps/api/tsconfig.testing.json, which forkApiChild runs): the sources reach NestJS's decorators, which tsx does not compile.
/* eslint-disable @typescript-eslint/no-require-imports */
const distKit = <T>(file: string): T => require(join(API_DIST, '../testing', file)) as T;

const ROOT = resolve(__dirname, '..');
const AGENT_MAIN = join(ROOT, 'apps/pi-agent/src/main.ts');
const READINGS = Number(process.env.BENCH_READINGS ?? 4320);
const INTERVAL_MS = Number(process.env.BENCH_INTERVAL_MS ?? 20);
/** The agent's back-off ceiling (60 s) to notice the line, plus as long again to send what it holds. */
const BOUND_MS = 120_000;

type Ask = { kind: 'site' } | { kind: 'readings'; afterSeq: number };
type Row = [seq: number, atMs: number, receivedMs: number];

if (isApiChild()) {
  void serveApiChild<Ask>({
    overrides: { AGENT_READING_INTERVAL_S: String(INTERVAL_MS / 1000) },
    async start(api: TestApi) {
      const { seedTwoHospitals } = distKit<typeof import('../apps/api/testing/fixtures')>('fixtures.js');
      const ids = await seedTwoHospitals(api.db);
      return async (ask: Ask) => {
        if (ask.kind === 'site') return ids.siteA;
        const rows = await api.db.query('SELECT seq, at, received_at FROM readings WHERE seq > ? ORDER BY seq', [ask.afterSeq]);
        return rows.map((r: { seq: string; at: Date; received_at: Date }) => [Number(r.seq), r.at.getTime(), r.received_at.getTime()] as Row);
      };
    },
  });
} else {
  void main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}

async function main() {
  const api = await forkApiChild<Ask>(__filename);
  const { LineCutProxy } = distKit<typeof import('../apps/api/testing/line-cut-proxy')>('line-cut-proxy.js');
  const { Client } = distKit<typeof import('../apps/api/testing/test-app')>('test-app.js');
  const proxy = new LineCutProxy(Number(new URL(api.url).port));
  let agent: ChildProcess | undefined;
  const stateDir = mkdtempSync(join(tmpdir(), 'wk-line-cut-'));
  const problems: string[] = [];
  try {
    await proxy.start();
    const ops = new Client(api.url);
    const login = await ops.post('/api/auth/login', { username: 'ops', password: 'test-password-1' });
    ops.cookie = login.headers.get('set-cookie')!.split(';')[0];
    const siteId = await api.ask<string>({ kind: 'site' });
    // A real agent (apps/pi-agent) with its own HTTP defaults (15 s timeout, back-off up to 60 s): the catch-up is what a Pi in the field would do.
    const configFile = join(stateDir, 'agent.json');
    writeFileSync(configFile, JSON.stringify({ name: 'pi-line', logLevel: 'warn', subnets: ['127.0.0.0/8'], sensors: { kind: 'simulated' }, readings: { intervalS: INTERVAL_MS / 1000 } }));
    const env = { ...process.env, WAKEWARD_CONFIG: configFile, WAKEWARD_API_URL: proxy.url, WAKEWARD_STATE_DIR: stateDir };
    const code = (await ops.post(`/api/sites/${siteId}/enrolment-codes`)).body.code as string;
    // Not execFileSync: the line (the proxy) runs on this process's event loop.
    const enrol = spawn(process.execPath, ['--import', 'tsx', AGENT_MAIN, 'enroll', '--code', code], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'inherit'] });
    const enrolled = await new Promise<number | null>((r) => enrol.once('exit', r));
    if (enrolled !== 0) throw new Error(`the agent could not enrol (exit ${enrolled})`);
    agent = spawn(process.execPath, ['--import', 'tsx', AGENT_MAIN, 'run'], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'inherit'] });
    const readings = (afterSeq = 0) => api.ask<Row[]>({ kind: 'readings', afterSeq });

    // Baseline: the line up for 10 s.
    await waitFor(async () => (await readings()).length > 0, 60_000);
    await sleep(10_000);
    const live = await readings();
    const liveLatency = live.slice(-200).map(([, at, received]) => received - at);

    // The cut: until the agent holds READINGS readings taken since. What was in
    // flight when the line went is stored already or will be resent: count from the
    // last reading stored once the line is down.
    await proxy.cut();
    const cutAt = Date.now();
    await sleep(1000);
    const beforeCut = await readings(live[live.length - 1]![0] - 1);
    const lastLiveSeq = beforeCut[beforeCut.length - 1]![0];
    const log = join(stateDir, 'buffer', 'readings.log');
    let lastTaken = 0;
    await waitFor(async () => {
      lastTaken = lastSeqIn(log);
      return lastTaken - lastLiveSeq >= READINGS;
    }, READINGS * INTERVAL_MS * 5 + 60_000, 100);
    const heldMs = Date.now() - cutAt;
    const bufferBytes = statSync(log).size + statSync(join(stateDir, 'buffer', 'readings.meta.json')).size;
    const buffered = lastTaken - lastLiveSeq;

    // The line returns.
    await proxy.restore();
    const restoredAt = Date.now();
    let firstAt = 0;
    let rows: Row[] = [];
    await waitFor(async () => {
      rows = await readings(lastLiveSeq);
      if (!firstAt && rows.length) firstAt = Date.now();
      return rows.length > 0 && rows[rows.length - 1]![0] >= lastTaken;
    }, BOUND_MS * 2, 100);
    const caughtUpAt = Date.now();
    const taken = rows.filter(([seq]) => seq <= lastTaken);

    // Exactly once, in order.
    const seqs = taken.map(([seq]) => seq);
    if (taken.length !== lastTaken - lastLiveSeq) problems.push(`expected ${lastTaken - lastLiveSeq} readings, stored ${taken.length}`);
    if (seqs.some((s, i) => s !== lastLiveSeq + 1 + i)) problems.push('a gap or a duplicate in seq');
    if (taken.some(([, at], i) => i > 0 && at <= taken[i - 1]![1])) problems.push('`at` does not increase with seq');
    if (taken.some(([, , received], i) => i > 0 && received < taken[i - 1]![2])) problems.push('a later reading was stored before an earlier one');
    const catchUpMs = caughtUpAt - restoredAt;
    if (catchUpMs > BOUND_MS) problems.push(`catch-up took ${catchUpMs} ms, over the ${BOUND_MS} ms bound`);

    const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
    console.log(`readings: ${buffered} taken with the line cut (72 h at one a minute), one per ${INTERVAL_MS} ms: ${(heldMs / 1000).toFixed(1)} s`);
    console.log(`baseline, line up: reading taken -> stored p50 ${pct(liveLatency, 50)} ms, p99 ${pct(liveLatency, 99)} ms (last ${liveLatency.length} readings)`);
    console.log(`buffer on disk at the line's return: ${kib(bufferBytes)} (${(bufferBytes / buffered).toFixed(0)} bytes a reading)`);
    console.log(
      `catch-up after the line returned: ${(catchUpMs / 1000).toFixed(1)} s (first reading stored after ${((firstAt - restoredAt) / 1000).toFixed(1)} s, ` +
        `then ${((caughtUpAt - firstAt) / 1000).toFixed(1)} s for the rest: ${Math.round(taken.length / Math.max(0.001, (caughtUpAt - firstAt) / 1000))} readings/s)`,
    );
    console.log(`check: ${taken.length} stored, each seq once, in order -> ${problems.length ? `FAILED: ${problems.join('; ')}` : 'ok'}; bound ${BOUND_MS / 1000} s -> ${catchUpMs <= BOUND_MS ? 'met' : 'missed'}`);
  } finally {
    if (agent && agent.exitCode === null) {
      const exited = new Promise((r) => agent!.once('exit', r));
      agent.kill('SIGTERM');
      await exited;
    }
    rmSync(stateDir, { recursive: true, force: true });
    await proxy.stop();
    await api.stop();
  }
  process.exit(problems.length ? 1 : 0);
}

/** The highest seq in the agent's readings log (one JSON line per record). */
function lastSeqIn(file: string): number {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return 0;
  }
  const lines = text.trimEnd().split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    try {
      return (JSON.parse(lines[i]!) as { seq: number }).seq;
    } catch {
      /* a line being written */
    }
  }
  return 0;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function waitFor(check: () => Promise<boolean>, timeoutMs: number, everyMs = 250): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(everyMs);
  }
}
function pct(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}
