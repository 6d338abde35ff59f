/**
 * Alerts by status, site and kind; ops acknowledge one, or many at once. A grouped
 * alert lists its kiosks (code — name); times are the site's wall clock with its
 * zone, and the text is worded here from the alert's details, in the user's
 * language (the stored message is English). The list follows live events.
 */
import { useEffect, useState } from 'react';
import { Alert, ALERT_KINDS, AlertKind, AlertKiosk, AlertStatus, api } from '../api/client';
import { ErrorNote, Loading, refusalText } from '../components/common';
import { useToast } from '../components/Toasts';
import { useI18n, type MessageKey } from '../i18n';
import { useAlertText } from '../alert-text';
import { useLiveEvent, useLivePoll } from '../live';
import { Link, setQueryParam, useRoute } from '../router';
import { isOps, useSession } from '../session';

const STATUSES: AlertStatus[] = ['open', 'acknowledged', 'resolved'];
/** Kiosks shown per alert before "and n more". */
const KIOSKS_SHOWN = 30;

export default function AlertsPage() {
  const { t, ago } = useI18n();
  const toast = useToast();
  const { me, sites, hospitals } = useSession();
  const { query } = useRoute();
  const status = (query.get('status') as AlertStatus | null) ?? 'open';
  const siteId = query.get('site') ?? '';
  const kind = (query.get('kind') as AlertKind | null) ?? '';
  const [alerts, setAlerts] = useState<Alert[] | null>(null);
  const [total, setTotal] = useState(0);
  const [error, setError] = useState<unknown>(null);
  const [version, setVersion] = useState(0);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  useEffect(() => {
    setError(null);
    api.alerts({ status, siteId: siteId || undefined, kind: kind || undefined, pageSize: 200 }).then((p) => {
      setAlerts(p.items);
      setTotal(p.total);
      // Only what is still shown (and open) stays selected.
      setSelected((s) => new Set(p.items.filter((a) => s.has(a.id) && a.status === 'open').map((a) => a.id)));
    }, setError);
  }, [status, siteId, kind, version]);
  const refresh = () => setVersion((v) => v + 1);
  useLiveEvent('alert.opened', refresh);
  useLiveEvent('alert.updated', refresh);
  useLivePoll(refresh);

  const ops = isOps(me.role);
  const selectable = (alerts ?? []).filter((a) => a.status === 'open');
  const allSelected = selectable.length > 0 && selectable.every((a) => selected.has(a.id));
  const toggle = (id: string) =>
    setSelected((s) => {
      const next = new Set(s);
      if (!next.delete(id)) next.add(id);
      return next;
    });

  const acknowledge = async (ids: string[]) => {
    try {
      const result = await api.acknowledgeAlerts(ids);
      toast(ids.length === 1 ? t('alerts.acknowledged') : t('alerts.acknowledgedN', { n: result.acknowledged.length }));
      setSelected(new Set());
      refresh();
    } catch (err) {
      toast(refusalText(err, t), 'error');
    }
  };
  const where = (a: Alert) => {
    const site = sites.find((s) => s.id === a.siteId);
    const hospital = hospitals.find((h) => h.id === a.hospitalId);
    return [hospital?.name, site?.name].filter(Boolean).join(' · ');
  };
  const kindLabel = (k: string) => {
    const key = `alerts.kind.${k}` as MessageKey;
    return t(key) === key ? k : t(key);
  };
  const { siteTime, zoneOf, summary } = useAlertText();

  return (
    <section>
      <div className="page-head">
        <h1>{t('alerts.title')}</h1>
      </div>
      <div className="toolbar" role="tablist">
        {STATUSES.map((s) => (
          <button
            key={s}
            role="tab"
            aria-selected={s === status}
            className={s === status ? 'primary' : ''}
            onClick={() => setQueryParam('status', s)}
            data-testid={`alerts-tab-${s}`}
          >
            {t(`alerts.status.${s}`)}
          </button>
        ))}
        <label className="field-inline">
          {t('alerts.filterSite')}
          <select
            value={siteId}
            onChange={(e) => setQueryParam('site', e.target.value)}
            data-testid="alerts-filter-site"
          >
            <option value="">{t('alerts.allSites')}</option>
            {hospitals.map((h) => (
              <optgroup key={h.id} label={h.name}>
                {sites
                  .filter((s) => s.hospitalId === h.id)
                  .map((s) => (
                    <option key={s.id} value={s.id}>
                      {h.name} · {s.name}
                    </option>
                  ))}
              </optgroup>
            ))}
          </select>
        </label>
        <label className="field-inline">
          {t('alerts.filterKind')}
          <select value={kind} onChange={(e) => setQueryParam('kind', e.target.value)} data-testid="alerts-filter-kind">
            <option value="">{t('alerts.allKinds')}</option>
            {ALERT_KINDS.map((k) => (
              <option key={k} value={k}>
                {kindLabel(k)}
              </option>
            ))}
          </select>
        </label>
        {alerts && <span className="muted">{total}</span>}
        {ops && status === 'open' && (
          <button
            className="primary"
            disabled={selected.size === 0}
            onClick={() => acknowledge([...selected])}
            data-testid="acknowledge-selected"
          >
            {t('alerts.acknowledgeSelected', { n: selected.size })}
          </button>
        )}
      </div>
      <ErrorNote error={error} />
      {!alerts && !error && <Loading />}
      {alerts && (
        <div className="card">
          <table className="table" data-testid="alerts-table">
            <thead>
              <tr>
                {ops && status === 'open' && (
                  <th>
                    <input
                      type="checkbox"
                      aria-label={t('alerts.selectAll')}
                      checked={allSelected}
                      onChange={() => setSelected(allSelected ? new Set() : new Set(selectable.map((a) => a.id)))}
                      data-testid="alerts-select-all"
                    />
                  </th>
                )}
                <th>{t('alerts.opened')}</th>
                <th>{t('alerts.what')}</th>
                <th>{t('alerts.where')}</th>
                <th>{t('alerts.state')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {alerts.map((a) => (
                <tr key={a.id} data-testid="alert-row" data-status={a.status} data-kind={a.kind} data-id={a.id}>
                  {ops && status === 'open' && (
                    <td>
                      {a.status === 'open' && (
                        <input
                          type="checkbox"
                          aria-label={t('alerts.select')}
                          checked={selected.has(a.id)}
                          onChange={() => toggle(a.id)}
                          data-testid="alert-select"
                        />
                      )}
                    </td>
                  )}
                  <td className="nowrap" title={siteTime(a.openedAt, zoneOf(a))}>
                    {ago(a.openedAt)}
                  </td>
                  <td>
                    <strong>{kindLabel(a.kind)}</strong>
                    <div className="small" data-testid="alert-summary">
                      {summary(a)}
                    </div>
                    <AlertKiosks alert={a} />
                  </td>
                  <td>
                    {where(a)}
                    {a.kioskId && (
                      <div>
                        <Link to={`/kiosks/${a.kioskId}`} className="small">
                          {t('entity.kiosk')}
                        </Link>
                      </div>
                    )}
                  </td>
                  <td>
                    <span
                      className={`pill ${a.status === 'open' ? 'down' : a.status === 'resolved' ? 'up' : 'unknown'}`}
                    >
                      {t(`alerts.status.${a.status}`)}
                    </span>
                    {a.acknowledgedBy && a.acknowledgedAt && (
                      <div className="muted small">
                        {t('alerts.acknowledgedBy', { who: a.acknowledgedBy, ago: ago(a.acknowledgedAt) })}
                      </div>
                    )}
                  </td>
                  <td>
                    {ops && a.status === 'open' && (
                      <button onClick={() => acknowledge([a.id])} data-testid="acknowledge">
                        {t('alerts.acknowledge')}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {alerts.length === 0 && <p className="empty">{t('alerts.none')}</p>}
        </div>
      )}
    </section>
  );
}

/** The kiosks of a grouped alert, by code and name, each a link to its page. */
function AlertKiosks({ alert }: { alert: Alert }) {
  const { t } = useI18n();
  const kiosks = Array.isArray(alert.details?.kiosks) ? (alert.details.kiosks as AlertKiosk[]) : [];
  const count = typeof alert.details?.kioskCount === 'number' ? alert.details.kioskCount : kiosks.length;
  const cleared = Array.isArray(alert.details?.cleared) ? alert.details.cleared.length : 0;
  if (!kiosks.length && !cleared) return null;
  return (
    <details className="small" open={kiosks.length <= 12} data-testid="alert-kiosks" data-count={count}>
      <summary>{t('alerts.kiosks', { n: count })}</summary>
      <ul className="plain">
        {kiosks.slice(0, KIOSKS_SHOWN).map((k) => (
          <li key={k.id} data-testid="alert-kiosk" data-code={k.code}>
            <Link to={`/kiosks/${k.id}`}>
              {k.code} — {k.name}
            </Link>
            {k.observed && <span className="muted"> ({t(`observed.${k.observed}` as MessageKey)})</span>}
          </li>
        ))}
        {count > Math.min(kiosks.length, KIOSKS_SHOWN) && (
          <li className="muted">{t('alerts.moreKiosks', { n: count - Math.min(kiosks.length, KIOSKS_SHOWN) })}</li>
        )}
      </ul>
      {cleared > 0 && <div className="muted">{t('alerts.cleared', { n: cleared })}</div>}
    </details>
  );
}
