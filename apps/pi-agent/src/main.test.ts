/**
 * The CLI as systemd and the end-to-end tests start it: a child process, settings
 * from the environment only, SIGTERM to stop.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeAgentApi } from '../testing/fake-agent-api';

const main = path.resolve(__dirname, 'main.ts');
const cwd = path.resolve(__dirname, '..');
/** Async on purpose: the stand-in API lives in this process and must keep answering. */
function cli(
  args: string[],
  env: Record<string, string>,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', main, ...args], {
    cwd,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.once('close', (status) => resolve({ status, stdout, stderr })));
}

let api: FakeAgentApi | undefined;
afterEach(async () => {
  await api?.stop();
  api = undefined;
});

describe('wakeward-agent CLI', () => {
  it('prints its version', async () => {
    const res = await cli(['--version'], {});
    expect(res.status).toBe(0);
    expect(res.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('--check-config names the bad setting and exits non-zero, touching nothing', async () => {
    const stateDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'wakeward-cli-')), 'state');
    const bad = await cli(['--check-config'], { WAKEWARD_API_URL: 'ftp://x', WAKEWARD_STATE_DIR: stateDir });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/apiUrl: .*WAKEWARD_API_URL/);
    const good = await cli(['--check-config'], {
      WAKEWARD_API_URL: 'http://127.0.0.1:9',
      WAKEWARD_STATE_DIR: stateDir,
      WAKEWARD_TOKEN: 'secret',
    });
    expect(good.status).toBe(0);
    expect(good.stdout).not.toContain('secret');
    expect(fs.existsSync(stateDir)).toBe(false);
  });

  it('--check-config accepts an old file with the retired shutdown settings and notes that they are ignored', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wakeward-cli-'));
    const file = path.join(dir, 'agent.json');
    fs.writeFileSync(
      file,
      JSON.stringify({
        apiUrl: 'http://127.0.0.1:9',
        shutdown: { allowServerDefined: true, allowedPrograms: ['ssh'] },
      }),
    );
    const res = await cli(['--check-config', '--config', file], { WAKEWARD_STATE_DIR: path.join(dir, 'state') });
    expect(res.status).toBe(0);
    expect(res.stdout).toMatch(/^note: shutdown\.allowServerDefined is no longer used and is ignored/m);
    expect(res.stdout).toMatch(/^note: shutdown\.allowedPrograms is no longer used and is ignored/m);
  });

  it('enrolls, writing the token file with mode 0600, then runs until SIGTERM', async () => {
    api = new FakeAgentApi();
    api.route('POST /enroll', () => ({ status: 201, body: { agentId: 'agt_7', token: 'tok_from_enrol' } }));
    const apiUrl = await api.start();
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wakeward-cli-'));
    const env = {
      WAKEWARD_API_URL: apiUrl,
      WAKEWARD_STATE_DIR: stateDir,
      WAKEWARD_SENSORS: 'simulated',
      WAKEWARD_READING_INTERVAL_S: '1',
      WAKEWARD_LONG_POLL_WAIT_S: '1',
    };

    const notEnrolled = await cli(['run'], env);
    expect(notEnrolled.status).toBe(3);
    expect(notEnrolled.stdout).toMatch(/not enrolled/);

    const enrol = await cli(['enroll', '--code', 'SITE-CODE-1'], env);
    expect(enrol.status).toBe(0);
    expect(api.of('POST /enroll')[0]!.body).toMatchObject({ code: 'SITE-CODE-1', version: expect.any(String) });
    const tokenFile = path.join(stateDir, 'agent-token.json');
    expect(fs.statSync(tokenFile).mode & 0o777).toBe(0o600);
    expect(JSON.parse(fs.readFileSync(tokenFile, 'utf8'))).toMatchObject({ agentId: 'agt_7', token: 'tok_from_enrol' });

    const child = spawn(process.execPath, ['--import', 'tsx', main, 'run'], {
      cwd,
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    await api.waitFor(() => api!.of('POST /heartbeat').length > 0 && api!.of('POST /readings').length > 0, 20_000);
    expect(api.of('POST /heartbeat')[0]!.headers.authorization).toBe('Bearer tok_from_enrol');
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(0);
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { level: string; msg: string });
    expect(lines.map((l) => l.msg)).toContain('agent starting');
    expect(lines.map((l) => l.msg)).toContain('agent stopping');
  });
});
