/**
 * The dispatch bench's child processes, each run as `roles.ts <role>` by spawnRole:
 *   - server: the built API (ROLE=api or all) or a dispatch worker (ROLE=worker), with
 *     its planner's and dispatcher's stage timings recorded;
 *   - agents: a share of the simulated agents, real `Agent`s of apps/pi-agent in one
 *     process (long poll, heartbeat, plan, CommandRunner, wake via @wakeward/wol);
 *   - floor: the sender of the single-copy floor (floor.ts).
 * The kiosks are bench/lib/kiosk-receiver.py (spawnReceiver), the real agents
 * wakeward-agent processes (real-agents.ts).
 */
import { fork } from 'node:child_process';
import fs from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Agent } from '../../../apps/pi-agent/src/agent';
import { AgentConfigSchema } from '../../../apps/pi-agent/src/config';
import { configureLogging, createLogger } from '../../../apps/pi-agent/src/log';
import type { PowerCommand } from '../../../apps/pi-agent/src/protocol';
import { Child, serve } from '../child';
import { floorRole } from './floor';
import { agentSettings, type AgentSpec } from './seed';
import { DIST, LOOPBACK, mono } from './settings';

/**
 * V8 flags of the processes hosting the simulated agents. A Pi's agent allocates
 * little at an instant; 2,500 agents in one heap allocate together, and a scavenge
 * stops all of them at once (with the default young generation, several in the first
 * second, 100-480 ms in all: the packets' lateness would be the heap's). Large
 * semi-spaces and a scavenge at T-2 s (collectYoung) keep them out of the sending.
 */
export const AGENT_HOST_FLAGS = ['--max-semi-space-size=256', '--expose-gc'];

/**
 * Starts `role` in a child process of its own (this file, run again). `ownSession`: in
 * a session of its own (AGENT_SESSIONS says why); killed when this process exits.
 */
export function spawnRole(
  role: string,
  env: NodeJS.ProcessEnv = process.env,
  extraFlags: string[] = [],
  { ownSession = false } = {},
): Child {
  const proc = fork(__filename, [role], {
    env,
    execArgv: [...process.execArgv, ...extraFlags],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    detached: ownSession,
  });
  if (ownSession) process.on('exit', () => proc.kill('SIGKILL'));
  return new Child(role, proc);
}

export interface StageTimings {
  plans: Array<{ start: number; end: number; jobs: number }>;
  transitions: Array<{ at: string; action: string; start: number; end: number; sent: number; error?: string }>;
}

async function serverRole() {
  /* eslint-disable @typescript-eslint/no-require-imports */
  require('reflect-metadata');
  const { createApiApp } = require(join(DIST, 'app.js'));
  const { createLogger: apiLogger } = require(join(DIST, 'common/logger.js'));
  const { loadConfig } = require(join(DIST, 'config/config.js'));
  const { CommandNotifier } = require(join(DIST, 'agent-commands/command-notifier.js'));
  const { DispatcherService } = require(join(DIST, 'dispatch/dispatcher.service.js'));
  const { PlannerService } = require(join(DIST, 'dispatch/planner.service.js'));
  /* eslint-enable @typescript-eslint/no-require-imports */
  const config = loadConfig(process.env);
  let app: any;
  let url = '';
  if (config.role === 'worker') {
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { NestFactory } = require('@nestjs/core');
    const { AppModule } = require(join(DIST, 'app.module.js'));
    /* eslint-enable @typescript-eslint/no-require-imports */
    app = await NestFactory.createApplicationContext(AppModule.forConfig(config), { logger: false });
  } else {
    app = await createApiApp(config, apiLogger(config.logLevel));
    await app.listen(0, LOOPBACK);
    url = `http://${LOOPBACK}:${app.getHttpServer().address().port}`;
  }

  // Stage timings, by wrapping the methods of the instances this process uses: when
  // each site's plan was made, and each transition job's fan-out to the agents.
  const timings: StageTimings = { plans: [], transitions: [] };
  const planner = app.get(PlannerService);
  const planSite = planner.planSite.bind(planner);
  planner.planSite = async (...args: unknown[]) => {
    const start = mono();
    const r = await planSite(...args);
    timings.plans.push({ start, end: mono(), jobs: r.jobs });
    return r;
  };
  const dispatcher = app.get(DispatcherService);
  const runTransition = dispatcher.runTransition.bind(dispatcher);
  dispatcher.runTransition = async (job: { at: string; action: string }, ...rest: unknown[]) => {
    const start = mono();
    try {
      const counts = await runTransition(job, ...rest);
      timings.transitions.push({ at: job.at, action: job.action, start, end: mono(), sent: counts?.sent ?? 0 });
      return counts;
    } catch (err) {
      const error = (err as Error).message;
      timings.transitions.push({ at: job.at, action: job.action, start, end: mono(), sent: 0, error });
      throw err;
    }
  };
  const notifier = config.role === 'worker' ? { waitingAgents: 0 } : app.get(CommandNotifier);

  serve({
    url: () => url,
    stats: () => ({ waitingAgents: notifier.waitingAgents, plans: timings.plans.length }),
    timings: () => timings,
    stop: async () => {
      await app.close();
      setTimeout(() => process.exit(0), 10);
    },
  });
}

