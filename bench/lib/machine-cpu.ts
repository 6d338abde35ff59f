import fs from 'node:fs';

/** The whole machine's CPU counters since boot (/proc/stat's first line), in 10 ms ticks. */
function machineTicks(): { user: number; nice: number; system: number; irq: number; softirq: number; steal: number } {
  const [, user, nice, system, , , irq, softirq, steal] = fs
    .readFileSync('/proc/stat', 'utf8')
    .split('\n', 1)[0]!
    .trim()
    .split(/\s+/)
    .map(Number);
  return { user: user!, nice: nice!, system: system!, irq: irq!, softirq: softirq!, steal: steal! };
}

/** CPU seconds the whole machine has been busy (all cores, steal included). */
export function machineBusySeconds(): number {
  const t = machineTicks();
  return (t.user + t.nice + t.system + t.irq + t.softirq + t.steal) / 100;
}

/**
 * Steal time of all cores since boot, in ms (counted in 10 ms ticks): time a core of
 * this virtual machine had work but the hypervisor ran something else. A thread that
 * loses its core this way is neither on a core nor waiting for one in its own
 * schedstat (the kernel leaves steal out of both), so a loop that took longer than
 * those two add up to was stolen from, blocked, or both.
 */
export function stealMs(): number {
  return machineTicks().steal * 10;
}

let kdamondPids: number[] | undefined;

/**
 * On-CPU time, in ms (schedstat: nanoseconds), of the kernel's DAMON threads
 * (`kdamond.N`) since they started; 0 where there are none. DAMON samples which
 * memory is in use, for reclaim; on this virtual machine the host configured it to
 * sample every 500 ms, and while the fleet ran it took a core at nice 0 in bursts of
 * 10-100 ms, 1.7 a second (bench/README.md, 2026-12-01 seventh entry): where one falls
 * on the instant, an agent process waits.
 */
export function kdamondMs(): number {
  kdamondPids ??= fs
    .readdirSync('/proc')
    .filter((name) => {
      if (!/^\d+$/.test(name)) return false;
      try {
        return fs.readFileSync(`/proc/${name}/comm`, 'utf8').startsWith('kdamond');
      } catch {
        return false;
      }
    })
    .map(Number);
  let ns = 0;
  for (const pid of kdamondPids) {
    try {
      ns += Number(fs.readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ', 1)[0]);
    } catch {
      /* stopped meanwhile */
    }
  }
  return ns / 1e6;
}
