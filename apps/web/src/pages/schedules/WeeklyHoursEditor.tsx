/** The days a rule is in force and its hours on: weekdays, windows (overnight hours split for the user). */
import { useState } from 'react';
import { useI18n, type MessageKey } from '../../i18n';
import { isOvernight, RuleDraft, splitOvernight, WEEKDAYS } from '../schedule-draft';
import { FieldError, FieldProblem } from './field-problem';

/** The days of the week the rule is in force. */
export function WeekdaysField({
  draft,
  set,
  problem,
}: {
  draft: RuleDraft;
  set(patch: Partial<RuleDraft>): void;
  problem: FieldProblem | null;
}) {
  const { t } = useI18n();
  return (
    <div className="field">
      {t('rules.days')}
      <div className="radio-row" data-testid="rule-days">
        <label>
          <input type="checkbox" checked={draft.everyDay} onChange={(e) => set({ everyDay: e.target.checked })} />
          {t('rules.everyDay')}
        </label>
        {WEEKDAYS.map((d) => (
          <label key={d} className={draft.everyDay ? 'muted' : ''}>
            <input
              type="checkbox"
              disabled={draft.everyDay}
              checked={draft.everyDay || draft.days.includes(d)}
              onChange={(e) => set({ days: e.target.checked ? [...draft.days, d] : draft.days.filter((x) => x !== d) })}
            />
            {t(`weekday.${d}` as MessageKey)}
          </label>
        ))}
      </div>
      <FieldError problem={problem} field="days" />
    </div>
  );
}

/** The hours on of each day in force; overnight hours are split for the user. */
export function WindowsField({
  draft,
  set,
  problem,
}: {
  draft: RuleDraft;
  set(patch: Partial<RuleDraft>): void;
  problem: FieldProblem | null;
}) {
  const { t } = useI18n();
  const [overnightNote, setOvernightNote] = useState<string | null>(null);
  const setWindow = (i: number, patch: Partial<{ start: string; end: string }>) =>
    set({ windows: draft.windows.map((w, j) => (i === j ? { ...w, ...patch } : w)) });
  const splitIfOvernight = (i: number) => {
    const w = draft.windows[i];
    if (!isOvernight(w)) return;
    set({ windows: splitOvernight(draft.windows) });
    setOvernightNote(t('rules.overnightSplit', { start: w.start, end: w.end }));
  };

  return (
    <div className="field">
      {t('rules.windows')}
      <span className="hint">{t('rules.windowsHint')}</span>
      {draft.windows.length === 0 && <p className="muted">{t('rules.offAllDay')}</p>}
      {draft.windows.map((w, i) => (
        <div key={i} className="window-row" data-testid="window-row">
          <input
            value={w.start}
            onChange={(e) => setWindow(i, { start: e.target.value })}
            onBlur={() => splitIfOvernight(i)}
            placeholder="08:00"
            inputMode="numeric"
            aria-label={t('rules.windowStart', { n: i + 1 })}
            data-testid={`window-${i}-start`}
            aria-invalid={problem?.field === `windows.${i}.start`}
          />
          <span>–</span>
          <input
            value={w.end}
            onChange={(e) => setWindow(i, { end: e.target.value })}
            onBlur={() => splitIfOvernight(i)}
            placeholder="18:00"
            inputMode="numeric"
            aria-label={t('rules.windowEnd', { n: i + 1 })}
            data-testid={`window-${i}-end`}
            aria-invalid={problem?.field === `windows.${i}.end`}
          />
          <button
            type="button"
            onClick={() => set({ windows: draft.windows.filter((_, j) => j !== i) })}
            aria-label={t('rules.removeWindow', { n: i + 1 })}
          >
            ×
          </button>
          <FieldError problem={problem} field={`windows.${i}.start`} />
          <FieldError problem={problem} field={`windows.${i}.end`} />
        </div>
      ))}
      <FieldError problem={problem} field="windows" />
      {overnightNote && (
        <p className="notice" data-testid="overnight-note">
          {overnightNote} {!draft.everyDay && t('rules.overnightDaysHint')}
        </p>
      )}
      <div className="actions">
        <button
          type="button"
          onClick={() => set({ windows: [...draft.windows, { start: '', end: '' }] })}
          data-testid="add-window"
        >
          {t('rules.addWindow')}
        </button>
        <button type="button" onClick={() => set({ windows: [] })}>
          {t('rules.offAllDayButton')}
        </button>
        <button type="button" onClick={() => set({ windows: [{ start: '00:00', end: '24:00' }] })}>
          {t('rules.onAllDayButton')}
        </button>
      </div>
    </div>
  );
}
