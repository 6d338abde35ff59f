/**
 * The real agents: one `wakeward-agent run` process per agent, as on a Pi, started as
 * the end-to-end tests start them (apps/pi-agent/src/main.ts under tsx, settings in a
 * JSON file named by WAKEWARD_CONFIG, token and state directory in WAKEWARD_*). Their
 * packets go where agentSettings sends them: loopback only.
 *
 * Fire lateness is read from the agent's own log line: `command started` carries
 * `lateMs`, the Pi's clock at the start (Date.now(), whole milliseconds) minus the
 * command's dueAt. A whole-ms figure of at most 1 means the command started less than
 * 2 ms after its instant.
 */
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import { join } from 'node:path';
import readline from 'node:readline';
import { agentSettings, type AgentSpec } from './seed';
import { ROOT } from './settings';

const AGENT_MAIN = join(ROOT, 'apps/pi-agent/src/main.ts');

export interface CommandStarted {
  agent: number;
  site: number;
  commandId: string;
  type: string;
  /** The agent's own figure: start (its Date.now()) - dueAt, whole ms. */
  lateMs: number;
  targets: number;
}

export class RealAgents {
  readonly started: CommandStarted[] = [];
  private readonly children: ChildProcess[] = [];
  private stopping = false;

  constructor(
    private readonly specs: AgentSpec[],
    private readonly stateRoot: string,
  ) {}

  get pids(): number[] {
    return this.children.map((c) => c.pid!).filter(Boolean);
  }

  start(apiUrl: string, basePort: number): void {
    // Not children of this session any more: ended with it whatever happens.
    process.on('exit', () => this.children.forEach((c) => c.kill('SIGKILL')));
    for (const spec of this.specs) {
      const stateDir = join(this.stateRoot, `real-${spec.index}`);
      fs.mkdirSync(stateDir, { recursive: true });
      const configFile = join(stateDir, 'agent.json');
      fs.writeFileSync(configFile, JSON.stringify({ ...agentSettings(spec, basePort), logLevel: 'info' }));
      const child = spawn(process.execPath, ['--import', 'tsx', AGENT_MAIN, 'run'], {
        cwd: ROOT,
        env: {
          ...process.env,
          WAKEWARD_CONFIG: configFile,
          WAKEWARD_API_URL: apiUrl,
          WAKEWARD_STATE_DIR: stateDir,
          WAKEWARD_TOKEN: spec.token,
        },
        stdio: ['ignore', 'pipe', 'inherit'],
        // A session of its own, as the simulated agents' processes (settings.ts, AGENT_SESSIONS).
        detached: true,
      });
      readline.createInterface({ input: child.stdout! }).on('line', (line) => this.read(spec, line));
      child.on('exit', (code, signal) => {
        if (!this.stopping) console.warn(`real agent ${spec.name} of site ${spec.site + 1} exited (${code ?? signal})`);
      });
      this.children.push(child);
    }
  }

  private read(spec: AgentSpec, line: string): void {
    let entry: { msg?: string; commandId?: string; type?: string; lateMs?: number; targets?: number };
    try {
      entry = JSON.parse(line);
    } catch {
      return; // not a log line
    }
    if (entry.msg !== 'command started') return;
    this.started.push({
      agent: spec.index,
      site: spec.site,
      commandId: entry.commandId!,
      type: entry.type!,
      lateMs: entry.lateMs!,
      targets: entry.targets!,
    });
  }

  /** SIGTERM (the agent's clean stop), SIGKILL after 10 s. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      this.children.map(async (c) => {
        if (c.exitCode !== null || c.signalCode !== null) return;
        const exited = new Promise((r) => c.once('exit', r));
        c.kill('SIGTERM');
        const timer = setTimeout(() => c.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }),
    );
  }
}
