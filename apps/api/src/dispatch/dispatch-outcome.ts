import type { Dispatch } from './dispatch.entity';

/**
 * What became of a dispatch, as a code with the facts it names, for the console to
 * word in the user's language. Derived when the history is read, from the status, the
 * verifications and the stored English `outcome` (kept as is for logs and webhooks):
 * the writers of `outcome` stay untouched. An outcome this does not recognise has no
 * code and the console shows the English text.
 */
export type OutcomeCode =
  | 'verified'
  | 'notAsExpected'
  | 'kioskUnfit'
  | 'noAgent'
  | 'missed'
  | 'foundLate'
  | 'scheduleChangedAfterDelivery'
  | 'supersededByManual'
  | 'supersededScheduleChanged'
  | 'supersededRuleEdit';

export interface DispatchOutcome {
  outcomeCode: OutcomeCode | null;
  outcomeParams: Record<string, string | number>;
}

// The English forms written by the dispatcher, the planner and the verification.
const FORMS: [RegExp, OutcomeCode, (m: RegExpMatchArray) => Record<string, string | number>][] = [
  [/^(up|down) after (\d+) s$/, 'verified', (m) => ({ state: m[1], afterS: Number(m[2]) })],
  [
    /^not (up|down) (\d+) s after the (wake|shutdown)$/,
    'notAsExpected',
    (m) => ({ state: m[1], afterS: Number(m[2]), action: m[3] }),
  ],
  [/has a malformed MAC address/, 'kioskUnfit', () => ({ problem: 'KIOSK_MAC_INVALID' })],
  [/has no shutdown method$/, 'kioskUnfit', () => ({ problem: 'KIOSK_SHUTDOWN_METHOD_MISSING' })],
  [/has no IP address to probe$/, 'kioskUnfit', () => ({ problem: 'KIOSK_IP_MISSING' })],
  [/^no online agent of the site reaches this kiosk$/, 'noAgent', () => ({})],
  [/^found (\d+) s late, past the catch-up window$/, 'missed', (m) => ({ lateS: Number(m[1]) })],
  [/^found late; this state is no longer expected/, 'foundLate', () => ({})],
  [/^the schedule changed after delivery$/, 'scheduleChangedAfterDelivery', () => ({})],
  [
    /^superseded by a manual (wake|shutdown) by (.+) at (\S+)$/,
    'supersededByManual',
    (m) => ({ action: m[1], user: m[2], at: m[3] }),
  ],
  [/^the schedule changed since: it now expects (\w+)$/, 'supersededScheduleChanged', (m) => ({ state: m[1] })],
  [/^a rule edit: the schedule now expects (\w+)$/, 'supersededRuleEdit', (m) => ({ state: m[1] })],
];

export function outcomeOf(d: Pick<Dispatch, 'outcome'>): DispatchOutcome {
  if (d.outcome) {
    for (const [form, outcomeCode, params] of FORMS) {
      const m = d.outcome.match(form);
      if (m) return { outcomeCode, outcomeParams: params(m) };
    }
  }
  return { outcomeCode: null, outcomeParams: {} };
}
