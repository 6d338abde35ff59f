/**
 * systemd watchdog (WatchdogSec= in the unit). Node cannot send the unix datagram
 * NOTIFY_SOCKET expects, so we run `systemd-notify` (NotifyAccess=all in the unit
 * lets a child of the service send for it). The ping is sent only while the agent
 * reports itself healthy, so a wedged main loop gets the service restarted.
 */
import { execFile } from 'node:child_process';
import type { Logger } from './log';

export class SystemdNotifier {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly log: Logger,
  ) {}

  get enabled(): boolean {
    return Boolean(this.env.NOTIFY_SOCKET);
  }

  ready(): void {
    this.notify(['--ready', `--pid=${process.pid}`]);
  }

  /** Pings at half the watchdog period while `healthy()` says so. */
  startWatchdog(healthy: () => boolean): void {
    const usec = Number(this.env.WATCHDOG_USEC);
    if (!this.enabled || !Number.isFinite(usec) || usec <= 0) return;
    this.timer = setInterval(
      () => {
        if (healthy()) this.notify([`--pid=${process.pid}`, 'WATCHDOG=1']);
        else this.log.error('main loop unhealthy; withholding watchdog ping so systemd restarts the agent');
      },
      Math.max(1000, usec / 2000),
    );
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.notify(['STOPPING=1']);
  }

  private notify(args: string[]): void {
    if (!this.enabled) return;
    execFile('systemd-notify', args, { timeout: 5000 }, (err) => {
      if (err) this.log.warn('systemd-notify failed', { error: err });
    });
  }
}
