import { KioskRef, PowerRule, resolve, transitions } from '@wakeward/scheduler';

/** A person's latest wake / shutdown now of a kiosk (a manual dispatch). */
export interface ManualCommand {
  action: 'wake' | 'shutdown';
  at: Date;
  requestedBy: string | null;
}

export interface ExpectedState {
  state: 'on' | 'off' | 'unmanaged';
  /** The schedule's winning rule, when the schedule decides. */
  ruleId?: string;
  /** The manual command that decides, when one holds. */
  manual?: ManualCommand;
}

/** Looked at a week at a time: the next transition is usually within a day. */
const STEP_MS = 7 * 24 * 3_600_000;

/**
 * What a kiosk should be at `now`: a manual command holds until the schedule's next
 * transition for that kiosk (any change of the schedule's state after the command,
 * including one a rule edit brings in); until then the command's state is expected,
 * afterwards the schedule's. The one place this is decided: the fleet view, the
 * dispatcher's late runs and verification all ask here.
 */
export function expectedState(
  rules: readonly PowerRule[],
  kiosk: KioskRef,
  now: Date,
  manual?: ManualCommand | null,
): ExpectedState {
  if (manual && manual.at.getTime() <= now.getTime() && !scheduleChangedBetween(rules, kiosk, manual.at, now)) {
    return { state: manual.action === 'wake' ? 'on' : 'off', manual };
  }
  return resolve(rules, kiosk, now);
}

/**
 * Whether the schedule's state changes in (from, to]: a transition at the very
 * instant of a command does not end it (the person acted knowing the schedule).
 */
export function scheduleChangedBetween(rules: readonly PowerRule[], kiosk: KioskRef, from: Date, to: Date): boolean {
  for (let start = from.getTime() + 1; start <= to.getTime(); start += STEP_MS) {
    const end = Math.min(start + STEP_MS, to.getTime() + 1);
    if (transitions(rules, kiosk, new Date(start), new Date(end)).length) return true;
  }
  return false;
}

export const stateOfAction = (action: 'wake' | 'shutdown'): 'on' | 'off' => (action === 'wake' ? 'on' : 'off');
