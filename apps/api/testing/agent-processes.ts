import { ChildProcess, spawn, SpawnOptions } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { enrolmentCode } from './agent-kit';
import type { Client } from './test-app';

export { until } from './wait';

/**
 * Real agent processes (apps/pi-agent, run with tsx) for end-to-end tests and
 * benchmarks: each enrols with a real enrolment code, or starts with a token the
 * caller already enrolled, and runs until stopped. Their packets, probes and
 * shutdowns go where the config sends them: loopback only.
 */
const root = resolve(__dirname, '../../..');
const agentMain = join(root, 'apps/pi-agent/src/main.ts');

/**
 * The config when the caller gives none: relay channel on (the agent's default), no
 * sensors, wakes and probes to loopback, retries quick enough for a test.
 */
export const LOOPBACK_AGENT_CONFIG: Readonly<Record<string, unknown>> = {
  subnets: ['127.0.0.0/8'],
  heartbeatIntervalS: 5,
  http: { longPollWaitS: 5, backoffInitialMs: 200, backoffMaxMs: 2000 },
  sensors: { kind: 'none' },
  wake: { address: '127.0.0.1' },
  probe: { address: '127.0.0.1' },
  // Test kiosks' screens are on loopback, which the relay refuses unless allowed.
  relay: { allowTargets: ['127.0.0.0/8'] },
};

/** LOOPBACK_AGENT_CONFIG whose relay may also reach these (ephemeral) VNC ports. */
export function loopbackRelayAgentConfig(vncPorts: number[]): Record<string, unknown> {
  return { ...LOOPBACK_AGENT_CONFIG, relay: { allowTargets: ['127.0.0.0/8'], allowedPorts: vncPorts } };
}

export interface AgentProcess {
  name: string;
  stateDir: string;
  child: ChildProcess;
  /** SIGKILL, as a power cut would: no clean shutdown. */
  kill(): Promise<void>;
  /** Runs the agent again on the same state directory (token, buffers, plan). */
  restart(): void;
  stop(): Promise<void>;
}

/** How the agent gets its token: enrols with a fresh code for the site, or is handed one. */
export type AgentCredentials = { ops: Client; siteId: string } | { token: string };

export async function startAgentProcess(
  opts: {
    name: string;
    /** The URL the agent talks to (the API, or a proxy in front of it). */
    apiUrl: string;
    /** Default: LOOPBACK_AGENT_CONFIG. */
    config?: Record<string, unknown>;
  } & AgentCredentials,
): Promise<AgentProcess> {
  const stateDir = mkdtempSync(join(tmpdir(), `wk-${opts.name}-`));
  const configFile = join(stateDir, 'agent.json');
  writeFileSync(configFile, JSON.stringify({ name: opts.name, logLevel: 'warn', ...(opts.config ?? LOOPBACK_AGENT_CONFIG) }));
  const env: NodeJS.ProcessEnv = { ...process.env, WAKEWARD_CONFIG: configFile, WAKEWARD_API_URL: opts.apiUrl, WAKEWARD_STATE_DIR: stateDir };
  if ('token' in opts) env.WAKEWARD_TOKEN = opts.token;
  else {
    const code = await enrolmentCode(opts.ops, opts.siteId);
    // Asynchronously: the API answering the enrolment may run in this very process.
    const enrol = await runToEnd(process.execPath, ['--import', 'tsx', agentMain, 'enroll', '--code', code], { cwd: root, env });
    if (enrol.status !== 0) throw new Error(`agent ${opts.name} could not enrol: ${enrol.output}`);
  }
  const run = () => {
    const logs = agentLogFile(opts.name);
    const child = spawn(process.execPath, ['--import', 'tsx', agentMain, 'run'], { cwd: root, env, stdio: ['ignore', logs ?? 'ignore', 'inherit'] });
    if (logs !== undefined) closeSync(logs); // the child has its own copy
    return child;
  };
  const exited = (c: ChildProcess) => (c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise((r) => c.once('exit', r)));
  const agent: AgentProcess = {
    name: opts.name,
    stateDir,
    child: run(),
    async kill() {
      agent.child.kill('SIGKILL');
      await exited(agent.child);
    },
    restart() {
      agent.child = run();
    },
    async stop() {
      agent.child.kill('SIGTERM');
      await exited(agent.child);
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
  return agent;
}

/**
 * The agents' own logs (JSON lines on stdout) are dropped unless WAKEWARD_TEST_AGENT_LOGS
 * names a directory: then each agent appends to <dir>/<name>.log. With
 * WAKEWARD_LOG_LEVEL=info (or debug) they show what each agent did and when.
 */
function agentLogFile(name: string): number | undefined {
  const dir = process.env.WAKEWARD_TEST_AGENT_LOGS;
  return dir ? openSync(join(dir, `${name}.log`), 'a') : undefined;
}

export function runToEnd(cmd: string, args: string[], options: SpawnOptions): Promise<{ status: number | null; output: string }> {
  return new Promise((resolveRun) => {
    const child = spawn(cmd, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    child.on('exit', (status) => resolveRun({ status, output }));
  });
}
