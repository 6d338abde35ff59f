/**
 * What a kiosk tile shows, decided in one place: which of five states it is in
 * (each with its colour, icon and words on the page), and how the expected state
 * moves on when a transition instant passes while the page is open.
 */
import type { Expected, FleetKiosk, Observed } from './api/types';

/**
 * - mismatch: should be on but is down, or should be off but is up: stands out;
 * - on-as-expected: up while it should be on;
 * - off-as-expected: down while it should be off: calm, never alarming;
 * - unknown: no agent saw it recently, whatever it should be: distinct;
 * - unmanaged: no rule in force, Wakeward sends it nothing.
 */
export type TileState = 'mismatch' | 'on-as-expected' | 'off-as-expected' | 'unknown' | 'unmanaged';

export const TILE_STATES: readonly TileState[] = [
  'mismatch',
  'on-as-expected',
  'off-as-expected',
  'unknown',
  'unmanaged',
];

/** A kiosk that should be on but is down, or should be off but is up. Unknown is not a mismatch. */
export function isMismatch(k: { expected: Expected; observed: Observed }): boolean {
  return (k.expected === 'on' && k.observed === 'down') || (k.expected === 'off' && k.observed === 'up');
}

export function tileState(k: { expected: Expected; observed: Observed }): TileState {
  if (k.observed === 'unknown') return 'unknown';
  if (isMismatch(k)) return 'mismatch';
  if (k.expected === 'unmanaged') return 'unmanaged';
  return k.expected === 'on' ? 'on-as-expected' : 'off-as-expected';
}

/**
 * The kiosks whose expected state has changed by `serverNow`: each takes its `next`
 * state. What follows that transition is not known here (`expectedUntil` becomes
 * null): the page refetches for it. Returns the same array when nothing changed.
 */
export function passTransitions(kiosks: FleetKiosk[], serverNow: number): FleetKiosk[] {
  let changed = false;
  const out = kiosks.map((k) => {
    if (!k.expectedUntil || !k.next || new Date(k.expectedUntil).getTime() > serverNow) return k;
    changed = true;
    const moved = { ...k, expected: k.next, expectedUntil: null, next: null };
    return { ...moved, mismatch: isMismatch(moved) };
  });
  return changed ? out : kiosks;
}

/** The earliest instant (ms) at which a kiosk's expected state changes, or null. */
export function nextTransitionAt(kiosks: FleetKiosk[]): number | null {
  let next: number | null = null;
  for (const k of kiosks) {
    if (!k.expectedUntil) continue;
    const at = new Date(k.expectedUntil).getTime();
    if (next === null || at < next) next = at;
  }
  return next;
}
