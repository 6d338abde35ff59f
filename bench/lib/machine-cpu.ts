import { execSync } from 'node:child_process';
import fs from 'node:fs';

/** CPU seconds the whole machine has been busy since boot (all cores; /proc/stat's first line). */
export function machineBusySeconds(): number {
  const [, user, nice, system, , , irq, softirq, steal] = fs
    .readFileSync('/proc/stat', 'utf8')
    .split('\n', 1)[0]!
    .trim()
    .split(/\s+/)
    .map(Number);
  return (user! + nice! + system! + irq! + softirq! + steal!) / 100;
}

/** CPU seconds (user + system) of a process since it started, from /proc; NaN if it is gone. */
export function processCpuSeconds(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/** The pid of a running program by any of its names (mariadbd or mysqld), if there is one. */
export function pidOf(names: string[]): number | undefined {
  for (const name of names) {
    try {
      const out = execSync(`pidof ${name}`, { stdio: ['ignore', 'pipe', 'ignore'] })
        .toString()
        .trim();
      if (out) return Number(out.split(/\s+/)[0]);
    } catch {
      /* not running under this name */
    }
  }
  return undefined;
}
