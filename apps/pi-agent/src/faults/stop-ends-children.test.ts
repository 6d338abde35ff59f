/**
 * Fault: the agent is stopped (SIGTERM, as systemd does) while a shutdown method
 * hangs with its children. The agent process is real (the CLI), the method is a
 * real process tree; nothing of it may outlive the agent.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeAgentApi } from '../../testing/fake-agent-api';
import { hangingTreeScript, processesWithMarker, waitFor } from '../../testing/processes';

const main = path.resolve(__dirname, '../main.ts');
const cwd = path.resolve(__dirname, '../..');

let api: FakeAgentApi | undefined;
let agent: ChildProcess | undefined;
let marker = '';
afterEach(async () => {
  agent?.kill('SIGKILL');
  for (const pid of processesWithMarker(marker)) process.kill(pid, 'SIGKILL');
  await api?.stop();
  api = agent = undefined;
});

describe('SIGTERM of the agent', () => {
  it('ends a hanging shutdown method and all its children, and the agent exits 0 within seconds', async () => {
    marker = `wakeward-tree-${randomUUID()}`;
    api = new FakeAgentApi();
    const apiUrl = await api.start();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wakeward-stop-'));
    const configFile = path.join(dir, 'agent.json');
    fs.writeFileSync(
      configFile,
      JSON.stringify({
        apiUrl,
        token: 'tok',
        stateDir: path.join(dir, 'state'),
        sensors: { kind: 'simulated' },
        http: { longPollWaitS: 1 },
        // Far longer than the test: only the stop may end it.
        shutdown: {
          methods: {
            'net-rpc': { kind: 'exec', argv: [process.execPath, hangingTreeScript(), marker], timeoutMs: 600_000 },
          },
        },
      }),
    );
    agent = spawn(process.execPath, ['--import', 'tsx', main, 'run', '--config', configFile], {
      cwd,
      env: { PATH: process.env.PATH },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    agent.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
    const now = Date.now();
    api.pendingCommands = [
      {
        id: 'cmd_off',
        type: 'shutdown',
        dueAt: new Date(now).toISOString(),
        expiresAt: new Date(now + 60_000).toISOString(),
        targets: [{ kioskId: 'MZ-1F-07', shutdown: { method: 'net-rpc' } }],
      },
    ];
    await waitFor(() => processesWithMarker(marker).length === 3, 30_000, 'the method and its two children').catch(
      (e) => {
        throw new Error(`${(e as Error).message}\n${stdout}`);
      },
    );

    const exited = new Promise<number | null>((resolve) => agent!.once('exit', resolve));
    const stoppedAt = Date.now();
    agent.kill('SIGTERM');
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('still running'), 15_000))]);
    expect(code).toBe(0);
    expect(Date.now() - stoppedAt).toBeLessThan(10_000);
    expect(processesWithMarker(marker)).toEqual([]);
    expect(stdout).toContain('agent stopping');
  });
});
