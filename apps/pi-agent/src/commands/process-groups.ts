/**
 * Shutdown methods are other people's programs (ssh, sshpass, net rpc, a shell
 * wrapper) that may fork and hang. Each runs as the leader of its own process group,
 * so the agent can always end everything it started, grandchildren included:
 *   - at its timeout the whole group gets SIGKILL (execFile's timeout only kills the
 *     direct child, and a grandchild holding the output pipe kept the call pending);
 *   - when the leader exits, whatever it left behind in its group is killed;
 *   - `endAll` (the agent's SIGTERM) ends every group still running.
 * A SIGKILL of the agent itself cannot be caught; there systemd's
 * KillMode=control-group ends the groups with the agent's cgroup.
 */
import { spawn } from 'node:child_process';

export interface GroupRunResult {
  /** Exit code, or null when ended by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  timedOut: boolean;
  /** Ended by `endAll` (the agent stopping), not by itself. */
  ended: boolean;
}

const OUTPUT_LIMIT = 256 * 1024;

export class ProcessGroups {
  private readonly running = new Map<number, { end: () => void }>();

  /** Process group ids still running (the leaders' pids). */
  get pids(): number[] {
    return [...this.running.keys()];
  }

  run(argv: readonly string[], timeoutMs: number): Promise<GroupRunResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(argv[0]!, argv.slice(1), {
        detached: true,
        shell: false,
        stdio: ['ignore', 'ignore', 'pipe'],
        windowsHide: true,
      });
      let stderr = '';
      let timedOut = false;
      let ended = false;
      child.stderr.on('data', (chunk: Buffer) => {
        if (stderr.length < OUTPUT_LIMIT) stderr += chunk.toString();
      });
      if (child.pid === undefined) {
        child.once('error', reject); // spawn failed (ENOENT, EACCES): emitted on the next tick
        return;
      }
      const pgid = child.pid;
      const timer = setTimeout(() => {
        timedOut = true;
        killGroup(pgid, 'SIGKILL');
      }, timeoutMs);
      child.once('error', (err) => {
        clearTimeout(timer);
        this.running.delete(pgid);
        reject(err);
      });
      this.running.set(pgid, {
        end: () => {
          ended = true;
          killGroup(pgid, 'SIGTERM');
        },
      });
      // 'exit', not 'close': a grandchild may hold stderr open for as long as it lives.
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        this.running.delete(pgid);
        killGroup(pgid, 'SIGKILL');
        child.stderr.destroy();
        resolve({ code, signal, stderr, timedOut, ended });
      });
    });
  }

  /**
   * SIGTERM to every running group, then SIGKILL to those still there after
   * `graceMs`. Resolves when every leader has exited.
   */
  async endAll(graceMs = 2000): Promise<void> {
    const pgids = this.pids;
    if (pgids.length === 0) return;
    for (const pgid of pgids) this.running.get(pgid)?.end();
    const deadline = Date.now() + graceMs;
    while (this.running.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    for (const pgid of pgids) killGroup(pgid, 'SIGKILL');
    while (this.running.size > 0) await new Promise((r) => setTimeout(r, 20));
  }
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}
