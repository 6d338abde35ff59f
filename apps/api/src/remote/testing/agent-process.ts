import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '../../../../..');
const agentMain = join(root, 'apps/pi-agent/src/main.ts');

/**
 * A real agent process (`node --import tsx apps/pi-agent/src/main.ts run`) with an
 * enrolled token, its relay channel on, no sensors, everything on loopback.
 */
export async function startAgentProcess(options: { apiUrl: string; token: string; name: string; subnets?: string[] }): Promise<{ child: ChildProcess; stop(): Promise<void> }> {
  const stateDir = mkdtempSync(join(tmpdir(), `wk-${options.name}-`));
  const configFile = join(stateDir, 'agent.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      name: options.name,
      subnets: options.subnets ?? ['127.0.0.0/8'],
      logLevel: 'warn',
      heartbeatIntervalS: 5,
      http: { longPollWaitS: 5, backoffInitialMs: 200, backoffMaxMs: 2000 },
      sensors: { kind: 'none' },
      wake: { address: '127.0.0.1' },
      probe: { address: '127.0.0.1' },
    }),
  );
  const env = { ...process.env, WAKEWARD_CONFIG: configFile, WAKEWARD_API_URL: options.apiUrl, WAKEWARD_STATE_DIR: stateDir, WAKEWARD_TOKEN: options.token };
  const child = spawn(process.execPath, ['--import', 'tsx', agentMain, 'run'], { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'] });
  return {
    child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
