/**
 * Dispatch benchmark (issue 5): the whole fleet due at the same instant, through the
 * real pipeline. bench/README.md (Dispatch) says what it measures and what the figures mean.
 *
 *   npx tsx bench/dispatch-fleet.ts     (BENCH_SITES=2500: 25,000 kiosks, 4,980 simulated
 *                                        agents and BENCH_REAL_AGENTS=20 real ones)
 *
 * lib/fleet/: stack.ts starts the database, the API and workers and the kiosks; roles.ts
 * is each child process; real-agents.ts the wakeward-agent processes; floor.ts the floor;
 * report.ts the figures and the verdict.
 *
 * Network safety: every address is 127.0.0.1. Kiosks have no IP or subnet in the
 * database, agents send every magic packet and probe to 127.0.0.1 (wake.address,
 * probe.address), the receiver binds 127.0.0.1 only.
 */
import { execSync } from 'node:child_process';
import os from 'node:os';
import { floorTargets, measureFloor } from './lib/fleet/floor';
import { RealAgents } from './lib/fleet/real-agents';
import { report } from './lib/fleet/report';
import { AGENT_HOST_FLAGS, spawnRole, type AgentsResults, type StageTimings } from './lib/fleet/roles';
import {
  AGENT_PROCESSES,
  AGENTS,
  AGENTS_PER_SITE,
  KIOSKS,
  MAX_LEAD_MS,
  MISSED_AFTER_MS,
  mono,
  PLAN_MARGIN_MS,
  REAL_SITES,
  ROOT,
  SITES,
  sleep,
  wallMinusMono,
  ZONE,
} from './lib/fleet/settings';
import { FleetStack } from './lib/fleet/stack';
import { machineBusySeconds, pidOf, processCpuSeconds } from './lib/machine-cpu';

/** Open files per simulated agent (HTTP connections, UDP socket, ledger and buffers), for the ulimit check. */
const FDS_PER_AGENT = 7;

