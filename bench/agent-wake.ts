/**
 * How late does a wake leave the agent, measured where a kiosk would see it?
 * `npx tsx bench/agent-wake.ts [kiosks=200] [rounds=5]`
 *
 * N simulated kiosks on loopback (127.0.0.1 only). Each round delivers one wake
 * command for all of them, due 1 s ahead, through the agent's real CommandRunner
 * and wake executor (@wakeward/wol over UDP), and records when each kiosk receives
 * its first valid magic packet. Lateness = arrival - dueAt.
 * Baseline, same run: a bare setTimeout aimed at the same instant (the floor any
 * Node timer-based agent can reach).
 *
 * Latest figures (2026-11-24, 2-core dev VM, Node 20.20.2, other work running; the
 * kiosks' receiving sockets share the agent's process and event loop):
 *   baseline (bare setTimeout at dueAt):          p50 1.97 ms  p95 3.70 ms
 *   agent (runner + wake, first packet at kiosk): p50 13.77 ms p95 20.60 ms max 21.38 ms (200 kiosks x 5)
 * With one socket per kiosk (before sendMagicPackets) the agent figure was p50 49 ms, p95 76 ms.
 */
import { CommandRunner } from '../apps/pi-agent/src/commands/runner';
import { MemoryCommandLedger } from '../apps/pi-agent/src/commands/command-ledger';
import { createWakeKiosks } from '../apps/pi-agent/src/commands/wake';
import { AgentConfigSchema } from '../apps/pi-agent/src/config';
import { createLogger, configureLogging } from '../apps/pi-agent/src/log';
import { KioskSimulator } from '../apps/pi-agent/src/sim/kiosks';
import { freePortRange } from '../apps/pi-agent/src/sim/ports';

const kioskCount = Number(process.argv[2] ?? 200);
const rounds = Number(process.argv[3] ?? 5);

function stats(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!.toFixed(2);
  return `p50 ${q(0.5)} ms  p95 ${q(0.95)} ms  max ${sorted[sorted.length - 1]!.toFixed(2)} ms  (n=${values.length})`;
}

async function main(): Promise<void> {
  configureLogging({ level: 'error' });
  const log = createLogger();
  const base = await freePortRange(kioskCount * 2 + 1);
  const sim = new KioskSimulator({
    kiosks: KioskSimulator.kioskSpecs(kioskCount),
    udpBasePort: base,
    vncBasePort: base + kioskCount,
    controlPort: base + kioskCount * 2,
    bootDelayMs: 60_000,
  });
  await sim.start();
  const states = sim.states();
  const config = AgentConfigSchema.parse({
    apiUrl: 'http://127.0.0.1:1',
    wake: {
      address: '127.0.0.1',
      repeat: 3,
      intervalMs: 100,
      portByKiosk: Object.fromEntries(states.map((s) => [s.kioskId, s.wolPort])),
    },
  });
  const wake = createWakeKiosks(config.wake, { subnets: [] }, log); // to the configured loopback address only

  const baseline: number[] = [];
  const agent: number[] = [];
  for (let round = 0; round < rounds; round++) {
    // Baseline: a bare timer aimed at an instant 1 s ahead.
    const aim = Date.now() + 1000;
    await new Promise<void>((resolve) =>
      setTimeout(() => {
        baseline.push(performance.timeOrigin + performance.now() - aim);
        resolve();
      }, aim - Date.now()),
    );

    const dueAt = Date.now() + 1000;
    const firstArrival = new Map<string, number>();
    const onPacket = (kioskId: string, accepted: boolean) => {
      if (accepted && !firstArrival.has(kioskId)) firstArrival.set(kioskId, performance.timeOrigin + performance.now());
    };
    sim.on('packet', onPacket);
    const runner = new CommandRunner({
      execute: (c) => wake(c.targets),
      report: () => {},
      ledger: new MemoryCommandLedger(),
      log,
    });
    runner.deliver([
      {
        id: `bench_${round}`,
        type: 'wake',
        dueAt: new Date(dueAt).toISOString(),
        expiresAt: new Date(dueAt + 60_000).toISOString(),
        targets: states.map((s) => ({ kioskId: s.kioskId, mac: s.mac })),
      },
    ]);
    await new Promise((r) => setTimeout(r, 1000 + 500));
    await runner.idle();
    sim.off('packet', onPacket);
    for (const s of states) {
      const at = firstArrival.get(s.kioskId);
      if (at === undefined) throw new Error(`${s.kioskId} got no packet in round ${round}`);
      agent.push(at - dueAt);
    }
    for (const s of states) await sim.cut(s.kioskId);
  }
  await sim.stop();

  console.log(`kiosks: ${kioskCount}, rounds: ${rounds}, packets per kiosk: 3 (100 ms apart), node ${process.version}`);
  console.log(`baseline (bare setTimeout at dueAt):        ${stats(baseline)}`);
  console.log(`agent (runner + wake, first packet at kiosk): ${stats(agent)}`);
}

void main();