/** What an agents process reports: each command's start and delivery, on the shared monotonic clock. */
export interface AgentsResults {
  fires: Array<{ agent: number; at: number; dueAt: string }>;
  deliveries: Array<{ agent: number; at: number }>;
}

async function agentsRole() {
  configureLogging({ level: 'error' });
  const log = createLogger({ service: 'bench-agent' });
  const agents: Agent[] = [];
  // The runners' `onStarted` hook records as little as it can: it runs inside the
  // instant's start loop, among 2,500 agents' starts.
  const fireTimes: number[] = [];
  const fireCommands: PowerCommand[] = [];
  const fireAgents: number[] = [];
  const deliveries: Array<{ agent: number; at: number }> = [];
  const perfToMono = mono() - performance.now();

  serve({
    start: async (m: { apiUrl: string; stateRoot: string; basePort: number; agents: AgentSpec[] }) => {
      for (const spec of m.agents) {
        const stateDir = join(m.stateRoot, String(spec.index));
        fs.mkdirSync(stateDir, { recursive: true });
        const config = AgentConfigSchema.parse({
          ...agentSettings(spec, m.basePort),
          apiUrl: m.apiUrl,
          stateDir,
          token: spec.token,
          logLevel: 'error',
        });
        const agent = new Agent(config, log.child({ agent: spec.index }));
        agent.runner.onStarted = (command: PowerCommand) => {
          fireTimes.push(performance.now());
          fireCommands.push(command);
          fireAgents.push(spec.index);
        };
        const deliver = agent.runner.deliver.bind(agent.runner);
        const seen = new Set<string>();
        agent.runner.deliver = (cs) => {
          for (const c of cs) {
            if (seen.has(c.id)) continue;
            seen.add(c.id);
            deliveries.push({ agent: spec.index, at: mono() });
          }
          deliver(cs);
        };
        agent.start();
        agents.push(agent);
        // Spread the start (Pis do not all boot in the same second): one agent per
        // 40 ms per process, 100 a second in all. Much faster and the API, with
        // everything else on 2 cores, falls behind the connections and never catches up.
        await new Promise((r) => setTimeout(r, 40));
      }
      return agents.length;
    },
    results: (): AgentsResults => ({
      fires: fireTimes.map((at, i) => ({ agent: fireAgents[i]!, at: at + perfToMono, dueAt: fireCommands[i]!.dueAt })),
      deliveries,
    }),
    /** A scavenge now (AGENT_HOST_FLAGS' --expose-gc), so that none falls in the sending; ms it took. */
    collectYoung: () => {
      const start = mono();
      (globalThis as { gc?: (o: { type: string }) => void }).gc?.({ type: 'minor' });
      return mono() - start;
    },
  });
}

const roles: Record<string, () => Promise<void>> = { server: serverRole, agents: agentsRole, floor: floorRole };

if (require.main === module) {
  const role = process.argv[2]!;
  roles[role]!().catch((err) => {
    const cause = (err as Error).cause as Error | undefined;
    console.error(`${role}: ${(err as Error).stack ?? err}${cause ? `\ncause: ${cause.stack ?? cause}` : ''}`);
    process.exit(1);
  });
}
