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
