/**
 * Who changed what and when: every audit entry the user may see, newest first,
 * named (the entity's name, not its id), with the changed fields labelled in the
 * user's language and times in the user's zone; filters by type, entity, action,
 * user, dates and free text; the filtered list as CSV; Undo for changes of rules
 * and kiosks (staff and up).
 */
import { FormEvent, useEffect, useState } from 'react';
import { api, ApiRequestError, AuditEntry, AuditQuery } from '../api/client';
import { ErrorNote, Loading, refusalText } from '../components/common';
import { useToast } from '../components/Toasts';
import { useI18n, type MessageKey } from '../i18n';
import { Link, navigate, setQueryParam, useRoute } from '../router';
import { canEditFleet, useSession } from '../session';
import { changedFields, fieldLabel, formatValue, type FieldChange } from './audit-changes';

const PAGE_SIZE = 50;
const UNDOABLE_TYPES = new Set(['power_rule', 'kiosk']);
const UNDOABLE_ACTIONS = new Set(['create', 'update', 'delete', 'undo']);
const ENTITY_TYPES = [
  'power_rule',
  'kiosk',
  'site',
  'hospital',
  'agent',
  'agent_token',
  'user',
  'notification_channel',
  'site_thresholds',
  'alert',
  'power_command',
  'enrolment_code',
  'remote_session',
  'session',
  'route',
];
const ACTIONS = ['create', 'update', 'delete', 'undo', 'import', 'login', 'login_failed', 'login_throttled', 'logout', 'access_denied'];
/** Filters kept in the address, so a filtered list can be shared and reloaded. */
const TEXT_FILTERS = ['entity', 'actor', 'q', 'from', 'to'] as const;
/** Changes shown in the row itself; longer lists (creations, deletions) open on demand. */
const INLINE_CHANGES = 4;

/** The user's own zone: audit times are shown in it, and the export's local column too. */
const userZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone;
/** A date input (YYYY-MM-DD) as the instant its day starts in the user's zone; `nextDay` for an inclusive end. */
function dayStart(date: string, nextDay = false): string | undefined {
  if (!/^\d{4}-\d\d-\d\d$/.test(date)) return undefined;
  const d = new Date(`${date}T00:00`);
  if (nextDay) d.setDate(d.getDate() + 1);
  return d.toISOString();
}

