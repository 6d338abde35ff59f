import { Inject, Injectable } from '@nestjs/common';
import { z } from 'zod';
import { APP_CONFIG, AppConfig } from '../config/config';
import type { Principal } from '../common/request-context';
import { SitesService } from '../sites/sites.service';
import { ReadingsRepository } from './readings.repository';
import { chooseResolution } from './resolution';
import { MetricAggregate, RollupsRepository } from './rollups.repository';
import { SiteEnvironmentRepository } from './site-environment.repository';
import { floorTo } from './sql-buckets';
import type { correlationQuery, environmentQuery, Metric } from './telemetry.dto';
import { ThresholdsService } from './thresholds.service';

/** One point: [time (ms), mean, min, max], and for smoke the number of alarm readings. */
export type Point = [number, number | null, number | null, number | null] | [number, number | null, number | null, number | null, number];

interface Acc {
  min: number | null;
  max: number | null;
  sum: number;
  count: number;
  alarms: number;
}

const round = (v: number) => Math.round(v * 100) / 100;
const emptyAcc = (): Acc => ({ min: null, max: null, sum: 0, count: 0, alarms: 0 });
function add(acc: Acc, a: MetricAggregate, alarms = 0): void {
  if (a.count === 0 && !alarms) return;
  if (a.min !== null) acc.min = acc.min === null ? a.min : Math.min(acc.min, a.min);
  if (a.max !== null) acc.max = acc.max === null ? a.max : Math.max(acc.max, a.max);
  acc.sum += a.sum;
  acc.count += a.count;
  acc.alarms += alarms;
}
const toPoint = (t: number, acc: Acc, metric: Metric): Point =>
  metric === 'smoke'
    ? [t, acc.count ? round(acc.sum / acc.count) : null, acc.min, acc.max, acc.alarms]
    : [t, acc.count ? round(acc.sum / acc.count) : null, acc.min, acc.max];
const one = (v: number | null): MetricAggregate => (v === null ? { min: null, max: null, sum: 0, count: 0 } : { min: v, max: v, sum: v, count: 1 });

