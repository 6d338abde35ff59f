import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { memoryLogger } from '../testing/silent-log';
import { SystemdNotifier } from './watchdog';

/** A stand-in `systemd-notify` on PATH that appends its arguments to a file. */
function fakeSystemdNotify(): { env: NodeJS.ProcessEnv; calls: () => string[][] } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wakeward-notify-'));
  const record = path.join(dir, 'calls.jsonl');
  const script = path.join(dir, 'systemd-notify');
  fs.writeFileSync(
    script,
    `#!${process.execPath}\nrequire('fs').appendFileSync(${JSON.stringify(record)}, JSON.stringify(process.argv.slice(2)) + '\\n');\n`,
    { mode: 0o755 },
  );
  return {
    env: { PATH: `${dir}:${process.env.PATH}`, NOTIFY_SOCKET: '/run/systemd/notify', WATCHDOG_USEC: '2000000' },
    calls: () =>
      fs.existsSync(record)
        ? fs
            .readFileSync(record, 'utf8')
            .trim()
            .split('\n')
            .map((l) => JSON.parse(l) as string[])
        : [],
  };
}

const waitUntil = async (check: () => boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe('SystemdNotifier', () => {
  it('does nothing outside systemd', () => {
    const notifier = new SystemdNotifier({}, memoryLogger());
    expect(notifier.enabled).toBe(false);
    notifier.ready();
    notifier.startWatchdog(() => true);
    notifier.stop();
  });

  it('says READY and pings the watchdog only while healthy', async () => {
    const fake = fakeSystemdNotify();
    const originalPath = process.env.PATH;
    process.env.PATH = fake.env.PATH; // execFile looks the program up on this process's PATH
    try {
      let healthy = true;
      const log = memoryLogger();
      const notifier = new SystemdNotifier(fake.env, log);
      notifier.ready();
      notifier.startWatchdog(() => healthy);
      await waitUntil(() => fake.calls().some((c) => c.includes('WATCHDOG=1')));
      expect(fake.calls()[0]).toEqual(['--ready', `--pid=${process.pid}`]);
      healthy = false;
      await new Promise((r) => setTimeout(r, 300)); // let a ping already started land
      const pings = fake.calls().filter((c) => c.includes('WATCHDOG=1')).length;
      await waitUntil(() => log.lines.some((l) => l.msg.includes('withholding watchdog ping')));
      expect(fake.calls().filter((c) => c.includes('WATCHDOG=1')).length).toBe(pings);
      notifier.stop();
    } finally {
      process.env.PATH = originalPath;
    }
  });
});
