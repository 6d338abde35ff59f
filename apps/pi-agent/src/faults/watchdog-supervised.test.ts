/**
 * Fault: a hung agent. The real agent runs under a service manager speaking the
 * sd_notify protocol (apps/pi-agent/testing/sd-notify-supervisor.py: NOTIFY_SOCKET, WATCHDOG_USEC,
 * SCM_CREDENTIALS, BARRIER, WatchdogSignal, control-group kill, Restart=always),
 * since systemd cannot run as PID 1 here. The agent's pings go through the real
 * systemd-notify. A healthy agent under CPU load never misses a ping; a SIGSTOPped
 * one is killed within the watchdog period (plus the abort grace) and started again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeAgentApi } from '../../testing/fake-agent-api';
import { waitFor } from '../../testing/processes';

const main = path.resolve(__dirname, '../main.ts');
const cwd = path.resolve(__dirname, '../..');
const supervisorScript = path.resolve(__dirname, '../../testing/sd-notify-supervisor.py');
const tools = ['/usr/bin/python3', '/usr/bin/systemd-notify'];
const missing = tools.filter((t) => !fs.existsSync(t));
if (missing.length)
  console.warn(`[skip] ${missing.join(', ')} missing: apt-get install python3 systemd (npm test does)`);

const WATCHDOG_MS = 4000;
/** `nobody`: the agent runs unprivileged, as under the unit's User=. */
const SERVICE_UID = 65534;
const RUNNING_AS_ROOT = process.getuid?.() === 0;
const ABORT_GRACE_MS = 1000;

interface SupervisorEvent {
  event: string;
  at: number;
  pid?: number;
  sender?: number;
  signal?: number | null;
}

let api: FakeAgentApi | undefined;
let supervisor: ChildProcess | undefined;
let burners: ChildProcess[] = [];
afterEach(async () => {
  for (const b of burners) b.kill('SIGKILL');
  burners = [];
  if (supervisor && supervisor.exitCode === null) {
    const gone = new Promise((r) => supervisor!.once('exit', r));
    supervisor.kill('SIGTERM');
    await gone;
  }
  await api?.stop();
  api = supervisor = undefined;
});

async function superviseAgent(): Promise<{ events: SupervisorEvent[]; log: () => string }> {
  api = new FakeAgentApi();
  const apiUrl = await api.start();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wakeward-watchdog-'));
  // As in the unit (User=): not root, so systemd-notify cannot speak for the agent's
  // pid and its messages arrive as its own, accepted only through NotifyAccess=all.
  // (A test run that is not root is unprivileged already.)
  fs.chmodSync(dir, 0o755);
  fs.mkdirSync(path.join(dir, 'state'));
  if (RUNNING_AS_ROOT) fs.chownSync(path.join(dir, 'state'), SERVICE_UID, SERVICE_UID);
  const configFile = path.join(dir, 'agent.json');
  fs.writeFileSync(
    configFile,
    JSON.stringify({
      apiUrl,
      token: 'tok',
      stateDir: path.join(dir, 'state'),
      sensors: { kind: 'simulated' },
      readings: { intervalS: 1 },
      http: { longPollWaitS: 1 },
    }),
  );
  const events: SupervisorEvent[] = [];
  let stderr = '';
  supervisor = spawn(
    '/usr/bin/python3',
    [
      supervisorScript,
      `--watchdog-usec=${WATCHDOG_MS * 1000}`,
      `--abort-grace-ms=${ABORT_GRACE_MS}`,
      '--restart-ms=200',
      `--socket=${path.join(dir, 'notify.sock')}`,
      ...(RUNNING_AS_ROOT ? [`--user=${SERVICE_UID}`] : []),
      '--',
      process.execPath,
      '--import',
      'tsx',
      main,
      'run',
      '--config',
      configFile,
    ],
    { cwd, env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let buffered = '';
  supervisor.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) {
      // The agent's own log lines share stdout; the supervisor's carry "event".
      if (!line.startsWith('{"event"')) continue;
      events.push(JSON.parse(line) as SupervisorEvent);
    }
  });
  supervisor.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  return { events, log: () => `${JSON.stringify(events)}\n${stderr}` };
}