/** Charts of a site's environment and its correlation with dispatch failures. */
@Injectable()
export class EnvironmentService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly sites: SitesService,
    private readonly env: SiteEnvironmentRepository,
    private readonly readings: ReadingsRepository,
    private readonly rollups: RollupsRepository,
    private readonly thresholds: ThresholdsService,
  ) {}

  /**
   * Per-agent series and a site summary at the resolution that keeps every series
   * under ~2,000 points: raw, 5-minute, or hourly (grouped by n hours for long ranges).
   */
  async chart(p: Principal, siteId: string, q: z.output<typeof environmentQuery>, now = new Date()) {
    const site = await this.sites.get(p, siteId);
    const all = await this.env.agentsOfSite(siteId);
    const agents = q.agents ? all.filter((a) => q.agents!.includes(a.id)) : all;
    const ids = agents.map((a) => a.id);
    const choice = chooseResolution(q.from, q.to, now, this.config.telemetry.retentionDays);
    const summaryStep = choice.bucketSeconds ? choice.bucketSeconds * 1000 : 60_000;

    // agent -> metric -> points; site summary: metric -> bucket -> accumulator.
    const perAgent = new Map<string, Record<Metric, Point[]>>(ids.map((id) => [id, { temperature: [], humidity: [], smoke: [] }]));
    const summary: Record<Metric, Map<number, Acc>> = { temperature: new Map(), humidity: new Map(), smoke: new Map() };
    const totals: Record<Metric, Acc> = { temperature: emptyAcc(), humidity: emptyAcc(), smoke: emptyAcc() };
    // Only the metrics asked for: a chart of one metric should not pay for three.
    const wanted = new Set<Metric>(q.metrics);
    const record = (agentId: string, t: number, metric: Metric, a: MetricAggregate, alarms = 0) => {
      if (!wanted.has(metric) || (a.count === 0 && !alarms)) return;
      const acc = emptyAcc();
      add(acc, a, alarms);
      perAgent.get(agentId)![metric].push(toPoint(t, acc, metric));
      const bucket = floorTo(t, summaryStep);
      const s = summary[metric].get(bucket) ?? emptyAcc();
      add(s, a, alarms);
      summary[metric].set(bucket, s);
      add(totals[metric], a, alarms);
    };

    if (choice.resolution === 'raw') {
      for (const r of await this.readings.inRange(ids, q.from, q.to)) {
        const t = r.at.getTime();
        record(r.agentId, t, 'temperature', one(r.temperatureC));
        record(r.agentId, t, 'humidity', one(r.humidityPct));
        record(r.agentId, t, 'smoke', one(r.smokeRaw), r.smokeAlarm ? 1 : 0);
      }
    } else {
      const table = choice.resolution === '5m' ? 'readings_5m' : 'readings_1h';
      const from = new Date(floorTo(q.from.getTime(), choice.bucketSeconds * 1000));
      for (const r of await this.rollups.inRange(table, ids, from, q.to, choice.bucketSeconds)) {
        const t = r.bucket.getTime();
        record(r.agentId, t, 'temperature', r.temperature);
        record(r.agentId, t, 'humidity', r.humidity);
        record(r.agentId, t, 'smoke', r.smoke, r.smokeAlarmCount);
      }
    }

    const thresholds = await this.thresholds.ofSite(siteId);
    // The tiles show the latest reading whatever the chart's period: a sensor silent for a week shows its week-old value and age.
    const latest = new Map((await this.readings.latestOf(all.map((a) => a.id))).map((r) => [r.agentId, r]));
    return {
      siteId,
      hospitalId: site.hospitalId,
      from: q.from.toISOString(),
      to: q.to.toISOString(),
      resolution: choice.resolution,
      bucketSeconds: choice.bucketSeconds,
      metrics: q.metrics,
      pointFormat: '[time ms, mean, min, max] (+ alarm count for smoke)',
      agents: agents.map((a) => ({
        agentId: a.id,
        name: a.name,
        series: Object.fromEntries(q.metrics.map((m: Metric) => [m, perAgent.get(a.id)![m]])),
      })),
      summary: {
        bucketSeconds: summaryStep / 1000,
        series: Object.fromEntries(q.metrics.map((m: Metric) => [m, [...summary[m].entries()].sort((a, b) => a[0] - b[0]).map(([t, acc]) => toPoint(t, acc, m))])),
        totals: Object.fromEntries(
          q.metrics.map((m: Metric) => {
            const a = totals[m];
            return [m, { min: a.min, max: a.max, mean: a.count ? round(a.sum / a.count) : null, count: a.count, ...(m === 'smoke' && { alarms: a.alarms }) }];
          }),
        ),
      },
      /** Every agent of the site, its latest reading or null if it never sent one. */
      latest: all.map((a) => {
        const r = latest.get(a.id);
        return {
          agentId: a.id,
          name: a.name,
          reading: r ? { at: r.at.toISOString(), temperatureC: r.temperatureC, humidityPct: r.humidityPct, smokeRaw: r.smokeRaw, smokeAlarm: r.smokeAlarm } : null,
        };
      }),
      /** What the alert rules compare with (threshold-rules.ts): the temperature and humidity levels, and whether the MQ-2's alarm signal alerts (smoke has no level threshold). */
      thresholds: {
        temperatureMaxC: thresholds.temperatureMaxC,
        temperatureForMinutes: thresholds.temperatureForMinutes,
        humidityMaxPct: thresholds.humidityMaxPct,
        humidityForMinutes: thresholds.humidityForMinutes,
        smokeAlarm: thresholds.smokeAlarm,
      },
      alerts: await this.env.environmentAlerts(siteId, q.from, q.to),
    };
  }

  /** Dispatch failures per hour next to the site's hourly temperature (blue screens rise with heat). */
  async correlation(p: Principal, siteId: string, q: z.output<typeof correlationQuery>) {
    await this.sites.get(p, siteId);
    const from = new Date(floorTo(q.from.getTime(), 3_600_000));
    const agents = await this.env.agentsOfSite(siteId);
    const temps = await this.rollups.siteTemperatureByHour(agents.map((a) => a.id), from, q.to);
    const outcomes = await this.env.dispatchOutcomesByHour(siteId, from, q.to);
    const hours = new Map<number, { hour: string; temperatureMean: number | null; temperatureMax: number | null; dispatches: number; failed: number; missed: number; noAgent: number }>();
    const row = (t: Date) => {
      const key = t.getTime();
      if (!hours.has(key)) hours.set(key, { hour: t.toISOString(), temperatureMean: null, temperatureMax: null, dispatches: 0, failed: 0, missed: 0, noAgent: 0 });
      return hours.get(key)!;
    };
    for (const t of temps) Object.assign(row(t.hour), { temperatureMean: t.mean, temperatureMax: t.max });
    for (const o of outcomes) Object.assign(row(o.hour), { dispatches: o.total, failed: o.failed, missed: o.missed, noAgent: o.noAgent });
    const list = [...hours.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v);
    const paired = list.filter((h) => h.temperatureMax !== null && h.dispatches > 0);
    return {
      siteId,
      from: from.toISOString(),
      to: q.to.toISOString(),
      hours: list,
      /** Pearson coefficient between an hour's highest temperature and its failures (failed + missed + no agent), over hours with both. */
      temperatureFailureCorrelation: pearson(paired.map((h) => [h.temperatureMax!, h.failed + h.missed + h.noAgent])),
      hoursCompared: paired.length,
    };
  }
}

function pearson(pairs: Array<[number, number]>): number | null {
  if (pairs.length < 3) return null;
  const n = pairs.length;
  const mx = pairs.reduce((s, p) => s + p[0], 0) / n;
  const my = pairs.reduce((s, p) => s + p[1], 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (const [x, y] of pairs) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
    syy += (y - my) ** 2;
  }
  return sxx && syy ? Math.round((sxy / Math.sqrt(sxx * syy)) * 1000) / 1000 : null;
}
