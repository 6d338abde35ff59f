/**
 * One metric of a site over time: a line per agent, the alert threshold as a dashed
 * line, alerts as shaded bands, smoke alarms as marks; min and max of what is in
 * view (drag to zoom, double-click to go back). uPlot draws it: the page's whole
 * chart code is ~20 KB gzipped where echarts' smallest line chart is ~165 KB.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { EnvironmentChart as Chart, EnvironmentMetric, EnvironmentPoint } from '../api/client';

const ALERT_KINDS: Record<EnvironmentMetric, string[]> = {
  temperature: ['temperature_high'],
  humidity: ['humidity_high'],
  smoke: ['smoke'],
};
const COLOURS = ['#2563eb', '#16a34a', '#d97706', '#9333ea', '#0891b2', '#db2777', '#4b5563', '#65a30d'];
const THRESHOLD_COLOUR = { light: '#c0392b', dark: '#f0766a' };
const DARK = '(prefers-color-scheme: dark)';

/**
 * Whether the system asks for dark colours, following a change: the canvas does not
 * take colours from the stylesheet, so the chart is drawn again in the other scheme.
 */
function useDarkScheme(): boolean {
  const [dark, setDark] = useState(() => window.matchMedia?.(DARK).matches ?? false);
  useEffect(() => {
    const query = window.matchMedia?.(DARK);
    if (!query) return;
    const changed = () => setDark(query.matches);
    query.addEventListener('change', changed);
    return () => query.removeEventListener('change', changed);
  }, []);
  return dark;
}
const HEIGHT = 240;

export interface EnvironmentChartLabels {
  title: string;
  /** After each value ("°C", "%"); empty for smoke, whose level has no unit. */
  unit: string;
  /** Beside the value axis. */
  axis: string;
  /** The threshold line's caption, e.g. "Alert above 35 °C for 5 min"; absent: no line (smoke). */
  threshold?: string;
  /** Shown when the smoke series has alarm readings in view. */
  alarms?: (n: number) => string;
  minMax: (min: string, max: string) => string;
  noData: string;
  /** The legend's caption of the time under the cursor. */
  time: string;
  locale: string;
}

/** Time axis labels in the site's zone and the user's language, 24-hour: hours within a day, dates beyond. */
function timeTicks(locale: string, timeZone: string, spanMs: number): (ts: number) => string {
  const f = new Intl.DateTimeFormat(
    locale,
    spanMs <= 2 * 86_400_000 ? { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone } : { month: '2-digit', day: '2-digit', timeZone },
  );
  return (ts) => f.format(new Date(ts));
}

/** The points of a series that lie within [from, to]. */
const inView = (points: EnvironmentPoint[], from: number, to: number) => points.filter((p) => p[0] >= from && p[0] <= to);

/** Lowest min and highest max of every agent's points within [from, to]. */
export function extremes(series: EnvironmentPoint[][], from: number, to: number): { min: number | null; max: number | null; alarms: number } {
  let min: number | null = null;
  let max: number | null = null;
  let alarms = 0;
  for (const points of series) {
    for (const p of inView(points, from, to)) {
      const lo = p[2] ?? p[1];
      const hi = p[3] ?? p[1];
      if (lo !== null && (min === null || lo < min)) min = lo;
      if (hi !== null && (max === null || hi > max)) max = hi;
      alarms += p[4] ?? 0;
    }
  }
  return { min, max, alarms };
}

/**
 * The agents' series on one time axis. Where an agent has no point at another's
 * instant the value is undefined (uPlot draws through it); where it has none for
 * longer than `gapMs` it is null (uPlot breaks the line: the sensor was silent).
 */
