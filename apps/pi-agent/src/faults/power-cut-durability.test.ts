/**
 * Fault: a power cut. SIGKILL keeps the page cache, so it cannot tell whether the
 * agent syncs; this kernel has no device-mapper (no dm-flakey/dm-log-writes) to drop
 * unsynced writes. What can run here is a trace: the real agent runs under
 * `strace -f -yy` through readings, their acknowledgements, a plan and a command
 * result, and the trace must show every record on disk (fdatasync) before anything
 * about it leaves the machine, every atomic replace fsyncing the file and then its
 * directory, and every new name's directory fsynced. The command ledger is the
 * documented exception (command-ledger.ts: its fdatasync runs off the critical
 * instant; a power cut can at most repeat a command) and is not checked here.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeAgentApi } from '../../testing/fake-agent-api';
import { checkSyncBeforeSend, parseTrace } from '../../testing/sync-trace';

const main = path.resolve(__dirname, '../main.ts');
const cwd = path.resolve(__dirname, '../..');
const strace = '/usr/bin/strace';
const present = fs.existsSync(strace);
if (!present) console.warn(`[skip] ${strace} is missing: apt-get install strace (npm test installs it)`);

const SYSCALLS =
  'openat,mkdir,mkdirat,write,pwrite64,writev,pwritev,pwritev2,fsync,fdatasync,rename,renameat,renameat2,sendto,sendmsg,sendmmsg';
const durableLog = (file: string) => /\/buffer\/(readings|outbox)\.log$/.test(file);

let api: FakeAgentApi | undefined;
/** strace, if a test fails before the agent stops: the agent first (strace's death only detaches it). */
let tracer: number | undefined;
afterEach(async () => {
  if (tracer !== undefined) {
    for (const pid of [...tracedChildren(tracer), tracer]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  tracer = undefined;
  await api?.stop();
  api = undefined;
});

function tracedChildren(pid: number): number[] {
  try {
    return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

async function traceAgent(): Promise<{ trace: string; stateDir: string }> {
  api = new FakeAgentApi();
  api.route('GET /plan', () => ({
    status: 200,
    headers: { etag: '"p1"' },
    body: { generatedAt: new Date().toISOString(), items: [] },
  }));
  const apiUrl = await api.start();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wakeward-powercut-'));
  // As systemd's StateDirectory= leaves it: present and empty.
  const stateDir = path.join(dir, 'state');
  fs.mkdirSync(stateDir);
  const configFile = path.join(dir, 'agent.json');
  fs.writeFileSync(
    configFile,
    JSON.stringify({
      apiUrl,
      token: 'tok',
      stateDir,
      sensors: { kind: 'simulated' },
      readings: { intervalS: 1 },
      http: { longPollWaitS: 1 },
      shutdown: { methods: { done: { kind: 'exec', argv: ['/bin/true'] } } },
    }),
  );
  const traceFile = path.join(dir, 'trace.txt');
  const child = spawn(
    strace,
    [
      '-f',
      '-qq',
      '-yy',
      '-s',
      '0',
      '-e',
      `trace=${SYSCALLS}`,
      '-e',
      'signal=none',
      '-o',
      traceFile,
      process.execPath,
      '--import',
      'tsx',
      main,
      'run',
      '--config',
      configFile,
    ],
    { cwd, env: { PATH: process.env.PATH }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  tracer = child.pid;
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  await api
    .waitFor(() => api!.of('POST /readings').length >= 1, 40_000)
    .catch(() => {
      throw new Error(`the traced agent sent no readings\n${stderr}`);
    });
  const now = Date.now();
  api.pendingCommands = [
    {
      id: 'cmd_off',
      type: 'shutdown',
      dueAt: new Date(now).toISOString(),
      expiresAt: new Date(now + 60_000).toISOString(),
      targets: [{ kioskId: 'MZ-1F-07', shutdown: { method: 'done' } }],
    },
  ];
  await api.waitFor(
    () => api!.of('POST /commands/cmd_off/result').length >= 1 && api!.of('POST /readings').length >= 3,
    30_000,
  );
  // SIGTERM to the agent itself (strace would only detach), which stops as under systemd;
  // strace exits with it.
  const agentPid = tracedChildren(child.pid!)[0]!;
  process.kill(agentPid, 'SIGTERM');
  expect(await exited).toBe(0);
  return { trace: fs.readFileSync(traceFile, 'utf8'), stateDir };
}

describe.skipIf(!present)('power cut: what the agent acknowledges is on disk first (strace of the real agent)', () => {
  it('syncs every record before a send, fsyncs file then directory on every replace, and every new name', async () => {
    const { trace, stateDir } = await traceAgent();
    const report = checkSyncBeforeSend(parseTrace(trace), { stateDir, logs: durableLog });
    expect(report.violations).toEqual([]);
    // The run really exercised each kind: readings and a result appended, meta and plan replaced.
    expect(report.counts.appends).toBeGreaterThanOrEqual(4);
    expect(report.counts.replaces).toBeGreaterThanOrEqual(2);
    expect(report.counts.created).toBeGreaterThanOrEqual(3);
    expect(report.counts.sends).toBeGreaterThan(0);

    // The check can fail: the same trace without its syncs breaks each rule.
    const unsynced = trace
      .split('\n')
      .filter((l) => !/\b(fsync|fdatasync)\(/.test(l) && !/<\.\.\. (fsync|fdatasync) resumed>/.test(l))
      .join('\n');
    const broken = checkSyncBeforeSend(parseTrace(unsynced), { stateDir, logs: durableLog }).violations;
    expect(broken.some((v) => /^append to .*readings\.log/.test(v))).toBe(true);
    expect(broken.some((v) => /^rename .* without an fsync/.test(v))).toBe(true);
    expect(broken.some((v) => /its directory not fsynced/.test(v))).toBe(true);
    expect(broken.some((v) => /created .* not fsynced/.test(v))).toBe(true);
  });
});
