import { describe, expect, it, vi } from 'vitest';
import { InstantTimers } from './instant-timers';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('InstantTimers', () => {
  it('runs everything due at one instant in the same turn of the event loop, in order', async () => {
    const timers = new InstantTimers();
    const instant = Date.now() + 30;
    const calls: Array<{ name: string; turn: number; at: number }> = [];
    let turn = 0;
    const tick = setInterval(() => turn++, 1);
    for (const name of ['a', 'b', 'c']) timers.at(instant, () => calls.push({ name, turn, at: Date.now() }));
    expect(timers.pending).toBe(1);
    await sleep(80);
    clearInterval(tick);
    expect(calls.map((c) => c.name)).toEqual(['a', 'b', 'c']);
    expect(new Set(calls.map((c) => c.turn)).size).toBe(1);
    for (const c of calls) expect(c.at).toBeGreaterThanOrEqual(instant);
    expect(timers.pending).toBe(0);
  });

  it('does not hold the event loop when the wall clock stops short of the instant (stepped back)', async () => {
    const timers = new InstantTimers();
    const instant = Date.now() + 10;
    let ran = false;
    timers.at(instant, () => (ran = true));
    // The wall clock stays 1 ms short of the instant: the timer wakes, watches the
    // clock for a bounded time, then yields and tries again.
    const now = vi.spyOn(Date, 'now').mockReturnValue(instant - 1);
    let turns = 0;
    const tick = setInterval(() => turns++, 1);
    try {
      await sleep(60);
      expect(ran).toBe(false);
      expect(turns).toBeGreaterThan(5);
    } finally {
      now.mockRestore();
      clearInterval(tick);
    }
    await sleep(20);
    expect(ran).toBe(true);
  });

  it('runs at once for an instant already past', async () => {
    const timers = new InstantTimers();
    let ran = false;
    timers.at(Date.now() - 1000, () => (ran = true));
    await sleep(5);
    expect(ran).toBe(true);
  });

  it('cancels one callback, and the timer with the last one', async () => {
    const timers = new InstantTimers();
    const instant = Date.now() + 20;
    const ran: string[] = [];
    const cancelA = timers.at(instant, () => ran.push('a'));
    timers.at(instant, () => ran.push('b'));
    cancelA();
    await sleep(50);
    expect(ran).toEqual(['b']);
    const cancelC = timers.at(Date.now() + 20, () => ran.push('c'));
    cancelC();
    expect(timers.pending).toBe(0);
    await sleep(40);
    expect(ran).toEqual(['b']);
  });

  it('still runs the others when one callback throws', async () => {
    const timers = new InstantTimers();
    const instant = Date.now() + 10;
    const ran: string[] = [];
    const errors: unknown[] = [];
    const onError = (err: unknown) => errors.push(err);
    process.prependListener('uncaughtException', onError);
    try {
      timers.at(instant, () => {
        throw new Error('boom');
      });
      timers.at(instant, () => ran.push('after'));
      await sleep(40);
    } finally {
      process.off('uncaughtException', onError);
    }
    expect(ran).toEqual(['after']);
    expect(errors).toHaveLength(1);
  });
});
