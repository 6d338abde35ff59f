/**
 * One rule's form: name, scope, kind, days, dates, hours on, priority; messages next
 * to the field; a live preview of the next 7 days for chosen kiosks (which rule wins
 * each day and why, from the server's explain); save (audited), delete.
 */
import { FormEvent, useEffect, useMemo, useState } from 'react';
import { api, ApiRequestError, PowerRule, RulePreview } from '../../api/client';
import { fieldRefusal, Loading, refusalText } from '../../components/common';
import { KioskRef, useKioskRef } from '../../components/KioskChooser';
import { useToast } from '../../components/Toasts';
import { useI18n, type MessageKey } from '../../i18n';
import { Link } from '../../router';
import { canEditFleet, useSession } from '../../session';
import { draftFromRule, emptyDraft, fieldKey, ruleBody, RuleDraft, timelineRange } from '../schedule-draft';
import { FieldError, FieldProblem } from './field-problem';
import { kioskIdsToInclude, RuleImpactPanel } from './RuleImpactPanel';
import { RulePreviewPanel } from './RulePreviewPanel';
import { ScopePicker } from './ScopePicker';
import { WeekdaysField, WindowsField } from './WeeklyHoursEditor';

export function RuleEditor({
  hospitalId,
  rule,
  onSaved,
  onDeleted,
  onRulesChanged,
}: {
  hospitalId: string;
  rule: PowerRule | null;
  onSaved(r: PowerRule): void;
  onDeleted(): void;
  /** Another rule was created from the editor (include): the list is out of date. */
  onRulesChanged(): void;
}) {
  const { t, locale } = useI18n();
  const toast = useToast();
  const { me, sites } = useSession();
  const hospitalSites = sites.filter((s) => s.hospitalId === hospitalId);
  const readOnly = !canEditFleet(me.role);
  const [draft, setDraft] = useState<RuleDraft | null>(rule ? null : emptyDraft(hospitalSites[0]?.id ?? ''));
  const [problem, setProblem] = useState<FieldProblem | null>(null);
  const [previewKiosks, setPreviewKiosks] = useState<KioskRef[] | null>(null);
  const [saving, setSaving] = useState(false);
  const toRef = useKioskRef();

  // An existing kiosk-scoped rule lists ids: fetch codes and names for the chips.
  useEffect(() => {
    if (!rule) return;
    const ids = rule.scope.kind === 'kiosks' ? rule.scope.kioskIds.slice(0, 200) : [];
    Promise.all(
      ids.map((id) =>
        api.kiosk(id).then(
          (k) => toRef(k),
          () => ({ id, code: id.slice(0, 8), name: '' }),
        ),
      ),
    ).then((kiosks) => setDraft(draftFromRule(rule, kiosks, hospitalSites[0]?.id ?? '')));
    // A refetched list gives a new object for the same rule: keep the edits then.
  }, [rule?.id, rule?.updatedAt]);

  // Preview kiosks default to a few of the rule's scope; the user may change them.
  const scopeKey = draft ? `${draft.scopeKind}:${draft.siteId}:${draft.kiosks.map((k) => k.id).join(',')}` : '';
  useEffect(() => {
    if (!draft) return;
    if (draft.scopeKind === 'kiosks') return setPreviewKiosks(draft.kiosks.slice(0, 5));
    let current = true;
    api.kiosks({ hospitalId, siteId: draft.scopeKind === 'site' ? draft.siteId : undefined, pageSize: 3 }).then(
      (p) => current && setPreviewKiosks(p.items.map(toRef)),
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
  // Bumped when a rule beside this one is created (include): the impact changes.
  const [rulesVersion, setRulesVersion] = useState(0);
  useEffect(() => {
    if (!body || !previewKiosks) return;
    let current = true;
    setPreviewing(true);
    const timer = setTimeout(() => {
      api
        .previewRule({
          rule: rule ? body : { ...body, hospitalId },
          ruleId: rule?.id,
          kioskIds: previewKiosks.map((k) => k.id),
          impact: true,
          ...timelineRange(body),
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
              setProblem({ field: fieldKey(err.error.field), message: fieldRefusal(err, t, locale), code: err.error.code });
              setPreviewError(null);
            } else setPreviewError(err);
          },
        )
        .finally(() => current && setPreviewing(false));
    }, 400);
    return () => {
      current = false;
      clearTimeout(timer);
      // A request given up must not leave "Loading…" behind (the next one sets it again).
      setPreviewing(false);
    };
  }, [bodyKey, previewKiosks, rule?.id, hospitalId, rulesVersion]);

  const [including, setIncluding] = useState(false);
  const [ticked, setTicked] = useState<Record<string, boolean>>({});
  const include = async () => {
    const inc = preview?.impact?.include;
    if (!inc || !preview?.impact || !body || readOnly) return;
    const kioskIds = kioskIdsToInclude(preview.impact, ticked);
    if (!kioskIds.length) return;
    const name = t('rules.includeName', { name: body.name || t('rules.untitled') }).slice(0, 200);
    setIncluding(true);
    try {
      await api.createRule({
        ...body,
        hospitalId,
        name,
        scope: { kind: 'kiosks', kioskIds },
        layer: inc.layer,
        priority: inc.priority,
      });
      toast(t('rules.includeDone', { name, n: kioskIds.length }));
      setRulesVersion((v) => v + 1);
      onRulesChanged();
    } catch (err) {
      toast(refusalText(err, t), 'error');
    } finally {
      setIncluding(false);
    }
  };

  if (!draft) return <Loading />;
  const set = (patch: Partial<RuleDraft>) => setDraft({ ...draft, ...patch });
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
    // Said once more where it matters: the kiosks this rule will not reach.
    const escaping = preview?.impact?.escapingTotal ?? 0;
    if (escaping > 0 && !window.confirm(t('rules.confirmEscaping', { n: escaping }))) return;
    setSaving(true);
    try {
      // The other parts of overnight hours (see overnightGroups): rules of their own,
      // saved with this one in one transaction, so a refusal leaves none of them.
      const companions = draft.companions.map((g) => ({
        name: t('rules.companionName', { name: body.name, days: g.days.map((d) => t(`weekday.${d}` as MessageKey)).join(' ') }).slice(0, 200),
        days: g.days,
        windows: g.windows,
      }));
      const saved = rule ? await api.updateRule(rule.id, { ...body, companions }) : await api.createRule({ ...body, hospitalId, companions });
      toast(t('common.savedAudited'));
      onSaved(saved);
    } catch (err) {
      if (err instanceof ApiRequestError && err.status === 400)
        setProblem({ field: fieldKey(err.error.field), message: fieldRefusal(err, t, locale), code: err.error.code });
      else toast(refusalText(err, t), 'error');
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
      toast(refusalText(err, t), 'error');
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
            <FieldError problem={problem} field="name" />
          </label>

          <ScopePicker
            draft={draft}
            set={set}
            hospitalId={hospitalId}
            hospitalSites={hospitalSites}
            readOnly={readOnly}
            problem={problem}
          />

          <div className="field">
            {t('rules.layer')}
            <div className="radio-row">
              {(['regular', 'override'] as const).map((l) => (
                <label key={l}>
                  <input
                    type="radio"
                    name="layer"
                    checked={draft.layer === l}
                    onChange={() => set({ layer: l })}
                    data-testid={`layer-${l}`}
                  />
                  {t(`layer.${l}` as MessageKey)}
                </label>
              ))}
            </div>
            <span className="hint">{t(draft.layer === 'override' ? 'rules.overrideHint' : 'rules.regularHint')}</span>
            <FieldError problem={problem} field="layer" />
          </div>

          <WeekdaysField draft={draft} set={set} problem={problem} />

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
              <FieldError problem={problem} field="from" />
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
              <FieldError problem={problem} field="until" />
            </label>
          </div>
          <span className="hint">{t('rules.datesHint')}</span>

          <WindowsField draft={draft} set={set} problem={problem} />

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
            <FieldError problem={problem} field="priority" />
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

      <RulePreviewPanel
        impact={
          preview?.impact && (
            <RuleImpactPanel
              impact={preview.impact}
              ruleName={draft.name}
              ticked={ticked}
              onTick={(id, on) => setTicked({ ...ticked, [id]: on })}
              onInclude={include}
              including={including}
              readOnly={readOnly}
            />
          )
        }
        hospitalId={hospitalId}
        preview={preview}
        previewing={previewing}
        previewError={previewError}
        previewKiosks={previewKiosks}
        setPreviewKiosks={setPreviewKiosks}
        problem={problem}
      />
    </div>
  );
}