function aligned(series: EnvironmentPoint[][], gapMs: number): uPlot.AlignedData {
  const xs = [...new Set(series.flatMap((points) => points.map((p) => p[0])))].sort((a, b) => a - b);
  const ys = series.map((points) => {
    const out: Array<number | null | undefined> = new Array(xs.length);
    let j = 0;
    for (let k = 0; k < xs.length; k++) {
      while (j < points.length && points[j][0] < xs[k]) j++;
      if (j < points.length && points[j][0] === xs[k]) out[k] = points[j][1];
      else {
        const prev = j > 0 ? points[j - 1][0] : null;
        const next = j < points.length ? points[j][0] : null;
        out[k] = prev !== null && next !== null && next - prev > gapMs ? null : undefined;
      }
    }
    return out;
  });
  return [xs, ...ys] as uPlot.AlignedData;
}

const format = (v: number | null | undefined, unit: string) => (v == null ? '—' : `${Math.round(v * 10) / 10} ${unit}`.trim());

export default function EnvironmentChart({ data, metric, timeZone, labels }: { data: Chart; metric: EnvironmentMetric; timeZone: string; labels: EnvironmentChartLabels }) {
  const el = useRef<HTMLDivElement>(null);
  const from = Date.parse(data.from);
  const to = Date.parse(data.to);
  const [view, setView] = useState({ from, to });
  const series = useMemo(() => data.agents.map((a) => a.series[metric] ?? []), [data, metric]);
  const threshold = metric === 'temperature' ? data.thresholds.temperatureMaxC : metric === 'humidity' ? data.thresholds.humidityMaxPct : null;
  const { min, max, alarms } = extremes(series, view.from, view.to);
  const hasData = series.some((points) => inView(points, from, to).length > 0);
  const dark = useDarkScheme();

  useEffect(() => {
    setView({ from, to });
    if (!el.current || !hasData) return;
    const step = (data.bucketSeconds || 30) * 1000;
    const alerts = data.alerts.filter((a) => ALERT_KINDS[metric].includes(a.kind));
    const alarmTimes = metric === 'smoke' ? [...new Set(series.flatMap((points) => points.filter((p) => (p[4] ?? 0) > 0).map((p) => p[0])))] : [];
    // Axis text and grid in the page's own ink and rule colours (uPlot's default is black).
    const css = getComputedStyle(el.current);
    const ink = css.getPropertyValue('--ink').trim() || '#1d2733';
    const line = css.getPropertyValue('--line').trim() || '#dde3ea';
    const axis = { stroke: ink, grid: { stroke: line }, ticks: { stroke: line } };
    const thresholdColour = THRESHOLD_COLOUR[dark ? 'dark' : 'light'];
    const cursorTime = new Intl.DateTimeFormat(labels.locale, { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone });
    const opts: uPlot.Options = {
      width: el.current.clientWidth || 600,
      height: HEIGHT,
      ms: 1,
      tzDate: (ts) => uPlot.tzDate(new Date(ts), timeZone),
      cursor: { drag: { x: true, y: false } },
      legend: { live: true },
      scales: {
        x: { time: true, range: (_u, lo, hi) => (lo == null || hi == null ? [from, to] : [lo, hi]) },
        y: {
          // The threshold stays in view even when every value is far below it.
          range: (_u, lo, hi) => {
            const low = Math.min(lo ?? threshold ?? 0, threshold ?? Infinity);
            const high = Math.max(hi ?? threshold ?? 1, threshold ?? -Infinity);
            const pad = Math.max((high - low) * 0.08, 0.5);
            return [low - pad, high + pad];
          },
        },
      },
      axes: [
        { ...axis, values: (u, splits) => splits.map(timeTicks(labels.locale, timeZone, u.scales.x.max! - u.scales.x.min!)) },
        { ...axis, values: (_u, splits) => splits.map((v) => `${Math.round(v * 10) / 10}`), label: labels.axis, size: 56 },
      ],
      series: [
        {
          label: labels.time,
          value: (_u: uPlot, ts: number | null) => (ts == null ? '—' : cursorTime.format(new Date(ts))),
        },
        ...data.agents.map((a, i) => ({
          label: a.name,
          stroke: COLOURS[i % COLOURS.length],
          width: 1.5,
          points: { show: false },
          value: (_u: uPlot, v: number | null) => format(v, labels.unit),
        })),
      ],
      hooks: {
        // setScale runs for the first drawing too; the initial x range is the period asked for.
        ready: [(u) => u.setScale('x', { min: from, max: to })],
        setScale: [
          (u, key) => {
            if (key === 'x' && u.scales.x.min != null && u.scales.x.max != null) setView({ from: u.scales.x.min, to: u.scales.x.max });
          },
        ],
        drawClear: [
          (u) => {
            const { ctx, bbox } = u;
            ctx.save();
            ctx.fillStyle = 'rgba(192, 57, 43, 0.12)';
            for (const a of alerts) {
              const x0 = u.valToPos(Math.max(Date.parse(a.openedAt), u.scales.x.min!), 'x', true);
              const x1 = u.valToPos(Math.min(a.resolvedAt ? Date.parse(a.resolvedAt) : to, u.scales.x.max!), 'x', true);
              if (x1 > x0) ctx.fillRect(x0, bbox.top, x1 - x0, bbox.height);
            }
            ctx.restore();
          },
        ],
        draw: [
          (u) => {
            const { ctx, bbox } = u;
            const dpr = window.devicePixelRatio || 1;
            ctx.save();
            if (threshold !== null) {
              const y = u.valToPos(threshold, 'y', true);
              ctx.strokeStyle = thresholdColour;
              ctx.lineWidth = 1.5 * dpr;
              ctx.setLineDash([6 * dpr, 4 * dpr]);
              ctx.beginPath();
              ctx.moveTo(bbox.left, y);
              ctx.lineTo(bbox.left + bbox.width, y);
              ctx.stroke();
              ctx.setLineDash([]);
              ctx.fillStyle = thresholdColour;
              ctx.font = `${11 * dpr}px sans-serif`;
              ctx.textAlign = 'right';
              ctx.fillText(labels.threshold ?? '', bbox.left + bbox.width - 4 * dpr, y - 4 * dpr);
            }
            ctx.fillStyle = thresholdColour;
            for (const t of alarmTimes) {
              if (t < u.scales.x.min! || t > u.scales.x.max!) continue;
              const x = u.valToPos(t, 'x', true);
              ctx.beginPath();
              ctx.moveTo(x, bbox.top + 8 * dpr);
              ctx.lineTo(x - 4 * dpr, bbox.top);
              ctx.lineTo(x + 4 * dpr, bbox.top);
              ctx.fill();
            }
            ctx.restore();
          },
        ],
      },
    };
    const plot = new uPlot(opts, aligned(series, 3 * step), el.current);
    const resize = new ResizeObserver(() => el.current && plot.setSize({ width: el.current.clientWidth, height: HEIGHT }));
    resize.observe(el.current);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
    // from/to/threshold derive from data; labels change with the language.
  }, [data, metric, series, timeZone, labels.unit, labels.axis, labels.threshold, labels.time, labels.locale, hasData, dark]);

  return (
    <figure className="environment-figure" data-testid={`environment-chart-${metric}`}>
      <figcaption>
        <h2 className="chart-title" data-testid="chart-title">
          {labels.title}
        </h2>
        {labels.threshold && (
          <span className="chart-threshold" data-testid={`threshold-${metric}`} data-value={threshold ?? ''}>
            <span className="threshold-swatch" aria-hidden="true" /> {labels.threshold}
          </span>
        )}
      </figcaption>
      {hasData ? <div ref={el} className="environment-chart" /> : <p className="muted">{labels.noData}</p>}
      {hasData && (
        <p className="muted small" data-testid={`extremes-${metric}`} data-min={min ?? ''} data-max={max ?? ''}>
          {labels.minMax(format(min, labels.unit), format(max, labels.unit))}
          {labels.alarms && alarms > 0 ? ` · ${labels.alarms(alarms)}` : ''}
        </p>
      )}
    </figure>
  );
}
