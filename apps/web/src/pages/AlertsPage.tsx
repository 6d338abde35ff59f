/** Alerts by status (open, acknowledged, resolved); ops acknowledge them. The list follows live events. */
import { useEffect, useState } from 'react';
import { Alert, AlertStatus, api, ApiRequestError } from '../api/client';
import { ErrorNote, Loading } from '../components/common';
import { useToast } from '../components/Toasts';
import { useI18n, type MessageKey } from '../i18n';
import { useLiveEvent } from '../live';
import { Link, setQueryParam, useRoute } from '../router';
import { isOps, useSession } from '../session';

const STATUSES: AlertStatus[] = ['open', 'acknowledged', 'resolved'];

export default function AlertsPage() {
  const { t, dateTime, ago } = useI18n();
  const toast = useToast();
  const { me, sites, hospitals } = useSession();
  const { query } = useRoute();
  const status = (query.get('status') as AlertStatus | null) ?? 'open';
  const [alerts, setAlerts] = useState<Alert[] | null>(null);
  const [total, setTotal] = useState(0);
  const [error, setError] = useState<unknown>(null);
  const [version, setVersion] = useState(0);
  useEffect(() => {
    setError(null);
    api.alerts({ status, pageSize: 200 }).then((p) => {
      setAlerts(p.items);
      setTotal(p.total);
    }, setError);
  }, [status, version]);
  const refresh = () => setVersion((v) => v + 1);
  useLiveEvent('alert.opened', refresh);
  useLiveEvent('alert.updated', refresh);

  const acknowledge = async (a: Alert) => {
    try {
      await api.acknowledgeAlert(a.id);
      toast(t('alerts.acknowledged'));
      refresh();
    } catch (err) {
      toast(err instanceof ApiRequestError ? err.message : t('common.unreachable'), 'error');
    }
  };
  const where = (a: Alert) => {
    const site = sites.find((s) => s.id === a.siteId);
    const hospital = hospitals.find((h) => h.id === a.hospitalId);
    return [hospital?.name, site?.name].filter(Boolean).join(' · ');
  };
  const kindLabel = (kind: string) => {
    const key = `alerts.kind.${kind}` as MessageKey;
    return t(key) === key ? kind : t(key);
  };

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
        {alerts && <span className="muted">{total}</span>}
      </div>
      <ErrorNote error={error} />
      {!alerts && !error && <Loading />}
      {alerts && (
        <div className="card">
          <table className="table" data-testid="alerts-table">
            <thead>
              <tr>
                <th>{t('alerts.opened')}</th>
                <th>{t('alerts.what')}</th>
                <th>{t('alerts.where')}</th>
                <th>{t('alerts.state')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {alerts.map((a) => (
                <tr key={a.id} data-testid="alert-row" data-status={a.status} data-kind={a.kind}>
                  <td className="nowrap" title={dateTime(a.openedAt)}>
                    {ago(a.openedAt)}
                  </td>
                  <td>
                    <strong>{kindLabel(a.kind)}</strong>
                    <div className="small">{a.message}</div>
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
                    {isOps(me.role) && a.status === 'open' && (
                      <button onClick={() => acknowledge(a)} data-testid="acknowledge">
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
