/**
 * The shipped systemd unit, checked by systemd itself (`systemd-analyze verify`,
 * which needs no running systemd): a directive it cannot parse is ignored with only
 * a warning at install time, so a typo in KillMode= or WatchdogSec= would silently
 * drop the guarantee the fault tests rely on.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const unit = path.resolve(__dirname, '../../deploy/wakeward-agent.service');
const analyze = '/usr/bin/systemd-analyze';
const present = fs.existsSync(analyze);
if (!present) console.warn(`[skip] ${analyze} is missing: apt-get install systemd (npm test installs it)`);

/** Verifies a copy named like the shipped unit; returns what systemd complained about. */
function verify(text: string): { status: number | null; complaints: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wakeward-unit-'));
  const file = path.join(dir, 'wakeward-agent.service');
  fs.writeFileSync(file, text);
  const res = spawnSync(analyze, ['verify', file], { encoding: 'utf8' });
  return { status: res.status, complaints: `${res.stdout}${res.stderr}`.trim() };
}

describe.skipIf(!present)('deploy/wakeward-agent.service', () => {
  const shipped = fs.readFileSync(unit, 'utf8');

  it('passes systemd-analyze verify without a complaint', () => {
    expect(verify(shipped)).toEqual({ status: 0, complaints: '' });
  });

  it('keeps what the fault tests rely on: the whole cgroup killed, a notify watchdog', () => {
    const settings = (key: string) => [...shipped.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1]);
    expect(settings('KillMode')).toEqual(['control-group']);
    expect(settings('Type')).toEqual(['notify']);
    expect(settings('NotifyAccess')).toEqual(['all']);
    expect(Number(settings('WatchdogSec')[0])).toBeGreaterThan(0);
    expect(settings('Restart')).toEqual(['always']);
  });

  it('would catch a mistyped directive (the check can fail)', () => {
    const broken = verify(shipped.replace('KillMode=control-group', 'KillMode=control_group'));
    expect(broken.complaints).toMatch(/kill mode/i);
  });
});
