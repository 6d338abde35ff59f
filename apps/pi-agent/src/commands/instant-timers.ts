/**
 * One timer per distinct instant, shared by everything in the process that must act
 * at that instant (wall clock, ms since the epoch).
 *
 * Why not one setTimeout per command: Node starts a timer from the event loop's
 * cached time, so timers aimed at the same wall-clock instant from different
 * moments expire a millisecond or two apart, in different turns of the loop, and
 * the later ones wait behind whatever the earlier ones started (sockets, disk).
 * Grouped, every command due at one instant starts in the same turn: on a Pi,
 * a wake and a shutdown due together; in simulation, a thousand agents in one process.
 */

// Imported, not the global: the global `performance` loads perf_hooks the first time
// it is read, which was at the first instant of the process (a profile of the fleet
// bench showed it compiling there; 1.6 ms on an idle machine, more on a busy one or a Pi).
import { performance } from 'node:perf_hooks';
import { callEach } from './check-phase';

/** setTimeout cannot wait longer than ~24.8 days; longer waits are re-armed. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/**
 * How early the timer wakes the process before an instant; the rest of the wait is
 * spent checking the wall clock. Node expires a timer on the event loop's cached
 * time, with millisecond rounding, so a timer aimed at an instant runs 0-3 ms after
 * it (measured: bench/agent-instant.ts). Waking this much ahead and watching the
 * clock starts the instant's commands within its first millisecond, for at most this
 * much CPU per instant (a few instants a day).
 */
export const EARLY_WAKE_MS = 3;

interface Group {
  timer: NodeJS.Timeout;
  callbacks: Set<() => void>;
}

export class InstantTimers {
  private readonly groups = new Map<number, Group>();

  /**
   * Calls `callback` once, as soon as `Date.now() >= instantMs` (at once if it has
   * passed). Returns a function that cancels it.
   */
  at(instantMs: number, callback: () => void): () => void {
    let group = this.groups.get(instantMs);
    if (!group) {
      group = { timer: this.arm(instantMs), callbacks: new Set() };
      this.groups.set(instantMs, group);
    }
    const wrapped = () => callback();
    group.callbacks.add(wrapped);
    return () => {
      const current = this.groups.get(instantMs);
      if (!current?.callbacks.delete(wrapped) || current.callbacks.size > 0) return;
      clearTimeout(current.timer);
      this.groups.delete(instantMs);
    };
  }

  /** Instants with something waiting (for tests). */
  get pending(): number {
    return this.groups.size;
  }

  private arm(instantMs: number): NodeJS.Timeout {
    const wait = Math.max(0, instantMs - EARLY_WAKE_MS - Date.now());
    return setTimeout(() => this.fire(instantMs), Math.min(wait, MAX_TIMER_MS));
  }

  private fire(instantMs: number): void {
    const group = this.groups.get(instantMs);
    if (!group) return;
    // Timers can fire early (cached loop time, an NTP step) or after a long wait
    // that was capped: re-check against the wall clock, and within the last
    // EARLY_WAKE_MS keep checking it rather than yield to a coarser timer.
    const remaining = instantMs - Date.now();
    if (remaining > EARLY_WAKE_MS) {
      group.timer = this.arm(instantMs);
      return;
    }
    // Busy wait, bounded by the monotonic clock: if the wall clock is stepped back
    // meanwhile, the timer is armed again instead.
    const spinUntil = performance.now() + remaining + 1;
    while (Date.now() < instantMs) {
      if (performance.now() > spinUntil) {
        group.timer = this.arm(instantMs);
        return;
      }
    }
    this.groups.delete(instantMs);
    callEach(group.callbacks);
  }
}

/** The process's shared instance: every runner in the process groups its instants here. */
export const instantTimers = new InstantTimers();
