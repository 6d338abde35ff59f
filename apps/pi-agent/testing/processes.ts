/**
 * Real processes for the fault tests: a process tree that hangs, and a way to find
 * every process of a run by a marker in its argv (scanning /proc, so a process that
 * escaped its parent is found too).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * A script that starts `children` node processes which hang (sharing its stderr,
 * as ssh's helpers do) and then hangs itself, or exits at once with `--leave`.
 * Every process carries `marker` in its argv.
 */
export function hangingTreeScript(): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'wakeward-tree-')), 'hanging-tree.js');
  fs.writeFileSync(
    file,
    `const { spawn } = require('child_process');\n` +
      `const marker = process.argv[2];\n` +
      `for (let i = 0; i < 2; i++)\n` +
      `  spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', marker], { stdio: ['ignore', 'ignore', 'inherit'] });\n` +
      `if (process.argv.includes('--leave')) setTimeout(() => process.exit(0), 300);\n` +
      `else setInterval(() => {}, 1000);\n`,
  );
  return file;
}

/** Pids of live (not zombie) processes whose argv contains `marker`. */
export function processesWithMarker(marker: string): number[] {
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (!argv.includes(marker)) continue;
      const state = /^State:\s+(\S)/m.exec(fs.readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1];
      if (state !== 'Z') found.push(Number(entry));
    } catch {
      // gone between readdir and read
    }
  }
  return found;
}

export async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
