/**
 * How late does an agent start the commands due at one instant? The firing path
 * alone, without the fleet of bench/dispatch-fleet.ts (which takes minutes).
 *
 *   npx tsx bench/agent-instant.ts [runners=2500] [rounds=6]
 *
 * `runners` CommandRunners in this process, each with its own FileCommandLedger
 * (state dirs on tmpfs, as the fleet bench's) and one wake command of 10 targets,
 * all due at the same instant: as the 2,500 simulated agents of one fleet-bench
 * process. The command's execution is a no-op: what is measured is the start
 * (the runner's `started` event, after the ledger record), which is what the fleet
 * bench's fire lateness is. Each round uses fresh commands from JSON, as delivered.
 *
 * Baseline, same run, alternating with the agent rounds: a bare setTimeout aimed at
 * the instant whose callback takes `runners` timestamps (a Node process cannot start
 * anything at an instant before its timer runs).
 *
 * Printed per kind: the first start, the last start (the p100 of the fleet bench's
 * per-process fire lateness) and the cost per command, median over rounds.
 */
import fs from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { FileCommandLedger } from '../apps/pi-agent/src/commands/command-ledger';
import { CommandRunner } from '../apps/pi-agent/src/commands/runner';
import { configureLogging, createLogger } from '../apps/pi-agent/src/log';
import type { AgentCommand } from '../apps/pi-agent/src/protocol';

const RUNNERS = Number(process.argv[2] ?? 2500);
const ROUNDS = Number(process.argv[3] ?? 6);
const TARGETS = 10;

const mono = () => Number(process.hrtime.bigint()) / 1e6;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Round {
  first: number;
  last: number;
}

/** The next whole second at least 1 s ahead, and the same instant on the monotonic clock. */
function nextInstant(): { wall: number; mono: number } {
  const wall = Math.ceil((Date.now() + 1000) / 1000) * 1000;
  // Date.now() is whole milliseconds; timeOrigin + now() has the fraction.
  return { wall, mono: mono() + (wall - (performance.timeOrigin + performance.now())) };
}

async function agentRound(runners: CommandRunner[], starts: number[], round: number): Promise<Round> {
  starts.length = 0;
  const instant = nextInstant();
  const dueAt = new Date(instant.wall).toISOString();
  const expiresAt = new Date(instant.wall + 600_000).toISOString();
  runners.forEach((runner, i) => {
    const body = JSON.stringify({
      commands: [
        {
          id: `cmd_${round}_${i}`,
          type: 'wake',
          dueAt,
          expiresAt,
          targets: Array.from({ length: TARGETS }, (_, k) => ({
            kioskId: `k_${i}_${k}`,
            mac: `02:00:00:${(i >> 8) & 0xff}:${i & 0xff}:${k}`.replace(/:(\d)(?=:|$)/g, ':0$1'),
          })),
        },
      ],
    });
    runner.deliver((JSON.parse(body) as { commands: AgentCommand[] }).commands);
  });
  await sleep(instant.wall - Date.now() + 300);
  await Promise.all(runners.map((r) => r.idle()));
  if (starts.length !== runners.length) throw new Error(`${starts.length} of ${runners.length} commands started`);
  return { first: starts[0]! - instant.mono, last: starts[starts.length - 1]! - instant.mono };
}

async function baselineRound(): Promise<Round> {
  const instant = nextInstant();
  const stamps: number[] = [];
  setTimeout(() => {
    for (let i = 0; i < RUNNERS; i++) stamps.push(mono());
  }, instant.wall - Date.now());
  await sleep(instant.wall - Date.now() + 300);
  return { first: stamps[0]! - instant.mono, last: stamps[stamps.length - 1]! - instant.mono };
}

function line(name: string, rounds: Round[]): string {
  const perCommandUs = rounds.map((r) => ((r.last - r.first) / Math.max(1, RUNNERS - 1)) * 1000);
  return (
    `${name}: first start median ${median(rounds.map((r) => r.first)).toFixed(2)} ms, ` +
    `last start median ${median(rounds.map((r) => r.last)).toFixed(2)} ms ` +
    `(rounds: ${rounds.map((r) => r.last.toFixed(1)).join(', ')}), ` +
    `per command median ${median(perCommandUs).toFixed(2)} us`
  );
}

async function main(): Promise<void> {
  configureLogging({ level: 'error' });
  const log = createLogger({ service: 'bench-agent-instant' });
  const root = fs.mkdtempSync(join(fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir(), 'wk-bench-instant-'));
  try {
    const starts: number[] = [];
    const runners = Array.from({ length: RUNNERS }, (_, i) => {
      const stateDir = join(root, String(i));
      fs.mkdirSync(stateDir);
      const runner = new CommandRunner({
        execute: async (command) => command.targets.map((t) => ({ kioskId: t.kioskId, ok: true, error: null })),
        report: () => {},
        ledger: new FileCommandLedger(stateDir),
        log: log.child({ agent: i }),
      });
      runner.on('started', () => starts.push(mono()));
      return runner;
    });
    const agent: Round[] = [];
    const baseline: Round[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      baseline.push(await baselineRound());
      agent.push(await agentRound(runners, starts, round));
    }
    console.log(
      `${RUNNERS} commands due at one instant, ${ROUNDS} rounds; Node ${process.version}, ${os.cpus().length} cores`,
    );
    console.log(line('baseline (bare setTimeout, one timestamp per command)', baseline));
    console.log(line('agent (CommandRunner, ledger record, started event)', agent));
    console.log(
      `cold first round: agent last start ${agent[0]!.last.toFixed(1)} ms (V8 meets the firing path for the first time at the instant, as in the fleet bench)`,
    );
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
