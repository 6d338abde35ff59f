/**
 * A site's temperature, humidity and smoke: each agent's latest reading as a tile,
 * then per metric a chart of a day, week, month or a chosen period with the alert
 * threshold, in the site's time zone.
 */
import { useEffect, useMemo, useState } from 'react';
import { api, EnvironmentChart as Chart, EnvironmentMetric, EnvironmentReading } from '../api/client';
import { instantOfWallClock, wallClockIn } from '../calendar-dates';
import { ErrorNote, Loading, SitePicker } from '../components/common';
import EnvironmentChart, { EnvironmentChartLabels } from '../components/EnvironmentChart';
import { useI18n, type MessageKey } from '../i18n';
import { setQueryParam, useRoute } from '../router';
import { useSession } from '../session';

const RANGES = { day: 86_400_000, week: 7 * 86_400_000, month: 30 * 86_400_000 } as const;
type RangeName = keyof typeof RANGES | 'custom';
const METRICS: EnvironmentMetric[] = ['temperature', 'humidity', 'smoke'];
const one = (v: number | null, unit: string) => (v === null ? '—' : `${Math.round(v * 10) / 10}${unit}`);

export default function EnvironmentPage() {
  const { t, locale } = useI18n();
  const { sites, hospitals } = useSession();
  const { query } = useRoute();
  const siteId = query.get('site') ?? sites[0]?.id ?? '';
  const site = sites.find((s) => s.id === siteId);
  const timeZone = site?.timeZone ?? 'UTC';
  const range = (query.get('range') as RangeName | null) ?? 'day';
  // A chosen period is entered on the site's wall clock, as the page shows its times.
  const [custom, setCustom] = useState(() => ({ from: wallClockIn(Date.now() - RANGES.week, timeZone), to: wallClockIn(Date.now(), timeZone) }));
  const [data, setData] = useState<Chart | null>(null);
  const [error, setError] = useState<unknown>(null);

  const period = useMemo(() => {
    if (range === 'custom') {
      return { from: new Date(instantOfWallClock(custom.from, timeZone)).toISOString(), to: new Date(instantOfWallClock(custom.to, timeZone)).toISOString() };
    }
    const to = Date.now();
    return { from: new Date(to - RANGES[range]).toISOString(), to: new Date(to).toISOString() };
  }, [range, custom, timeZone]);

  useEffect(() => {
    if (!siteId) return;
    setData(null);
    setError(null);
    api.environment(siteId, period).then(setData, setError);
  }, [siteId, period]);

  const labels = (m: EnvironmentMetric, c: Chart): EnvironmentChartLabels => {
    const common = { minMax: (min: string, max: string) => t('environment.minMax', { min, max }), noData: t('environment.noDataMetric'), time: t('environment.time'), locale };
    if (m === 'temperature') {
      const th = c.thresholds;
      return { title: t('environment.chart.temperature'), unit: '°C', axis: '°C', threshold: t('environment.thresholdAbove', { value: `${th.temperatureMaxC} °C`, min: th.temperatureForMinutes }), ...common };
    }
    if (m === 'humidity') {
      const th = c.thresholds;
      return { title: t('environment.chart.humidity'), unit: '%', axis: '%', threshold: t('environment.thresholdAbove', { value: `${th.humidityMaxPct} %`, min: th.humidityForMinutes }), ...common };
    }
    return {
      title: t('environment.chart.smoke'),
      unit: '',
      axis: t('environment.smokeLevel'),
      alarms: (n) => t('environment.alarmReadings', { n }),
      ...common,
    };
  };

  return (
    <section data-testid="environment-page">
      <div className="page-head">
        <h1>{t('environment.title')}</h1>
        <SitePicker hospitals={hospitals} sites={sites} value={siteId} onChange={(id) => setQueryParam('site', id)} />
      </div>
      {error ? <ErrorNote error={error} /> : null}
      {!data && !error ? <Loading /> : null}
      {data && <CurrentReadings data={data} />}
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
      {data && (
        <>
          <p className="muted small">
            {t('environment.timesIn', { zone: timeZone })} · {t('environment.resolution', { r: data.resolution })}
            {data.alerts.length ? ` · ${t('environment.alerts', { n: data.alerts.length })}` : ''} · {t('environment.zoomHint')}
          </p>
          {data.agents.every((a) => METRICS.every((m) => !a.series[m]?.length)) ? (
            <div className="card">
              <p>{t('environment.noData')}</p>
            </div>
          ) : (
            METRICS.map((m) => (
              <div className="card" key={m}>
                <EnvironmentChart data={data} metric={m} timeZone={timeZone} labels={labels(m, data)} />
                {m === 'smoke' && <p className="muted small">{t(data.thresholds.smokeAlarm ? 'environment.smokeRule' : 'environment.smokeRuleOff')}</p>}
              </div>
            ))
          )}
        </>
      )}
    </section>
  );
}

/** One tile per agent of the site: its latest values and their age, or that it never reported. */
function CurrentReadings({ data }: { data: Chart }) {
  const { t, ago } = useI18n();
  // The readings' ages grow while the page stays open.
  const [, setTick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setTick((n) => n + 1), 30_000);
    return () => clearInterval(timer);
  }, []);
  if (data.latest.length === 0) return null;
  const over = (r: EnvironmentReading) => ({
    temperature: r.temperatureC !== null && r.temperatureC > data.thresholds.temperatureMaxC,
    humidity: r.humidityPct !== null && r.humidityPct > data.thresholds.humidityMaxPct,
  });
  return (
    <div className="card">
      <h2 className="chart-title">{t('environment.current')}</h2>
      <div className="reading-tiles" data-testid="reading-tiles">
        {data.latest.map(({ agentId, name, reading }) => (
          <div key={agentId} className={`reading-tile${reading ? '' : ' never'}`} data-testid="reading-tile" data-agent={name} data-reported={reading ? 'yes' : 'no'}>
            <div className="reading-name">{name}</div>
            {reading ? (
              <>
                <dl className="reading-values">
                  <div className={over(reading).temperature ? 'over' : ''}>
                    <dt>{t('environment.tile.temperature')}</dt>
                    <dd data-testid="tile-temperature">{one(reading.temperatureC, ' °C')}</dd>
                  </div>
                  <div className={over(reading).humidity ? 'over' : ''}>
                    <dt>{t('environment.tile.humidity')}</dt>
                    <dd data-testid="tile-humidity">{one(reading.humidityPct, ' %')}</dd>
                  </div>
                  <div className={reading.smokeAlarm ? 'over' : ''}>
                    <dt>{t('environment.tile.smoke')}</dt>
                    <dd data-testid="tile-smoke">
                      {one(reading.smokeRaw, '')}
                      {reading.smokeAlarm ? ` · ${t('environment.tile.alarm')}` : ''}
                    </dd>
                  </div>
                </dl>
                <div className="muted small" data-testid="tile-age" title={reading.at}>
                  {t('environment.tile.age', { ago: ago(reading.at) })}
                </div>
              </>
            ) : (
              <div className="muted" data-testid="tile-never">
                {t('environment.neverReported')}
              </div>
            )}
          </div>
        ))}
      </div>
    </div>
  );
}