const of = (events: SupervisorEvent[], name: string, pid?: number) =>
  events.filter((e) => e.event === name && (pid === undefined || e.pid === pid));

describe.skipIf(missing.length > 0)('the agent under an sd_notify supervisor (real signals)', () => {
  it('pings through systemd-notify at half the period while healthy under CPU load, never missing one', async () => {
    const { events, log } = await superviseAgent();
    await waitFor(() => of(events, 'ready').length === 1, 30_000, 'READY=1').catch((e: Error) => {
      throw new Error(`${e.message}\n${log()}`);
    });
    const agentPid = of(events, 'start')[0]!.pid!;
    // Load: a busy loop per core for the whole observation, next to the agent's own work.
    burners = os.cpus().map(() => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
    const observeMs = 4 * WATCHDOG_MS;
    const readyAt = of(events, 'ready')[0]!.at;
    await new Promise((r) => setTimeout(r, observeMs));

    expect(of(events, 'watchdog-timeout'), log()).toEqual([]);
    expect(of(events, 'refused'), log()).toEqual([]);
    expect(of(events, 'start')).toHaveLength(1);
    const pings = of(events, 'watchdog', agentPid);
    // One every WATCHDOG_MS / 2: at least 7 in 16 s, allowing for the first interval.
    expect(pings.length).toBeGreaterThanOrEqual(observeMs / (WATCHDOG_MS / 2) - 1);
    const times = [readyAt, ...pings.map((p) => p.at)];
    const widestGap = Math.max(...times.slice(1).map((t, i) => t - times[i]!));
    expect(widestGap).toBeLessThan(WATCHDOG_MS);
    // The pings come from systemd-notify, a child of the agent, accepted as NotifyAccess=all.
    expect(pings.every((p) => p.sender !== undefined && p.sender !== agentPid)).toBe(true);
  });

  it('a SIGSTOPped agent is killed within the watchdog period and started again, READY once more', async () => {
    const { events, log } = await superviseAgent();
    await waitFor(() => of(events, 'watchdog').length >= 1, 30_000, 'a first ping').catch((e: Error) => {
      throw new Error(`${e.message}\n${log()}`);
    });
    const hung = of(events, 'start')[0]!.pid!;
    const lastPingBefore = () => of(events, 'watchdog', hung).at(-1)!.at;
    const stoppedAt = Date.now();
    process.kill(hung, 'SIGSTOP');

    await waitFor(
      () => of(events, 'exit', hung).length === 1,
      WATCHDOG_MS + ABORT_GRACE_MS + 5000,
      'the hung agent killed',
    );
    const timeout = of(events, 'watchdog-timeout', hung)[0]!;
    // Fired one watchdog period after the last ping the hung agent managed to send.
    expect(timeout.at - lastPingBefore()).toBeGreaterThanOrEqual(WATCHDOG_MS - 50);
    expect(timeout.at - stoppedAt).toBeLessThanOrEqual(WATCHDOG_MS + 500);
    // A stopped process cannot act on SIGABRT: the SIGKILL after the grace ends it.
    expect(of(events, 'exit', hung)[0]!.signal).toBe(9);
    expect(fs.existsSync(`/proc/${hung}`)).toBe(false);

    await waitFor(() => of(events, 'start').length === 2, 5000, 'a restart');
    const restarted = of(events, 'start')[1]!.pid!;
    expect(restarted).not.toBe(hung);
    await waitFor(
      () => of(events, 'ready', restarted).length === 1 && of(events, 'watchdog', restarted).length >= 1,
      30_000,
      'READY and a ping from the new agent',
    );
  });
});
