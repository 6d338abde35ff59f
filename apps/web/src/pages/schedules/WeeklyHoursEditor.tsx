/** The days a rule is in force and its hours on: weekdays, windows (overnight hours split for the user). */
import { useState } from 'react';
import { useI18n, type MessageKey } from '../../i18n';
import type { PowerWindow } from '../../api/client';
import {
  DayGroup,
  endFieldValue,
  endFromField,
  isOvernight,
  overnightGroups,
  PRESETS,
  RuleDraft,
  WEEKDAYS,
} from '../schedule-draft';
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
          <input
            type="checkbox"
            checked={draft.everyDay}
            onChange={(e) => set({ everyDay: e.target.checked, companions: [] })}
            data-testid="every-day"
          />
          {t('rules.everyDay')}
        </label>
        {WEEKDAYS.map((d) => (
          <label key={d} className={draft.everyDay ? 'muted' : ''}>
            <input
              type="checkbox"
              disabled={draft.everyDay}
              checked={draft.everyDay || draft.days.includes(d)}
              data-testid={`weekday-${d}`}
              // Other days make other nights: the parts computed for the old days go.
              onChange={(e) =>
                set({
                  days: e.target.checked ? [...draft.days, d] : draft.days.filter((x) => x !== d),
                  companions: [],
                })
              }
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
  const [night, setNight] = useState({ start: '22:00', end: '06:00' });
  const setWindow = (i: number, patch: Partial<{ start: string; end: string }>) =>
    set({ windows: draft.windows.map((w, j) => (i === j ? { ...w, ...patch } : w)) });
  const daysOf = (g: DayGroup) => g.days.map((d) => t(`weekday.${d}` as MessageKey)).join(' ');
  const hoursOf = (g: DayGroup) => g.windows.map((w) => `${w.start}–${w.end}`).join(', ');
  /** Turns overnight windows into the model's form: split in place, or several rules by days. */
  const applyOvernight = (windows: PowerWindow[]) => {
    const night = windows.find(isOvernight);
    if (!night) return set({ windows });
    const days = draft.everyDay ? [...WEEKDAYS] : draft.days;
    const [own, ...companions] = overnightGroups(days, windows);
    set(
      draft.everyDay ? { windows: own.windows, companions: [] } : { days: own.days, windows: own.windows, companions },
    );
    setOvernightNote(
      companions.length
        ? t('rules.overnightRules', {
            start: night.start,
            end: night.end,
            n: companions.length + 1,
            parts: [own, ...companions].map((g) => `${daysOf(g)} ${hoursOf(g)}`).join('; '),
          })
        : t('rules.overnightSplit', { start: night.start, end: night.end }),
    );
  };

  return (
    <div className="field">
      {t('rules.windows')}
      <span className="hint">{t('rules.windowsHint')}</span>
      {draft.windows.length === 0 && <p className="muted">{t('rules.offAllDay')}</p>}
      {draft.windows.map((w, i) => (
        <div key={i} className="window-row" data-testid="window-row">
          <input
            type="time"
            value={w.start}
            onChange={(e) => setWindow(i, { start: e.target.value })}
            aria-label={t('rules.windowStart', { n: i + 1 })}
            data-testid={`window-${i}-start`}
            aria-invalid={problem?.field === `windows.${i}.start`}
          />
          <span>–</span>
          <input
            type="time"
            value={endFieldValue(w.end)}
            onChange={(e) => setWindow(i, { end: endFromField(e.target.value) })}
            // Only leaving the end field completes a window: changing the start of
            // 08:00–18:00 to 22:00 must not split it before the end is typed.
            onBlur={() => applyOvernight(draft.windows)}
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
      <span className="hint">{t('rules.midnightHint')}</span>
      <FieldError problem={problem} field="windows" />
      {overnightNote && (
        <p className="notice" data-testid="overnight-note">
          {overnightNote}
        </p>
      )}
      {draft.companions.length > 0 && (
        <div className="notice" data-testid="overnight-companions">
          {t('rules.companionsIntro')}
          <ul>
            {draft.companions.map((g) => (
              <li key={g.days.join()} data-testid="overnight-companion">
                {daysOf(g)}: {hoursOf(g)}
              </li>
            ))}
          </ul>
          <button type="button" onClick={() => set({ companions: [] })} data-testid="drop-companions">
            {t('rules.dropCompanions')}
          </button>
        </div>
      )}
      <div className="actions">
        <button
          type="button"
          onClick={() => set({ windows: [...draft.windows, { start: '', end: '' }] })}
          data-testid="add-window"
        >
          {t('rules.addWindow')}
        </button>
        <span className="overnight-entry">
          <input
            type="time"
            value={night.start}
            onChange={(e) => setNight({ ...night, start: e.target.value })}
            aria-label={t('rules.overnightStart')}
            data-testid="overnight-start"
          />
          <span>–</span>
          <input
            type="time"
            value={night.end}
            onChange={(e) => setNight({ ...night, end: e.target.value })}
            aria-label={t('rules.overnightEnd')}
            data-testid="overnight-end"
          />
          <button
            type="button"
            disabled={!isOvernight(night)}
            onClick={() => applyOvernight([...draft.windows.filter((w) => !isOvernight(w)), night])}
            data-testid="add-overnight"
          >
            {t('rules.addOvernight')}
          </button>
        </span>
      </div>
      <div className="actions" data-testid="hour-presets">
        <span className="muted small">{t('rules.presets')}</span>
        <button type="button" onClick={() => set(PRESETS.weekdays())} data-testid="preset-weekdays">
          {t('rules.presetWeekdays')}
        </button>
        <button type="button" onClick={() => set(PRESETS.everyDay())} data-testid="preset-every-day">
          {t('rules.presetEveryDay')}
        </button>
        <button type="button" onClick={() => set(PRESETS.closedAllDay())} data-testid="preset-closed">
          {t('rules.offAllDayButton')}
        </button>
        <button type="button" onClick={() => set(PRESETS.allDay())} data-testid="preset-24h">
          {t('rules.onAllDayButton')}
        </button>
      </div>
    </div>
  );
}
