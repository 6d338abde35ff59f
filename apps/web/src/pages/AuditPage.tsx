/**
 * Who changed what and when: every audit entry the user may see, newest first,
 * with the fields that differ between before and after, and Undo for changes of
 * rules and kiosks (staff and up).
 */
import { useEffect, useState } from 'react';
import { api, ApiRequestError, AuditEntry } from '../api/client';
import { ErrorNote, Loading } from '../components/common';
import { useToast } from '../components/Toasts';
import { useI18n, type MessageKey } from '../i18n';
import { Link, setQueryParam, useRoute } from '../router';
import { canEditFleet, useSession } from '../session';

const PAGE_SIZE = 50;
const UNDOABLE_TYPES = new Set(['power_rule', 'kiosk']);
const UNDOABLE_ACTIONS = new Set(['create', 'update', 'delete', 'undo']);
const ENTITY_TYPES = ['power_rule', 'kiosk', 'site', 'hospital', 'agent', 'user', 'enrolment_code', 'session', 'route'];
const ACTIONS = ['create', 'update', 'delete', 'undo', 'login', 'login_failed', 'login_throttled', 'access_denied'];

export default function AuditPage() {
  const { t, dateTime } = useI18n();
  const { me, hospitals } = useSession();
  const { query } = useRoute();
  const page = Number(query.get('page') ?? 1);
  const entityType = query.get('entityType') ?? '';
  const entityId = query.get('entityId') ?? '';
  const action = query.get('action') ?? '';
  const [result, setResult] = useState<{ items: AuditEntry[]; total: number } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [version, setVersion] = useState(0);
  const [open, setOpen] = useState<string | null>(null);
  useEffect(() => {
    setError(null);
    api.audit({ page, pageSize: PAGE_SIZE, entityType, entityId, action }).then(setResult, setError);
  }, [page, entityType, entityId, action, version]);
  const pages = result ? Math.max(1, Math.ceil(result.total / PAGE_SIZE)) : 1;
  const hospitalName = (id: string | null) => hospitals.find((h) => h.id === id)?.name ?? '—';

  return (
    <section>
      <div className="page-head">
        <h1>{t('audit.title')}</h1>
      </div>
      <div className="toolbar">
        <label className="field-inline">
          {t('audit.entityType')}
          <select
            value={entityType}
            onChange={(e) => setQueryParam('entityType', e.target.value)}
            data-testid="audit-type"
          >
            <option value="">{t('common.all')}</option>
            {ENTITY_TYPES.map((type) => (
              <option key={type} value={type}>
                {entityLabel(t, type)}
              </option>
            ))}
          </select>
        </label>
        <label className="field-inline">
          {t('audit.action')}
          <select value={action} onChange={(e) => setQueryParam('action', e.target.value)}>
            <option value="">{t('common.all')}</option>
            {ACTIONS.map((a) => (
              <option key={a} value={a}>
                {actionLabel(t, a)}
              </option>
            ))}
          </select>
        </label>
        {entityId && (
          <span className="chip">
            {t('audit.entity')}: <code>{entityId.slice(0, 8)}</code>
            <button type="button" onClick={() => setQueryParam('entityId', null)} aria-label={t('common.clear')}>
              ×
            </button>
          </span>
        )}
      </div>
      <ErrorNote error={error} />
      {!result && !error && <Loading />}
      {result && (
        <div className="card">
          <table className="table" data-testid="audit-table">
            <thead>
              <tr>
                <th>{t('audit.when')}</th>
                <th>{t('audit.who')}</th>
                <th>{t('audit.action')}</th>
                <th>{t('audit.what')}</th>
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
                  hospital={hospitalName(e.hospitalId)}
                  when={dateTime(e.at)}
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
  hospital,
  when,
  onUndone,
}: {
  entry: AuditEntry;
  open: boolean;
  onToggle(): void;
  canUndo: boolean;
  hospital: string;
  when: string;
  onUndone(): void;
}) {
  const { t } = useI18n();
  const toast = useToast();
  const [busy, setBusy] = useState(false);
  const changes = diff(e.before, e.after);
  const name = (e.after?.name ?? e.before?.name ?? e.after?.code ?? e.before?.code) as string | undefined;
  const undo = async () => {
    if (!window.confirm(t('audit.confirmUndo'))) return;
    setBusy(true);
    try {
      await api.undo(e.id);
      toast(t('audit.undone'));
      onUndone();
    } catch (err) {
      if (err instanceof ApiRequestError && err.status === 409) toast(t('audit.undoConflict'), 'error');
      else toast(err instanceof ApiRequestError ? err.message : t('common.unreachable'), 'error');
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
        <td>{e.actorName}</td>
        <td>
          <span className={`pill action-${e.action}`}>{actionLabel(t, e.action)}</span>
        </td>
        <td>
          {entityLabel(t, e.entityType)} {name && <strong>{name}</strong>}{' '}
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
        <td>{hospital}</td>
        <td className="nowrap">
          {changes.length > 0 && (
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
      {open && (
        <tr className="diff-row">
          <td colSpan={6}>
            <table className="diff" data-testid="audit-diff">
              <thead>
                <tr>
                  <th>{t('audit.field')}</th>
                  <th>{t('audit.before')}</th>
                  <th>{t('audit.after')}</th>
                </tr>
              </thead>
              <tbody>
                {changes.map((c) => (
                  <tr key={c.path}>
                    <td>
                      <code>{c.path}</code>
                    </td>
                    <td className="before">{c.before}</td>
                    <td className="after">{c.after}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </td>
        </tr>
      )}
    </>
  );
}

const IGNORED = new Set(['updatedAt', 'createdAt']);

/** Fields whose value differs between before and after, flattened to paths (`windows.0.end`). */
export function diff(before: unknown, after: unknown): { path: string; before: string; after: string }[] {
  const out: { path: string; before: string; after: string }[] = [];
  const show = (v: unknown) => (v === undefined ? '—' : JSON.stringify(v));
  const walk = (a: unknown, b: unknown, path: string) => {
    const bothObjects =
      a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b);
    if (bothObjects) {
      const keys = new Set([...Object.keys(a as object), ...Object.keys(b as object)]);
      for (const k of keys) {
        if (!path && IGNORED.has(k)) continue;
        walk((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path ? `${path}.${k}` : k);
      }
    } else if (JSON.stringify(a) !== JSON.stringify(b)) {
      out.push({ path: path || '·', before: show(a), after: show(b) });
    }
  };
  walk(before ?? undefined, after ?? undefined, '');
  if (!before || !after) {
    // A creation or deletion: list the fields of the one side there is.
    out.length = 0;
    const side = (before ?? after ?? {}) as Record<string, unknown>;
    for (const [k, v] of Object.entries(side)) {
      if (IGNORED.has(k)) continue;
      out.push({ path: k, before: before ? show(v) : '—', after: after ? show(v) : '—' });
    }
  }
  return out;
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
