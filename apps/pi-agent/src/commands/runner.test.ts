import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CommandResult, PowerCommand, TargetOutcome } from '../protocol';
import { memoryLogger } from '../../testing/silent-log';
import { MemoryCommandLedger } from './command-ledger';
import { InstantTimers } from './instant-timers';
import { CommandRunner } from './runner';

const T0 = Date.parse('2026-01-26T22:59:00.000Z');

function wake(id: string, dueInMs: number, expiresInMs = dueInMs + 300_000): PowerCommand {
  return {
    id,
    type: 'wake',
    dueAt: new Date(T0 + dueInMs).toISOString(),
    expiresAt: new Date(T0 + expiresInMs).toISOString(),
    targets: [{ kioskId: 'MZ-1F-07', mac: '00:1a:2b:3c:4d:5e', broadcast: '10.1.2.255' }],
  };
}

function setup(ledger = new MemoryCommandLedger()) {
  const runs: Array<{ id: string; at: number }> = [];
  const results: Array<{ id: string; result: CommandResult }> = [];
  const execute = vi.fn(async (command: PowerCommand): Promise<TargetOutcome[]> => {
    runs.push({ id: command.id, at: Date.now() });
    return command.targets.map((t) => ({ kioskId: t.kioskId, ok: true, error: null }));
  });
  const runner = new CommandRunner({
    execute,
    report: (id, result) => results.push({ id, result }),
    ledger,
    log: memoryLogger(),
    // Its own timers: the process-wide instance would outlive each test's fake clock.
    timers: new InstantTimers(),
  });
  return { runner, runs, results, execute, ledger };
}

beforeEach(() => {
  // setImmediate stays real: the runner sends in the check phase after a timer fires.
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  vi.setSystemTime(T0);
});
afterEach(() => vi.useRealTimers());

