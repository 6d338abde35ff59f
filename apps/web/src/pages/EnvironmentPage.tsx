/** A site's temperature, humidity and smoke per agent over a day, week, month or a chosen period. */
import { useEffect, useMemo, useState } from 'react';
import { api, EnvironmentChart as Chart, EnvironmentMetric } from '../api/client';
import { ErrorNote, Loading, SitePicker } from '../components/common';
import EnvironmentChart from '../components/EnvironmentChart';
import { useI18n, type MessageKey } from '../i18n';
import { setQueryParam, useRoute } from '../router';
import { useSession } from '../session';

const RANGES = { day: 86_400_000, week: 7 * 86_400_000, month: 30 * 86_400_000 } as const;
type RangeName = keyof typeof RANGES | 'custom';
const METRICS: EnvironmentMetric[] = ['temperature', 'humidity', 'smoke'];
const localInput = (ms: number) => new Date(ms - new Date(ms).getTimezoneOffset() * 60_000).toISOString().slice(0, 16);

export default function EnvironmentPage() {
  const { t } = useI18n();
  const { sites, hospitals } = useSession();
  const { query } = useRoute();
  const siteId = query.get('site') ?? sites[0]?.id ?? '';
  const range = (query.get('range') as RangeName | null) ?? 'day';
  const [custom, setCustom] = useState(() => ({ from: localInput(Date.now() - RANGES.week), to: localInput(Date.now()) }));
  const [data, setData] = useState<Chart | null>(null);
  const [error, setError] = useState<unknown>(null);

  const period = useMemo(() => {
    if (range === 'custom') return { from: new Date(custom.from).toISOString(), to: new Date(custom.to).toISOString() };
    const to = Date.now();
    return { from: new Date(to - RANGES[range]).toISOString(), to: new Date(to).toISOString() };
  }, [range, custom]);

  useEffect(() => {
    if (!siteId) return;
    setData(null);
    setError(null);
    api.environment(siteId, period).then(setData, setError);
  }, [siteId, period]);

  const fmt = (v: number | null | undefined) => (v == null ? '—' : String(v));
  return (
    <section data-testid="environment-page">
      <div className="page-head">
        <h1>{t('environment.title')}</h1>
        <SitePicker hospitals={hospitals} sites={sites} value={siteId} onChange={(id) => setQueryParam('site', id)} />
      </div>
      <div className="toolbar">
        {(['day', 'week', 'month', 'custom'] as RangeName[]).map((r) => (
          <button key={r} className={r === range ? 'primary' : ''} onClick={() => setQueryParam('range', r)} data-testid={`range-${r}`}>
            {t(`environment.${r}` as MessageKey)}
          </button>
        ))}
        {range === 'custom' && (
          <>
            <label className="field-inline">
              {t('environment.from')}
              <input type="datetime-local" value={custom.from} onChange={(e) => setCustom((c) => ({ ...c, from: e.target.value }))} />
            </label>
            <label className="field-inline">
              {t('environment.to')}
              <input type="datetime-local" value={custom.to} onChange={(e) => setCustom((c) => ({ ...c, to: e.target.value }))} />
            </label>
          </>
        )}
      </div>
      {error ? <ErrorNote error={error} /> : null}
      {!data && !error ? <Loading /> : null}
      {data && (
        <>
          <p className="muted small">
            {t('environment.resolution', { r: data.resolution })}
            {data.alerts.length ? ` · ${t('environment.alerts', { n: data.alerts.length })}` : ''}
          </p>
          {data.agents.every((a) => METRICS.every((m) => !a.series[m]?.length)) ? (
            <div className="card">
              <p>{t('environment.noData')}</p>
            </div>
          ) : (
            METRICS.map((m) => {
              const s = data.summary.totals[m];
              return (
                <div className="card" key={m}>
                  <EnvironmentChart data={data} metric={m} title={t(`environment.${m}` as MessageKey)} thresholdLabel={t('environment.threshold')} />
                  <p className="muted small">{t('environment.summary', { min: fmt(s?.min), mean: fmt(s?.mean), max: fmt(s?.max) })}</p>
                </div>
              );
            })
          )}
        </>
      )}
    </section>
  );
}