async function main() {
  const started = Date.now();
  const ulimit = Number(execSync('ulimit -n', { shell: '/bin/bash' }).toString().trim());
  if (AGENT_PROCESSES < 2 || AGENT_PROCESSES % 2)
    throw new Error(`BENCH_AGENT_PROCESSES must be even and at least 2 (got ${AGENT_PROCESSES})`);
  if (ulimit < (FDS_PER_AGENT * AGENTS) / AGENT_PROCESSES + 500)
    throw new Error(`ulimit -n is ${ulimit}: too low for ${AGENTS / AGENT_PROCESSES} agents per process`);
  console.log('building the API and libraries (tsc -b) ...');
  execSync('npx tsc -b libs/wol libs/scheduler libs/agent-protocol apps/api/tsconfig.testing.json', { cwd: ROOT, stdio: 'inherit' });

  const stack = new FleetStack();
  // Ctrl-C, or a CI job's timeout: either way nothing is left behind.
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)
    process.on(signal, () => void stack.stop().finally(() => process.exit(code)));
  try {
    await stack.start();
    const { seed, kiosks, server, basePort, apiUrl } = stack;
    console.log(`database ${stack.databaseName}: ${SITES} sites, ${KIOSKS} kiosks, ${AGENTS} agents; API ${apiUrl}`);

    // ---- the floor, with nothing else running but the idle API and workers
    const single = await measureFloor(
      stack.floor,
      kiosks,
      floorTargets(seed.macs, basePort, () => 1),
    );
    const sameCopies = (s: number) => (REAL_SITES.has(s) ? 1 : AGENTS_PER_SITE);
    const same = await measureFloor(stack.floor, kiosks, floorTargets(seed.macs, basePort, sameCopies));
    console.log(
      `floor: single copy ${single.ms.toFixed(1)} ms, the fleet's number of packets ${same.ms.toFixed(1)} ms`,
    );

    // ---- the agents, until every one has a heartbeat and (nearly) every long poll waits
    // Each agent process in a session of its own (settings.ts, AGENT_SESSIONS).
    const agentProcs = Array.from({ length: AGENT_PROCESSES }, () =>
      spawnRole('agents', process.env, AGENT_HOST_FLAGS, { ownSession: true }),
    );
    stack.children.push(...agentProcs);
    await Promise.all(agentProcs.map((c) => c.ready));
    const real = new RealAgents(
      seed.agents.filter((a) => a.host === 'real'),
      stack.stateRoot,
    );
    stack.onStop(() => real.stop());
    real.start(apiUrl, basePort);
    const tStart = Date.now();
    await Promise.all(
      agentProcs.map((c, p) =>
        c.call('start', {
          apiUrl,
          stateRoot: stack.stateRoot,
          basePort,
          agents: seed.agents.filter((a) => a.host === p),
        }),
      ),
    );
    for (let last = Date.now(); ; await sleep(500)) {
      const [{ n }] = await stack.db!.query(`SELECT COUNT(*) AS n FROM agents WHERE last_heartbeat_at > ?`, [
        new Date(Date.now() - 60_000),
      ]);
      const { waitingAgents } = await server.call('stats');
      // Some polls are always between two requests (answered at 25 s, asked again); one
      // between polls gets its command at its next poll, well inside the lead.
      if (Number(n) >= AGENTS && waitingAgents >= AGENTS * 0.9) break;
      if (Date.now() - tStart > 300_000)
        throw new Error(`agents not online after 300 s: ${n} heartbeats, ${waitingAgents} polls waiting`);
      if (Date.now() - last > 10_000) {
        last = Date.now();
        console.log(
          `  ${((Date.now() - tStart) / 1000).toFixed(0)} s: ${n} agents with a heartbeat, ${waitingAgents} polls waiting`,
        );
      }
    }
    console.log(`agents: ${AGENTS} online ${((Date.now() - tStart) / 1000).toFixed(1)} s after start`);

    // ---- the rule that switches every kiosk on at the instant: the next whole minute after the largest lead
    const T = Math.ceil((Date.now() + MAX_LEAD_MS + PLAN_MARGIN_MS) / 60_000) * 60_000;
    const loadAtRule = os.loadavg()[0]!;
    const rulePostedMono = mono();
    await postWholeFleetRule(apiUrl, seed.hospitalId, seed.password, T);
    const Tmono = T - wallMinusMono();
    console.log(`instant ${new Date(T).toISOString()}, ${((Tmono - mono()) / 1000).toFixed(0)} s ahead; waiting ...`);

    // The simulated agents' heaps scavenged before the instant (AGENT_HOST_FLAGS says why).
    await sleep(Tmono - 2000 - mono());
    await Promise.all(agentProcs.map((c) => c.call('collectYoung')));
    // CPU per process from T-1 s to T+2 s.
    const pids: Record<string, number[]> = {
      api: [server.proc.pid!],
      workers: stack.workers.map((w) => w.proc.pid!),
      'simulated agents': agentProcs.map((c) => c.proc.pid!),
      'real agents': real.pids,
      kiosks: [kiosks.proc.pid!],
      mariadb: [pidOf(['mariadbd', 'mysqld']) ?? 0],
      redis: [pidOf(['redis-server']) ?? 0],
    };
    const cpuNow = (): Record<string, number> => ({
      ...Object.fromEntries(
        Object.entries(pids).map(([k, ps]) => [k, ps.reduce((n, pid) => n + processCpuSeconds(pid), 0)]),
      ),
      machine: machineBusySeconds(),
    });
    await sleep(Tmono - 1000 - mono());
    const loadAtInstant = os.loadavg()[0]!;
    const cpuBefore = cpuNow();
    await sleep(Tmono + 2000 - mono());
    const cpuAfter = cpuNow();

    // ---- every kiosk's first packet, waiting at most MISSED_AFTER_MS
    while ((await kiosks.call('count')).kiosks < KIOSKS && mono() < Tmono + MISSED_AFTER_MS) await sleep(250);
    const fleet = await kiosks.call('collect');
    const simulated = await Promise.all(agentProcs.map((c) => c.call<AgentsResults>('results')));
    const timings = await Promise.all(stack.dispatchers.map((w) => w.call<StageTimings>('timings')));
    const lines = report({
      T,
      Tmono,
      rulePostedMono,
      ulimit,
      load: { atRule: loadAtRule, atInstant: loadAtInstant, atEnd: os.loadavg()[0]! },
      kiosks: fleet,
      simulated,
      real: [...real.started],
      timings: { plans: timings.flatMap((t) => t.plans), transitions: timings.flatMap((t) => t.transitions) },
      floors: { single, same },
      cpuAtInstant: Object.fromEntries(Object.entries(cpuAfter).map(([k, v]) => [k, v - cpuBefore[k]!])),
      runSeconds: (Date.now() - started) / 1000,
    });
    console.log(lines.join('\n'));
  } finally {
    await stack.stop();
  }
  process.exit(0);
}

/** Through the console API, as ops: an override that switches the hospital's every kiosk on from `T` for 30 minutes. */
async function postWholeFleetRule(apiUrl: string, hospitalId: string, password: string, T: number): Promise<void> {
  const hhmm = (ms: number) =>
    new Intl.DateTimeFormat('en-GB', { timeZone: ZONE, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(
      new Date(ms),
    );
  const end = hhmm(T + 30 * 60_000) < hhmm(T) ? '24:00' : hhmm(T + 30 * 60_000);
  const login = await fetch(`${apiUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'bench-ops', password }),
  });
  if (!login.ok) throw new Error(`login: ${login.status} ${await login.text()}`);
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
  const rule = await fetch(`${apiUrl}/api/rules`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie, origin: new URL(apiUrl).origin },
    body: JSON.stringify({
      hospitalId,
      name: 'Bench: the whole fleet at one instant',
      scope: { kind: 'hospital' },
      layer: 'override',
      windows: [{ start: hhmm(T), end }],
    }),
  });
  if (rule.status !== 201) throw new Error(`rule: ${rule.status} ${await rule.text()}`);
}

main().catch((err) => {
  const cause = (err as Error).cause as Error | undefined;
  console.error(`${(err as Error).stack ?? err}${cause ? `\ncause: ${cause.stack ?? cause}` : ''}`);
  process.exit(1);
});
