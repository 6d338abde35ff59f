/**
 * How late does an agent start the commands due at one instant, and (--wake) when
 * do their packets reach the kiosks? The firing path alone, without the fleet of
 * bench/dispatch-fleet.ts (which takes minutes).
 *
 *   npx tsx bench/agent-instant.ts [runners=2500] [rounds=6] [--wake]
 *
 * `runners` CommandRunners in this process, each with its own FileCommandLedger
 * (state dirs on tmpfs, as the fleet bench's) and one wake command of 10 targets,
 * all due at the same instant: as the 2,500 simulated agents of one fleet-bench
 * process. Each round uses fresh commands from JSON, as delivered.
 *
 * Measured: the start of each command (the runner's `onStarted` hook, after the
 * ledger record), which is what the fleet bench's fire lateness is. Without --wake
 * the command's execution is a no-op. With --wake it is the agent's real wake
 * (createWakeKiosks, prepared when the command is scheduled, as the Agent does),
 * sending to the fleet bench's kiosk receiver (bench/lib/kiosk-receiver.py: one UDP
 * socket per runner on 127.0.0.1, kernel-stamped arrivals), and the first packet at
 * each kiosk is measured too: the fleet bench's packet lateness, for one process.
 *
 * Baselines, same run, alternating with the agent rounds:
 *   - a bare setTimeout aimed at the instant whose callback takes `runners`
 *     timestamps (a Node process cannot start anything at an instant before its
 *     timer runs);
 *   - with --wake, the floor: one prepared MagicPacketSender sending every kiosk's
 *     packets (same repeat and interval) in one call from a bare setTimeout.
 *
 * Printed per kind: first start, last start (the p100 of the fleet bench's
 * per-process fire lateness), cost per command, and with --wake packet lateness
 * p50 / p99, medians over rounds; the first (cold) round separately.
 *
 * Network safety: every packet goes to 127.0.0.1.
 */
import fs from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { MagicPacketSender } from '@wakeward/wol';
import { FileCommandLedger } from '../apps/pi-agent/src/commands/command-ledger';
import { CommandRunner } from '../apps/pi-agent/src/commands/runner';
import { createWakeKiosks } from '../apps/pi-agent/src/commands/wake';
import { AgentConfigSchema } from '../apps/pi-agent/src/config';
import { configureLogging, createLogger } from '../apps/pi-agent/src/log';
import type { AgentCommand, KioskTarget } from '../apps/pi-agent/src/protocol';
import { spawnReceiver, type Child } from './lib/child';
import { summarize } from './lib/stats';

const args = process.argv.slice(2);
const WAKE = args.includes('--wake');
const [RUNNERS = 2500, ROUNDS = 6] = args.filter((a) => !a.startsWith('--')).map(Number);
const TARGETS = 10;
const LOOPBACK = '127.0.0.1';
const REPEAT = 3;
const INTERVAL_MS = 100;

const mono = () => Number(process.hrtime.bigint()) / 1e6;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const hex = (n: number) => n.toString(16).padStart(2, '0');
const macOf = (runner: number, kiosk: number) => `02:00:${hex(runner >> 8)}:${hex(runner & 0xff)}:00:${hex(kiosk)}`;

interface Round {
  first: number;
  last: number;
  /** --wake: first packet at each kiosk - instant. */
  packetP50?: number;
  packetP99?: number;
  missed?: number;
}

/** The next whole second at least 1 s ahead, and the same instant on the monotonic clock. */
function nextInstant(): { wall: number; mono: number } {
  const wall = Math.ceil((Date.now() + 1000) / 1000) * 1000;
  // Date.now() is whole milliseconds; timeOrigin + now() has the fraction.
  return { wall, mono: mono() + (wall - (performance.timeOrigin + performance.now())) };
}

/** First packets at the kiosks (receiver's monotonic stamps) relative to the instant. */
async function packets(receiver: Child | undefined, instantMono: number): Promise<Partial<Round>> {
  if (!receiver) return {};
  const { first } = (await receiver.call('collect')) as { first: number[] };
  const got = summarize(first.filter((t) => t > 0).map((t) => t - instantMono));
  return { packetP50: got.p50, packetP99: got.p99, missed: first.length - got.n };
}

async function agentRound(
  runners: CommandRunner[],
  starts: number[],
  round: number,
  receiver: Child | undefined,
): Promise<Round> {
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
          targets: Array.from({ length: TARGETS }, (_, k) => ({ kioskId: `k_${i}_${k}`, mac: macOf(i, k) })),
        },
      ],
    });
    runner.deliver((JSON.parse(body) as { commands: AgentCommand[] }).commands);
  });
  await sleep(instant.wall - Date.now() + 300);
  // With --wake, idle() also waits for every wake's last round of packets.
  await Promise.all(runners.map((r) => r.idle()));
  if (starts.length !== runners.length) throw new Error(`${starts.length} of ${runners.length} commands started`);
  return {
    first: starts[0]! - instant.mono,
    last: starts[starts.length - 1]! - instant.mono,
    ...(await packets(receiver, instant.mono)),
  };
}

/** --wake: the floor's sender, prepared for every kiosk, and where its packets are counted. */
interface Floor {
  sender: MagicPacketSender;
  targets: Array<{ mac: string; address: string; port: number }>;
  receiver: Child;
}

