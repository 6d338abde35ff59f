/**
 * Text the server makes, said in the user's language from its code and parameters:
 * why a rule wins or loses on a date, what became of a wake or shutdown, what an agent
 * reported. The server's English stands in for a code this console does not know (an
 * older console facing a newer API), so nothing is ever left blank.
 */
import { useMemo } from 'react';
import { useI18n, type MessageKey, type Translate } from './i18n';

export interface Reasoned {
  reason: string;
  reasonCode?: string;
  reasonParams?: Record<string, string | number>;
}

export interface Outcome {
  outcome: string | null;
  outcomeCode?: string | null;
  outcomeParams?: Record<string, string | number>;
}

/** A key when the dictionary has it; null otherwise (t() returns the key itself for an unknown one). */
export function knownKey(t: Translate, key: string): MessageKey | null {
  return t(key as MessageKey) !== key ? (key as MessageKey) : null;
}

export function useServerText() {
  const { t, dateTime } = useI18n();
  return useMemo(() => {
    const reason = (r: Reasoned): string => {
      const key = r.reasonCode && knownKey(t, `reason.${r.reasonCode}`);
      if (!key) return r.reason;
      const p = r.reasonParams ?? {};
      const scope = (s: unknown) => t(`reason.scope.${String(s)}` as MessageKey);
      return t(key, {
        ...p,
        ...(p.scope !== undefined && { scope: scope(p.scope) }),
        ...(p.winnerScope !== undefined && { winnerScope: scope(p.winnerScope), loserScope: scope(p.loserScope) }),
        ...(p.layer !== undefined && { layer: t(`layer.${String(p.layer)}` as MessageKey) }),
        ...(p.weekday !== undefined && { weekday: t(`weekday.${String(p.weekday)}` as MessageKey) }),
        ...(typeof p.winnerUpdatedAt === 'string' && { winnerUpdatedAt: dateTime(p.winnerUpdatedAt) }),
        ...(typeof p.loserUpdatedAt === 'string' && { loserUpdatedAt: dateTime(p.loserUpdatedAt) }),
        ruleName: String(p.ruleName ?? p.rule ?? ''),
      });
    };
    /** `timeZone`: the site's, for the instant a manual command was given. */
    const outcome = (d: Outcome, timeZone?: string): string | null => {
      const key = d.outcomeCode && knownKey(t, `dispatch.outcome.${d.outcomeCode}`);
      if (!key) return d.outcome;
      const p = d.outcomeParams ?? {};
      return t(key, {
        ...p,
        ...(p.state !== undefined && { state: t(`dispatch.outcome.state.${String(p.state)}` as MessageKey) }),
        ...(p.action !== undefined && { action: t(`dispatch.action.${String(p.action)}` as MessageKey) }),
        ...(typeof p.at === 'string' && { at: dateTime(p.at, timeZone) }),
        ...(typeof p.problem === 'string' && {
          problem: knownKey(t, `apiError.${p.problem}`) ? t(`apiError.${p.problem}` as MessageKey) : p.problem,
        }),
      });
    };
    return { reason, outcome, agentError: (error: string) => agentErrorText(error, t) };
  }, [t, dateTime]);
}

/**
 * An agent's error for a kiosk, "CODE: detail" (PROTOCOL.md): the code said in the
 * user's language when known; the detail is the agent's own diagnostic, kept apart.
 */
export function agentErrorText(
  error: string,
  t: Translate,
): { text: string; code: string | null; detail: string | null } {
  const m = /^([A-Z][A-Z0-9_]+)(?::\s*(.*))?$/s.exec(error);
  const key = m && knownKey(t, `agentError.${m[1]}`);
  if (!m || !key) return { text: error, code: null, detail: null };
  return { text: t(key), code: m[1], detail: m[2] ?? null };
}
