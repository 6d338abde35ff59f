/**
 * The floor the fleet's packets are judged against, measured in the same run: one
 * process putting the kiosks' magic packets (same repeat and interval as the agents)
 * on the same loopback sockets with a prepared MagicPacketSender (as an agent's wake:
 * socket open, packets built), while nothing runs but the idle API and workers. Its
 * figure is the time from the send until the last kiosk has its first packet
 * (kernel-stamped at the receiver): what this machine itself needs to put that many
 * packets through loopback. The single-copy floor (every kiosk once) is the judged one.
 */
import { MagicPacketSender } from '@wakeward/wol';
import { Child, serve } from '../child';
import { summarize, type Summary } from '../stats';
import { INTERVAL_MS, KIOSKS, KIOSKS_PER_SITE, LOOPBACK, mono, REPEAT, sleep } from './settings';

const FLOOR_RUNS = 3;

type Target = { mac: string; address: string; port: number };

/** The sender's side (roles.ts runs it as the `floor` role). */
export async function floorRole(): Promise<void> {
  const sender = new MagicPacketSender();
  let targets: Target[] = [];
  serve({
    targets: async (m: { targets: Target[] }) => {
      targets = m.targets;
      await sender.prepare(targets);
      return targets.length;
    },
    send: async () => {
      const start = mono();
      const outcomes = await sender.send(targets, { repeat: REPEAT, intervalMs: INTERVAL_MS });
      return { start, end: mono(), errors: outcomes.filter((o) => o.error).length };
    },
  });
}

/** Kiosk k of `macs` at its site's receiver port, `copiesOf(site)` times (all first copies first). */
export function floorTargets(macs: string[], basePort: number, copiesOf: (site: number) => number): Target[] {
  const targets: Target[] = [];
  const most = Math.max(...Array.from({ length: macs.length / KIOSKS_PER_SITE }, (_, s) => copiesOf(s)));
  for (let copy = 0; copy < most; copy++)
    macs.forEach((mac, k) => {
      const site = Math.floor(k / KIOSKS_PER_SITE);
      if (copy < copiesOf(site)) targets.push({ mac, address: LOOPBACK, port: basePort + site });
    });
  return targets;
}

export interface Floor {
  /** Each run: the last kiosk's first packet after the send began, ms. */
  runs: number[];
  /** The median run's figure. */
  ms: number;
  /** The median run's first-packet percentiles. */
  median: Summary;
  packets: number;
}

/** FLOOR_RUNS sends of `targets` from the floor process, each read at the receiver; the median run. */
export async function measureFloor(floor: Child, kiosks: Child, targets: Target[]): Promise<Floor> {
  await floor.call('targets', { targets });
  // One send first, not counted: the first opens sockets and compiles the code.
  await floor.call('send');
  await sleep(1500);
  await kiosks.call('collect');
  const runs: Summary[] = [];
  for (let run = 0; run < FLOOR_RUNS; run++) {
    const sent = await floor.call('send');
    await sleep(1000);
    const got = await kiosks.call('collect');
    const s = summarize((got.first as number[]).filter((v) => v > 0).map((v) => v - sent.start));
    if (s.n < KIOSKS || sent.errors)
      console.warn(`floor run ${run}: ${s.n}/${KIOSKS} kiosks received, ${sent.errors} send errors`);
    runs.push(s);
    await sleep(500);
  }
  const median = [...runs].sort((a, b) => a.max - b.max)[Math.floor(runs.length / 2)]!;
  return { runs: runs.map((r) => r.max), ms: median.max, median, packets: targets.length * REPEAT };
}