export default function AuditPage() {
  const { t, dateTime } = useI18n();
  const { me } = useSession();
  const { query } = useRoute();
  const page = Number(query.get('page') ?? 1);
  const entityType = query.get('entityType') ?? '';
  const entityId = query.get('entityId') ?? '';
  const action = query.get('action') ?? '';
  const text = Object.fromEntries(TEXT_FILTERS.map((k) => [k, query.get(k) ?? ''])) as Record<(typeof TEXT_FILTERS)[number], string>;
  const [draft, setDraft] = useState(text);
  const [result, setResult] = useState<{ items: AuditEntry[]; total: number } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [version, setVersion] = useState(0);
  const [open, setOpen] = useState<string | null>(null);
  const zone = userZone();
  const filters: AuditQuery = {
    entityType,
    entityId,
    action,
    entity: text.entity,
    actor: text.actor,
    q: text.q,
    from: dayStart(text.from),
    to: dayStart(text.to, true),
  };
  const filterKey = JSON.stringify(filters);
  useEffect(() => {
    setError(null);
    api.audit({ page, pageSize: PAGE_SIZE, ...filters }).then(setResult, setError);
    // filterKey stands for the filters' values.
  }, [page, filterKey, version]);
  const pages = result ? Math.max(1, Math.ceil(result.total / PAGE_SIZE)) : 1;

  const apply = (e: FormEvent) => {
    e.preventDefault();
    const params = new URLSearchParams(window.location.search);
    for (const k of TEXT_FILTERS) {
      if (draft[k].trim()) params.set(k, draft[k].trim());
      else params.delete(k);
    }
    params.delete('page');
    navigate(`${window.location.pathname}?${params}`, { replace: true });
  };

  return (
    <section data-testid="audit-page">
      <div className="page-head">
        <h1>{t('audit.title')}</h1>
        <a className="button" href={api.auditCsvUrl({ ...filters, timeZone: zone })} download="audit.csv" data-testid="audit-export">
          {t('auditx.export')}
        </a>
      </div>
      <form className="toolbar audit-filters" onSubmit={apply}>
        <label className="field-inline">
          {t('audit.entityType')}
          <select value={entityType} onChange={(e) => setQueryParam('entityType', e.target.value)} data-testid="audit-type">
            <option value="">{t('common.all')}</option>
            {ENTITY_TYPES.map((type) => (
              <option key={type} value={type}>
                {entityLabel(t, type)}
              </option>
            ))}
          </select>
        </label>
        <label className="field-inline">
          {t('audit.entity')}
          <input value={draft.entity} onChange={(e) => setDraft({ ...draft, entity: e.target.value })} placeholder={t('auditx.entityPlaceholder')} data-testid="audit-entity" />
        </label>
        <label className="field-inline">
          {t('audit.action')}
          <select value={action} onChange={(e) => setQueryParam('action', e.target.value)} data-testid="audit-action">
            <option value="">{t('common.all')}</option>
            {ACTIONS.map((a) => (
              <option key={a} value={a}>
                {actionLabel(t, a)}
              </option>
            ))}
          </select>
        </label>
        <label className="field-inline">
          {t('audit.who')}
          <input value={draft.actor} onChange={(e) => setDraft({ ...draft, actor: e.target.value })} placeholder={t('auditx.actorPlaceholder')} data-testid="audit-actor" />
        </label>
        <label className="field-inline">
          {t('auditx.from')}
          <input type="date" value={draft.from} onChange={(e) => setDraft({ ...draft, from: e.target.value })} data-testid="audit-from" />
        </label>
        <label className="field-inline">
          {t('auditx.to')}
          <input type="date" value={draft.to} onChange={(e) => setDraft({ ...draft, to: e.target.value })} data-testid="audit-to" />
        </label>
        <label className="field-inline">
          {t('auditx.text')}
          <input type="search" value={draft.q} onChange={(e) => setDraft({ ...draft, q: e.target.value })} placeholder={t('auditx.textPlaceholder')} data-testid="audit-q" />
        </label>
        <button type="submit" className="primary" data-testid="audit-apply">
          {t('auditx.apply')}
        </button>
        {entityId && (
          <span className="chip">
            {t('audit.entity')}: <code>{entityId.slice(0, 8)}</code>
            <button type="button" onClick={() => setQueryParam('entityId', null)} aria-label={t('common.clear')}>
              ×
            </button>
          </span>
        )}
      </form>
      <ErrorNote error={error} />
      {!result && !error && <Loading />}
      {result && (
        <div className="card">
          <table className="table" data-testid="audit-table">
            <thead>
              <tr>
                <th>
                  {t('audit.when')} <span className="muted small" data-testid="audit-zone">({zone})</span>
                </th>
                <th>{t('audit.who')}</th>
                <th>{t('audit.action')}</th>
                <th>{t('audit.what')}</th>
                <th>{t('auditx.changes')}</th>
                <th>{t('common.hospital')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {result.items.map((e) => (
                <AuditRow
                  key={e.id}
                  entry={e}
                  open={open === e.id}
                  onToggle={() => setOpen(open === e.id ? null : e.id)}
                  canUndo={canEditFleet(me.role) && UNDOABLE_TYPES.has(e.entityType) && UNDOABLE_ACTIONS.has(e.action)}
                  when={dateTime(e.at, zone)}
                  onUndone={() => setVersion((v) => v + 1)}
                />
              ))}
            </tbody>
          </table>
          {result.items.length === 0 && <p className="empty">{t('audit.none')}</p>}
          <div className="pager">
            <button disabled={page <= 1} onClick={() => setQueryParam('page', String(page - 1))}>
              ‹
            </button>
            <span>{t('common.pageOf', { page, pages, total: result.total })}</span>
            <button disabled={page >= pages} onClick={() => setQueryParam('page', String(page + 1))}>
              ›
            </button>
          </div>
        </div>
      )}
    </section>
  );
}

function AuditRow({
  entry: e,
  open,
  onToggle,
  canUndo,
  when,
  onUndone,
}: {
  entry: AuditEntry;
  open: boolean;
  onToggle(): void;
  canUndo: boolean;
  when: string;
  onUndone(): void;
}) {
  const { t } = useI18n();
  const toast = useToast();
  const [busy, setBusy] = useState(false);
  const changes = changedFields(e.before, e.after);
  const inline = changes.length <= INLINE_CHANGES;
  const undo = async () => {
    if (!window.confirm(t('audit.confirmUndo'))) return;
    setBusy(true);
    try {
      await api.undo(e.id);
      toast(t('audit.undone'));
      onUndone();
    } catch (err) {
      if (err instanceof ApiRequestError && err.status === 409) toast(t('audit.undoConflict'), 'error');
      else toast(refusalText(err, t), 'error');
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <tr
        data-testid="audit-row"
        data-action={e.action}
        data-entity-type={e.entityType}
        data-entity-id={e.entityId ?? ''}
        className={open ? 'selected' : ''}
      >
        <td className="nowrap">{when}</td>
        <td className="nowrap">
          {/* An agent acts under "agent:<name>" (the API's audit actor): said in the user's words. */}
          {e.actorName.startsWith('agent:') ? t('audit.actorAgent', { name: e.actorName.slice('agent:'.length) }) : e.actorName}
        </td>
        <td>
          <span className={`pill action-${e.action}`}>{actionLabel(t, e.action)}</span>
        </td>
        <td data-testid="audit-what">
          {entityLabel(t, e.entityType)}{' '}
          {e.entityName && (
            <strong data-testid="audit-entity-name" title={e.entityNameSource === 'recorded' ? t('auditx.recordedName') : undefined}>
              {e.entityName}
            </strong>
          )}{' '}
          {e.entityId && (
            <code className="muted small entity-id" title={e.entityId} data-testid="audit-entity-id">
              {e.entityId.slice(0, 8)}
            </code>
          )}{' '}
          {e.entityType === 'power_rule' && e.action !== 'delete' && e.hospitalId && e.entityId && (
            <Link to={`/schedules?hospital=${e.hospitalId}&rule=${e.entityId}`} className="small">
              {t('common.open')}
            </Link>
          )}
          {e.entityType === 'kiosk' && e.action !== 'delete' && e.entityId && (
            <Link to={`/kiosks/${e.entityId}`} className="small">
              {t('common.open')}
            </Link>
          )}
        </td>
        <td>{inline ? <ChangeList changes={changes} created={!e.before} deleted={!e.after} /> : null}</td>
        <td>{e.hospitalName ?? '—'}</td>
        <td className="nowrap">
          {!inline && (
            <button onClick={onToggle} aria-expanded={open} data-testid="audit-diff-toggle">
              {t('audit.changes', { n: changes.length })}
            </button>
          )}{' '}
          {canUndo && (
            <button onClick={undo} disabled={busy} data-testid="undo">
              {t('audit.undo')}
            </button>
          )}
        </td>
      </tr>
      {open && !inline && (
        <tr className="diff-row">
          <td colSpan={7}>
            <ChangeList changes={changes} created={!e.before} deleted={!e.after} />
          </td>
        </tr>
      )}
    </>
  );
}

/** "Name: old → new" per changed field; a creation shows what was set, a deletion what was there. */
function ChangeList({ changes, created, deleted }: { changes: FieldChange[]; created: boolean; deleted: boolean }) {
  const { t, locale, dateTime } = useI18n();
  const zone = userZone();
  const f = { t, locale, dateTime: (iso: string) => dateTime(iso, zone) };
  if (changes.length === 0) return null;
  return (
    <ul className="audit-changes" data-testid="audit-diff">
      {changes.map((c) => (
        <li key={c.field} data-testid="audit-change" data-field={c.field}>
          <span className="change-field">{fieldLabel(t, c.field)}</span>:{' '}
          {created ? (
            <ins>{formatValue(c.field, c.after, f)}</ins>
          ) : deleted ? (
            <del>{formatValue(c.field, c.before, f)}</del>
          ) : (
            <>
              <del>{formatValue(c.field, c.before, f)}</del> → <ins>{formatValue(c.field, c.after, f)}</ins>
            </>
          )}
        </li>
      ))}
    </ul>
  );
}

type T = ReturnType<typeof useI18n>['t'];
function entityLabel(t: T, type: string) {
  const key = `entity.${type}` as MessageKey;
  const text = t(key);
  return text === key ? type : text;
}
function actionLabel(t: T, action: string) {
  const key = `action.${action}` as MessageKey;
  const text = t(key);
  return text === key ? action : text;
}