async function baselineRound(floor: Floor | undefined): Promise<Round> {
  const instant = nextInstant();
  const stamps: number[] = [];
  let sent: Promise<unknown> = Promise.resolve();
  setTimeout(() => {
    for (let i = 0; i < RUNNERS; i++) stamps.push(mono());
    if (floor) sent = floor.sender.send(floor.targets, { repeat: REPEAT, intervalMs: INTERVAL_MS });
  }, instant.wall - Date.now());
  await sleep(instant.wall - Date.now() + 300);
  await sent;
  return {
    first: stamps[0]! - instant.mono,
    last: stamps[stamps.length - 1]! - instant.mono,
    ...(await packets(floor?.receiver, instant.mono)),
  };
}

function line(name: string, rounds: Round[]): string {
  const perCommandUs = rounds.map((r) => ((r.last - r.first) / Math.max(1, RUNNERS - 1)) * 1000);
  const packetText =
    rounds[0]!.packetP99 === undefined
      ? ''
      : `; packet lateness median p50 ${median(rounds.map((r) => r.packetP50!)).toFixed(1)} ms, ` +
        `p99 ${median(rounds.map((r) => r.packetP99!)).toFixed(1)} ms ` +
        `(rounds: ${rounds.map((r) => r.packetP99!.toFixed(0)).join(', ')}), missed ${rounds.reduce((n, r) => n + r.missed!, 0)}`;
  return (
    `${name}: first start median ${median(rounds.map((r) => r.first)).toFixed(2)} ms, ` +
    `last start median ${median(rounds.map((r) => r.last)).toFixed(2)} ms ` +
    `(rounds: ${rounds.map((r) => r.last.toFixed(1)).join(', ')}), ` +
    `per command median ${median(perCommandUs).toFixed(2)} us` +
    packetText
  );
}

async function main(): Promise<void> {
  configureLogging({ level: 'error' });
  const log = createLogger({ service: 'bench-agent-instant' });
  const root = fs.mkdtempSync(join(fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir(), 'wk-bench-instant-'));
  const receiver = WAKE ? spawnReceiver() : undefined;
  const closers: Array<() => void> = [];
  try {
    let basePort = 0;
    let floor: Floor | undefined;
    if (receiver) {
      await receiver.ready;
      const macs = Array.from({ length: RUNNERS * TARGETS }, (_, j) => macOf(Math.floor(j / TARGETS), j % TARGETS));
      ({ basePort } = await receiver.call('start', { macs, kiosksPerSite: TARGETS }));
      const targets = macs.map((mac, j) => ({ mac, address: LOOPBACK, port: basePort + Math.floor(j / TARGETS) }));
      floor = { sender: new MagicPacketSender(), targets, receiver };
      closers.push(() => floor!.sender.close());
      await floor.sender.prepare(targets);
    }
    const starts: number[] = [];
    const runners = Array.from({ length: RUNNERS }, (_, i) => {
      const stateDir = join(root, String(i));
      fs.mkdirSync(stateDir);
      const wake = receiver
        ? createWakeKiosks(
            AgentConfigSchema.shape.wake.parse({
              address: LOOPBACK,
              port: basePort + i,
              repeat: REPEAT,
              intervalMs: INTERVAL_MS,
            }),
            { subnets: [] }, // every packet goes to the configured loopback address
            log,
          )
        : undefined;
      if (wake) closers.push(() => wake.close());
      const runner = new CommandRunner({
        execute: async (command) =>
          wake
            ? wake(command.targets as KioskTarget[])
            : command.targets.map((t) => ({ kioskId: t.kioskId, ok: true, error: null })),
        prepare: (command) => void wake?.prepare(command.targets),
        report: () => {},
        ledger: new FileCommandLedger(stateDir),
        log: log.child({ agent: i }),
      });
      runner.onStarted = () => starts.push(mono());
      return runner;
    });
    const agent: Round[] = [];
    const baseline: Round[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      baseline.push(await baselineRound(floor));
      agent.push(await agentRound(runners, starts, round, receiver));
    }
    console.log(
      `${RUNNERS} commands of ${TARGETS} kiosks due at one instant, ${ROUNDS} rounds${WAKE ? `, real wakes (repeat ${REPEAT} x ${INTERVAL_MS} ms) to 127.0.0.1` : ''}; Node ${process.version}, ${os.cpus().length} cores`,
    );
    console.log(
      line(
        WAKE
          ? 'baseline (bare setTimeout, one timestamp per command; then one sender, all kiosks in one call)'
          : 'baseline (bare setTimeout, one timestamp per command)',
        baseline,
      ),
    );
    console.log(line('agent (CommandRunner, ledger record, onStarted hook)', agent));
    const cold = agent[0]!;
    console.log(
      `cold first round: agent last start ${cold.last.toFixed(1)} ms` +
        (cold.packetP99 === undefined ? '' : `, packet p99 ${cold.packetP99.toFixed(1)} ms`) +
        ' (V8 meets the firing path for the first time at the instant, as in the fleet bench)',
    );
    if (WAKE) {
      const ratio = median(agent.map((r) => r.packetP99!)) / median(baseline.map((r) => r.packetP99!));
      console.log(`packet p99 / floor (medians): ${ratio.toFixed(2)}x`);
    }
  } finally {
    for (const close of closers) close();
    receiver?.proc.kill();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