describe('CommandRunner', () => {
  it('runs a command exactly at its dueAt by the agent clock', async () => {
    const { runner, runs, results } = setup();
    runner.deliver([wake('cmd_1', 60_000)]);
    await vi.advanceTimersByTimeAsync(59_999);
    expect(runs).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await runner.idle();
    expect(runs).toEqual([{ id: 'cmd_1', at: T0 + 60_000 }]);
    expect(results[0]).toMatchObject({
      id: 'cmd_1',
      result: { status: 'done', targets: [{ kioskId: 'MZ-1F-07', ok: true, error: null }] },
    });
  });

  it('gets ready for a command due later when it is delivered, not for one due at once', async () => {
    const prepared: string[] = [];
    const runner = new CommandRunner({
      execute: async (c) => c.targets.map((t) => ({ kioskId: t.kioskId, ok: true, error: null })),
      report: () => {},
      ledger: new MemoryCommandLedger(),
      log: memoryLogger(),
      timers: new InstantTimers(),
      prepare: (c) => prepared.push(c.id),
    });
    runner.deliver([wake('cmd_later', 60_000), wake('cmd_now', -1_000)]);
    expect(prepared).toEqual(['cmd_later']);
    await vi.advanceTimersByTimeAsync(60_000);
    await runner.idle();
  });

  it('runs at once when dueAt has passed but expiresAt has not', async () => {
    const { runner, runs } = setup();
    runner.deliver([wake('cmd_late', -120_000, 60_000)]);
    await vi.advanceTimersByTimeAsync(0);
    await runner.idle();
    expect(runs).toEqual([{ id: 'cmd_late', at: T0 }]);
  });

  it('never runs after expiresAt and reports it failed as expired', async () => {
    const { runner, runs, results } = setup();
    runner.deliver([wake('cmd_old', -600_000, -1)]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(runs).toEqual([]);
    expect(results[0]).toMatchObject({
      id: 'cmd_old',
      result: { status: 'failed', targets: [{ ok: false, error: 'COMMAND_EXPIRED' }] },
    });
  });

  it('does not run a command whose timer fires after expiresAt (stalled process)', async () => {
    const { runner, runs, results } = setup();
    runner.deliver([wake('cmd_stall', 1000, 2000)]);
    // The clock jumps past expiry before the timer gets to run.
    vi.setSystemTime(T0 + 5000);
    await vi.advanceTimersByTimeAsync(1000);
    expect(runs).toEqual([]);
    expect(results[0]!.result.targets[0]!.error).toBe('COMMAND_EXPIRED');
  });

  it('runs a command delivered twice only once, before and after it ran', async () => {
    const { runner, runs, results } = setup();
    runner.deliver([wake('cmd_dup', 10_000)]);
    runner.deliver([wake('cmd_dup', 10_000)]);
    await vi.advanceTimersByTimeAsync(10_000);
    await runner.idle();
    runner.deliver([wake('cmd_dup', 10_000)]);
    await vi.advanceTimersByTimeAsync(60_000);
    await runner.idle();
    expect(runs).toHaveLength(1);
    expect(results).toHaveLength(1);
  });

  it('remembers what it ran across a restart through the ledger', async () => {
    const ledger = new MemoryCommandLedger();
    const first = setup(ledger);
    first.runner.deliver([wake('cmd_r', 0)]);
    await vi.advanceTimersByTimeAsync(0);
    await first.runner.idle();
    const second = setup(ledger);
    second.runner.deliver([wake('cmd_r', 0)]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(second.runs).toEqual([]);
  });

  it('honours a cancel for a waiting command and reports the cancel itself', async () => {
    const { runner, runs, results } = setup();
    runner.deliver([wake('cmd_c', 30_000)]);
    runner.deliver([{ id: 'cnl_1', type: 'cancel', cancels: 'cmd_c' }]);
    expect(runner.waiting).toEqual([]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(runs).toEqual([]);
    expect(results).toEqual([{ id: 'cnl_1', result: expect.objectContaining({ status: 'done', targets: [] }) }]);
  });

  it('drops a command whose cancel arrived first', async () => {
    const { runner, runs } = setup();
    runner.deliver([{ id: 'cnl_2', type: 'cancel', cancels: 'cmd_x' }]);
    runner.deliver([wake('cmd_x', 1000)]);
    await vi.advanceTimersByTimeAsync(5000);
    expect(runs).toEqual([]);
  });

  it('reports a cancel that came too late as failed, without undoing anything', async () => {
    const { runner, runs, results } = setup();
    runner.deliver([wake('cmd_done', 0)]);
    await vi.advanceTimersByTimeAsync(0);
    await runner.idle();
    runner.deliver([{ id: 'cnl_3', type: 'cancel', cancels: 'cmd_done' }]);
    expect(runs).toHaveLength(1);
    expect(results.find((r) => r.id === 'cnl_3')!.result.status).toBe('failed');
  });

  it('re-arms when the clock was stepped back before the timer fired', async () => {
    const { runner, runs } = setup();
    runner.deliver([wake('cmd_ntp', 10_000)]);
    vi.setSystemTime(T0 - 5_000); // NTP stepped the clock back 5 s
    await vi.advanceTimersByTimeAsync(10_000); // timer fires, but dueAt is still 5 s away
    expect(runs).toEqual([]);
    await vi.advanceTimersByTimeAsync(5_000);
    await runner.idle();
    expect(runs).toEqual([{ id: 'cmd_ntp', at: T0 + 10_000 }]);
  });

  it('turns an executor crash into a failed result for every target', async () => {
    const results: Array<{ id: string; result: CommandResult }> = [];
    const runner = new CommandRunner({
      execute: async () => {
        throw new Error('boom');
      },
      report: (id, result) => results.push({ id, result }),
      ledger: new MemoryCommandLedger(),
      timers: new InstantTimers(),
      log: memoryLogger(),
    });
    runner.deliver([wake('cmd_err', 0)]);
    await vi.advanceTimersByTimeAsync(0);
    await runner.idle();
    expect(results[0]!.result).toMatchObject({
      status: 'failed',
      targets: [{ kioskId: 'MZ-1F-07', ok: false, error: 'boom' }],
    });
  });
});
