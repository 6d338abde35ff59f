/**
 * Every site the user may see, by hospital, with its figures (GET
 * /api/fleet/overview): the ops' landing page. A click on a site opens its fleet.
 * Refetched, once per burst, when kiosks, alerts, dispatches or schedules change,
 * at the next scheduled transition, and on a slow timer (agents, temperatures).
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { api, FleetOverview, OverviewSite } from '../api/client';
import { ErrorNote, Loading } from '../components/common';
import { KioskSearch } from '../components/KioskSearch';
import { useI18n } from '../i18n';
import { useLiveEvent } from '../live';
import { useRefresh } from '../refresh';
import { Link, navigate } from '../router';

const REFRESH_EVERY_MS = 60_000;
const MAX_TIMER_MS = 2 ** 31 - 1;

export default function OverviewPage() {
  const { t } = useI18n();
  const [overview, setOverview] = useState<FleetOverview | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [clockOffset, setClockOffset] = useState(0);
  const generation = useRef(0);

  const load = useCallback(() => {
    const request = ++generation.current;
    const askedAt = Date.now();
    api.fleetOverview().then(
      (o) => {
        if (request !== generation.current) return;
        setClockOffset(Date.parse(o.now) - (askedAt + Date.now()) / 2);
        setOverview(o);
        setError(null);
      },
      (e) => request === generation.current && setError(e),
    );
  }, []);
  useEffect(() => {
    load();
    return () => {
      generation.current++;
    };
  }, [load]);
  const refresh = useRefresh(load, { everyMs: REFRESH_EVERY_MS });
  useLiveEvent('kiosk.liveness', refresh);
  useLiveEvent('alert.opened', refresh);
  useLiveEvent('alert.updated', refresh);
  useLiveEvent('dispatch.updated', refresh);
  useLiveEvent('schedule.changed', refresh);
  useLiveEvent('agent.status', refresh);
  // A transition changes what is expected, hence the mismatches: refetch just after it.
  useEffect(() => {
    if (!overview?.nextChangeAt) return;
    const delay = Math.max(0, Date.parse(overview.nextChangeAt) - (Date.now() + clockOffset)) + 250;
    const timer = setTimeout(load, Math.min(delay, MAX_TIMER_MS));
    return () => clearTimeout(timer);
  }, [overview, clockOffset, load]);

  const siteCount = overview?.hospitals.reduce((n, h) => n + h.sites.length, 0) ?? 0;
  return (
    <section data-testid="overview-page">
      <div className="page-head">
        <h1>{t('overview.title')}</h1>
        {overview && (
          <p className="muted" data-testid="overview-summary">
            {t('overview.summary', {
              sites: siteCount,
              kiosks: overview.totals.kiosks,
              mismatched: overview.totals.mismatched,
              alerts: overview.totals.openAlerts,
            })}
          </p>
        )}
      </div>
      <div className="toolbar">
        <KioskSearch />
      </div>
      {!overview && !error && <Loading />}
      <ErrorNote error={error} />
      {overview?.hospitals.map((h) => (
        <section key={h.id} className="card overview-hospital" data-testid="overview-hospital" data-hospital-id={h.id}>
          <h2>{h.name}</h2>
          {h.sites.length === 0 ? (
            <p className="muted">{t('overview.noSites')}</p>
          ) : (
            <table className="overview-table">
              <thead>
                <tr>
                  <th>{t('overview.site')}</th>
                  <th className="num">{t('overview.kiosks')}</th>
                  <th className="num">{t('overview.up')}</th>
                  <th className="num">{t('overview.down')}</th>
                  <th className="num">{t('overview.unknown')}</th>
                  <th className="num">{t('overview.mismatched')}</th>
                  <th className="num">{t('overview.agents')}</th>
                  <th className="num">{t('overview.alerts')}</th>
                  <th>{t('overview.temperature')}</th>
                </tr>
              </thead>
              <tbody>
                {h.sites.map((s) => (
                  <SiteRow key={s.id} site={s} />
                ))}
              </tbody>
            </table>
          )}
        </section>
      ))}
    </section>
  );
}

function SiteRow({ site: s }: { site: OverviewSite }) {
  const { t, ago, dateTime } = useI18n();
  const to = `/fleet?site=${encodeURIComponent(s.id)}`;
  const noAgentOnline = s.agentsTotal > 0 && s.agentsOnline === 0;
  return (
    // The site's name is the link (keyboard, screen readers); the whole row takes the click too.
    <tr
      className="overview-site"
      data-testid="overview-site"
      data-site-id={s.id}
      data-mismatched={s.mismatched}
      onClick={(e) => {
        if (!(e.target as HTMLElement).closest('a')) navigate(to);
      }}
    >
      <td>
        <Link to={to} aria-label={t('overview.openSite', { site: s.name })} data-testid="overview-site-link">
          {s.name}
        </Link>
      </td>
      <td className="num" data-testid="site-kiosks">
        {s.kiosks}
      </td>
      <td className="num" data-testid="site-up">
        {s.up}
      </td>
      <td className="num" data-testid="site-down">
        {s.down}
      </td>
      <td className="num" data-testid="site-unknown">
        {s.unknown}
      </td>
      <td className="num" data-testid="site-mismatched">
        {s.mismatched > 0 ? <span className="pill mismatch alarm">⚠ {s.mismatched}</span> : s.mismatched}
      </td>
      <td className={`num${noAgentOnline ? ' warn' : ''}`} data-testid="site-agents">
        {t('overview.agentsValue', { online: s.agentsOnline, total: s.agentsTotal })}
      </td>
      <td className={`num${s.openAlerts ? ' warn' : ''}`} data-testid="site-alerts">
        {s.openAlerts}
      </td>
      <td data-testid="site-temperature">
        {s.temperature ? (
          <span title={dateTime(s.temperature.at, s.timeZone)}>
            {t('overview.celsius', { c: s.temperature.celsius.toFixed(1) })}{' '}
            <span className="muted">
              {t('overview.temperatureFrom', { agent: s.temperature.agentName, ago: ago(s.temperature.at) })}
            </span>
          </span>
        ) : (
          <span className="muted">{t('overview.noReading')}</span>
        )}
      </td>
    </tr>
  );
}
