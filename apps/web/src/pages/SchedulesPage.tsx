/**
 * The rules of a hospital and the rule editor: weekly windows (several a day,
 * overnight hours split for the user), override dates, priority, messages next to
 * the field, a live preview of the next 7 days for chosen kiosks (which rule wins
 * each day and why, from the server's explain), save (audited), delete.
 */
import { FormEvent, useEffect, useMemo, useState } from 'react';
import { api, ApiRequestError, PowerRule, RulePreview } from '../api/client';
import { ErrorNote, HospitalPicker, Loading } from '../components/common';
import { KioskChooser, KioskRef } from '../components/KioskChooser';
import { ScheduleTimeline } from '../components/ScheduleTimeline';
import { useToast } from '../components/Toasts';
import { useI18n, type MessageKey } from '../i18n';
import { Link, navigate, setQueryParam, useRoute } from '../router';
import { canEditFleet, useSession } from '../session';
import {
  draftFromRule,
  emptyDraft,
  fieldKey,
  isOvernight,
  ruleBody,
  RuleDraft,
  splitOvernight,
  WEEKDAYS,
} from './schedule-draft';

export default function SchedulesPage() {
  const { t } = useI18n();
  const { hospitals } = useSession();
  const { query } = useRoute();
  const hospitalId = query.get('hospital') ?? hospitals[0]?.id ?? '';
  const selected = query.get('rule');
  const [rules, setRules] = useState<PowerRule[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [version, setVersion] = useState(0);
  useEffect(() => {
    setError(null);
    api.rules(hospitalId).then((p) => setRules(p.items), setError);
  }, [hospitalId, version]);
  const reload = () => setVersion((v) => v + 1);
  const rule = rules?.find((r) => r.id === selected) ?? null;

  return (
    <section>
      <div className="page-head">
        <h1>{t('rules.title')}</h1>
        <HospitalPicker
          hospitals={hospitals}
          value={hospitalId}
          onChange={(id) => navigate(`/schedules?hospital=${id}`)}
        />
      </div>
      <ErrorNote error={error} />
      {!rules && !error && <Loading />}
      {rules && <RuleList rules={rules} hospitalId={hospitalId} selected={selected} />}
      {rules && (selected === 'new' || rule) && (
        <RuleEditor
          key={`${hospitalId}:${selected}:${rule?.updatedAt ?? ''}`}
          hospitalId={hospitalId}
          rule={rule}
          onSaved={(saved) => {
            reload();
            setQueryParam('rule', saved.id);
          }}
          onDeleted={() => {
            reload();
            setQueryParam('rule', null);
          }}
        />
      )}
    </section>
  );
}

function RuleList({
  rules,
  hospitalId,
  selected,
}: {
  rules: PowerRule[];
  hospitalId: string;
  selected: string | null;
}) {
  const { t } = useI18n();
  const { me, sites } = useSession();
  const order = { hospital: 0, site: 1, kiosks: 2 };
  const sorted = [...rules].sort(
    (a, b) => order[a.scope.kind] - order[b.scope.kind] || a.layer.localeCompare(b.layer) || b.priority - a.priority,
  );
  return (
    <div className="card">
      <div className="card-head">
        <h2>{t('rules.list', { n: rules.length })}</h2>
        {canEditFleet(me.role) && (
          <Link to={`/schedules?hospital=${hospitalId}&rule=new`} className="button primary" data-testid="new-rule">
            {t('rules.new')}
          </Link>
        )}
      </div>
      <table className="table" data-testid="rules-table">
        <thead>
          <tr>
            <th>{t('rules.name')}</th>
            <th>{t('rules.scope')}</th>
            <th>{t('rules.layer')}</th>
            <th>{t('rules.days')}</th>
            <th>{t('rules.dates')}</th>
            <th>{t('rules.windows')}</th>
            <th>{t('rules.priority')}</th>
          </tr>
        </thead>
        <tbody>
          {sorted.map((r) => (
            <tr key={r.id} className={r.id === selected ? 'selected' : ''} data-testid="rule-row" data-name={r.name}>
              <td>
                <Link to={`/schedules?hospital=${hospitalId}&rule=${r.id}`}>{r.name}</Link>
              </td>
              <td>
                {r.scope.kind === 'hospital'
                  ? t('scope.hospital')
                  : r.scope.kind === 'site'
                    ? `${t('scope.site')}: ${sites.find((s) => s.id === (r.scope as { siteId: string }).siteId)?.name ?? '?'}`
                    : t('scope.kiosksN', { n: r.scope.kioskIds.length })}
              </td>
              <td>{t(`layer.${r.layer}` as MessageKey)}</td>
              <td>
                <DaysText days={r.days} />
              </td>
              <td>{r.from || r.until ? `${r.from ?? '…'} – ${r.until ?? '…'}` : '—'}</td>
              <td>
                {r.windows.length ? r.windows.map((w) => `${w.start}–${w.end}`).join(', ') : t('rules.offAllDay')}
              </td>
              <td>{r.priority}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function DaysText({ days }: { days: number[] | null }) {
  const { t } = useI18n();
  if (!days) return <>{t('rules.everyDay')}</>;
  return <>{days.map((d) => t(`weekday.${d}` as MessageKey)).join(' ')}</>;
}

interface FieldProblem {
  field: string;
  message: string;
  code: string;
}

function RuleEditor({
  hospitalId,
  rule,
  onSaved,
  onDeleted,
}: {
  hospitalId: string;
  rule: PowerRule | null;
  onSaved(r: PowerRule): void;
  onDeleted(): void;
}) {
  const { t } = useI18n();
  const toast = useToast();
  const { me, sites } = useSession();
  const hospitalSites = sites.filter((s) => s.hospitalId === hospitalId);
  const readOnly = !canEditFleet(me.role);
  const [draft, setDraft] = useState<RuleDraft | null>(rule ? null : emptyDraft(hospitalSites[0]?.id ?? ''));
  const [problem, setProblem] = useState<FieldProblem | null>(null);
  const [overnightNote, setOvernightNote] = useState<string | null>(null);
  const [previewKiosks, setPreviewKiosks] = useState<KioskRef[] | null>(null);
  const [saving, setSaving] = useState(false);

  // An existing kiosk-scoped rule lists ids: fetch codes and names for the chips.
  useEffect(() => {
    if (!rule) return;
    const ids = rule.scope.kind === 'kiosks' ? rule.scope.kioskIds.slice(0, 200) : [];
    Promise.all(
      ids.map((id) =>
        api.kiosk(id).then(
          (k) => ({ id: k.id, code: k.code, name: k.name }),
          () => ({ id, code: id.slice(0, 8), name: '' }),
        ),
      ),
    ).then((kiosks) => setDraft(draftFromRule(rule, kiosks, hospitalSites[0]?.id ?? '')));
  }, [rule]);

  // Preview kiosks default to a few of the rule's scope; the user may change them.
  const scopeKey = draft ? `${draft.scopeKind}:${draft.siteId}:${draft.kiosks.map((k) => k.id).join(',')}` : '';
  useEffect(() => {
    if (!draft) return;
    if (draft.scopeKind === 'kiosks') return setPreviewKiosks(draft.kiosks.slice(0, 5));
    let current = true;
    api.kiosks({ hospitalId, siteId: draft.scopeKind === 'site' ? draft.siteId : undefined, pageSize: 3 }).then(
      (p) => current && setPreviewKiosks(p.items.map((k) => ({ id: k.id, code: k.code, name: k.name }))),
      () => current && setPreviewKiosks([]),
    );
    return () => {
      current = false;
    };
  }, [scopeKey, hospitalId]);

  const body = useMemo(() => (draft ? ruleBody(draft) : null), [draft]);
  const bodyKey = JSON.stringify(body);
  const [preview, setPreview] = useState<RulePreview | null>(null);
  const [previewError, setPreviewError] = useState<unknown>(null);
  const [previewing, setPreviewing] = useState(false);
  useEffect(() => {
    if (!body || !previewKiosks) return;
    if (previewKiosks.length === 0) return setPreview({ kiosks: [] });
    let current = true;
    setPreviewing(true);
    const timer = setTimeout(() => {
      api
        .previewRule({
          rule: rule ? body : { ...body, hospitalId },
          ruleId: rule?.id,
          kioskIds: previewKiosks.map((k) => k.id),
          days: 7,
        })
        .then(
          (p) => {
            if (!current) return;
            setPreview(p);
            setPreviewError(null);
            setProblem(null);
          },
          (err) => {
            if (!current) return;
            if (err instanceof ApiRequestError && err.status === 400) {
              setProblem({ field: fieldKey(err.error.field), message: err.error.message, code: err.error.code });
              setPreviewError(null);
            } else setPreviewError(err);
          },
        )
        .finally(() => current && setPreviewing(false));
    }, 400);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [bodyKey, previewKiosks, rule?.id, hospitalId]);

  if (!draft) return <Loading />;
  const set = (patch: Partial<RuleDraft>) => setDraft({ ...draft, ...patch });
  const setWindow = (i: number, patch: Partial<{ start: string; end: string }>) =>
    set({ windows: draft.windows.map((w, j) => (i === j ? { ...w, ...patch } : w)) });
  const splitIfOvernight = (i: number) => {
    const w = draft.windows[i];
    if (!isOvernight(w)) return;
    set({ windows: splitOvernight(draft.windows) });
    setOvernightNote(t('rules.overnightSplit', { start: w.start, end: w.end }));
  };

  const err = (field: string) =>
    problem && problem.field === field ? (
      <span className="field-error" role="alert" data-testid={`error-${field}`}>
        {t(`error.${problem.code}` as MessageKey) !== `error.${problem.code}`
          ? `${t(`error.${problem.code}` as MessageKey)}: `
          : ''}
        {problem.message}
      </span>
    ) : null;
  const knownFields = [
    'name',
    'scope.siteId',
    'scope.kioskIds',
    'layer',
    'days',
    'from',
    'until',
    'windows',
    'priority',
    ...draft.windows.flatMap((_, i) => [`windows.${i}.start`, `windows.${i}.end`]),
  ];

  const save = async (e: FormEvent) => {
    e.preventDefault();
    if (readOnly || !body) return;
    setSaving(true);
    try {
      const saved = rule ? await api.updateRule(rule.id, body) : await api.createRule({ ...body, hospitalId });
      toast(t('common.savedAudited'));
      onSaved(saved);
    } catch (err) {
      if (err instanceof ApiRequestError && err.status === 400)
        setProblem({ field: fieldKey(err.error.field), message: err.error.message, code: err.error.code });
      else toast(err instanceof ApiRequestError ? err.message : t('common.unreachable'), 'error');
    } finally {
      setSaving(false);
    }
  };
  const remove = async () => {
    if (!rule || !window.confirm(t('rules.confirmDelete', { name: rule.name }))) return;
    try {
      await api.deleteRule(rule.id);
      toast(t('rules.deleted'));
      onDeleted();
    } catch (err) {
      toast(err instanceof ApiRequestError ? err.message : t('common.unreachable'), 'error');
    }
  };

  return (
    <div className="editor-grid">
      <form className="card" onSubmit={save} data-testid="rule-editor" aria-label={t('rules.editor')}>
        <div className="card-head">
          <h2>{rule ? t('rules.edit', { name: rule.name }) : t('rules.new')}</h2>
          {rule && (
            <Link to={`/audit?entityId=${rule.id}`} className="small">
              {t('rules.history')}
            </Link>
          )}
        </div>
        <fieldset disabled={readOnly}>
          <label className="field">
            {t('rules.name')}
            <input
              value={draft.name}
              onChange={(e) => set({ name: e.target.value })}
              name="name"
              data-testid="rule-name"
              aria-invalid={problem?.field === 'name'}
            />
            {err('name')}
          </label>

          <div className="field">
            {t('rules.scope')}
            <div className="radio-row">
              {(['hospital', 'site', 'kiosks'] as const).map((k) => (
                <label key={k}>
                  <input
                    type="radio"
                    name="scopeKind"
                    checked={draft.scopeKind === k}
                    onChange={() => set({ scopeKind: k })}
                  />
                  {t(`scope.${k}` as MessageKey)}
                </label>
              ))}
            </div>
            {draft.scopeKind === 'site' && (
              <select
                value={draft.siteId}
                onChange={(e) => set({ siteId: e.target.value })}
                aria-label={t('scope.site')}
              >
                {hospitalSites.map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.name}
                  </option>
                ))}
              </select>
            )}
            {draft.scopeKind === 'kiosks' && (
              <KioskChooser
                hospitalId={hospitalId}
                chosen={draft.kiosks}
                onChange={(kiosks) => set({ kiosks })}
                disabled={readOnly}
                testId="scope-kiosks"
              />
            )}
            {err('scope.siteId')}
            {err('scope.kioskIds')}
          </div>

          <div className="field">
            {t('rules.layer')}
            <div className="radio-row">
              {(['regular', 'override'] as const).map((l) => (
                <label key={l}>
                  <input type="radio" name="layer" checked={draft.layer === l} onChange={() => set({ layer: l })} />
                  {t(`layer.${l}` as MessageKey)}
                </label>
              ))}
            </div>
            <span className="hint">{t(draft.layer === 'override' ? 'rules.overrideHint' : 'rules.regularHint')}</span>
            {err('layer')}
          </div>

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
                    onChange={(e) =>
                      set({ days: e.target.checked ? [...draft.days, d] : draft.days.filter((x) => x !== d) })
                    }
                  />
                  {t(`weekday.${d}` as MessageKey)}
                </label>
              ))}
            </div>
            {err('days')}
          </div>

          <div className="field-row">
            <label className="field">
              {t('rules.from')}
              <input
                type="date"
                value={draft.from}
                onChange={(e) => set({ from: e.target.value })}
                name="from"
                aria-invalid={problem?.field === 'from'}
              />
              {err('from')}
            </label>
            <label className="field">
              {t('rules.until')}
              <input
                type="date"
                value={draft.until}
                onChange={(e) => set({ until: e.target.value })}
                name="until"
                aria-invalid={problem?.field === 'until'}
              />
              {err('until')}
            </label>
          </div>
          <span className="hint">{t('rules.datesHint')}</span>

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
                {err(`windows.${i}.start`)}
                {err(`windows.${i}.end`)}
              </div>
            ))}
            {err('windows')}
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

          <label className="field">
            {t('rules.priority')}
            <input
              value={draft.priority}
              onChange={(e) => set({ priority: e.target.value })}
              inputMode="numeric"
              name="priority"
              aria-invalid={problem?.field === 'priority'}
            />
            <span className="hint">{t('rules.priorityHint')}</span>
            {err('priority')}
          </label>
          {problem && !knownFields.includes(problem.field) && (
            <p className="error" role="alert">
              {problem.message}
            </p>
          )}
        </fieldset>
        {!readOnly && (
          <div className="actions">
            <button type="submit" className="primary" disabled={saving} data-testid="save-rule">
              {t('common.save')}
            </button>
            <Link to={`/schedules?hospital=${hospitalId}`} className="button">
              {t('common.cancel')}
            </Link>
            {rule && (
              <button type="button" className="danger" onClick={remove} data-testid="delete-rule">
                {t('common.delete')}
              </button>
            )}
          </div>
        )}
      </form>

      <div className="card" data-testid="rule-preview">
        <div className="card-head">
          <h2>{t('rules.preview')}</h2>
          {previewing && <span className="muted small">{t('common.loading')}</span>}
        </div>
        <p className="hint">{t('rules.previewHint')}</p>
        {previewKiosks && (
          <KioskChooser
            hospitalId={hospitalId}
            chosen={previewKiosks}
            onChange={setPreviewKiosks}
            max={50}
            testId="preview-kiosks"
          />
        )}
        <ErrorNote error={previewError} />
        {problem && <p className="muted">{t('rules.previewBlocked')}</p>}
        {preview?.kiosks
          .slice()
          .sort(
            (a, b) =>
              (previewKiosks ?? []).findIndex((k) => k.id === a.kioskId) -
              (previewKiosks ?? []).findIndex((k) => k.id === b.kioskId),
          )
          .map((k) => (
            <div key={k.kioskId} className="preview-kiosk" data-testid="preview-kiosk" data-code={k.code}>
              <h3>
                {k.code} <span className="muted">{k.name}</span>
              </h3>
              <ScheduleTimeline schedule={k.schedule} />
            </div>
          ))}
      </div>
    </div>
  );
}
