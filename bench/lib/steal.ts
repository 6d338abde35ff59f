import fs from 'node:fs';

/**
 * Steal time of all cores since boot, in ms (/proc/stat, counted in 10 ms ticks): time
 * a core of this virtual machine had work but the hypervisor ran something else. A
 * thread that loses its core this way is neither on a core nor waiting for one in its
 * own schedstat (the kernel leaves steal out of both), so a loop that took longer than
 * those two add up to was stolen from, blocked, or both.
 */
export function stealMs(): number {
  const fields = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/);
  return Number(fields[8]) * 10;
}
