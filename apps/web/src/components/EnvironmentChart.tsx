/** One metric of a site over time: a line per agent, the threshold as a markLine, alerts as markAreas. */
import { useEffect, useRef } from 'react';
import * as echarts from 'echarts/core';
import { LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, MarkAreaComponent, MarkLineComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import type { EnvironmentChart as Chart, EnvironmentMetric } from '../api/client';

echarts.use([LineChart, GridComponent, LegendComponent, TooltipComponent, MarkLineComponent, MarkAreaComponent, CanvasRenderer]);

const ALERT_KINDS: Record<EnvironmentMetric, string[]> = {
  temperature: ['temperature_high'],
  humidity: ['humidity_high'],
  smoke: ['smoke'],
};

export default function EnvironmentChart({ data, metric, title, thresholdLabel }: { data: Chart; metric: EnvironmentMetric; title: string; thresholdLabel: string }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!el.current) return;
    const chart = echarts.init(el.current);
    const threshold = metric === 'temperature' ? data.thresholds.temperatureMaxC : metric === 'humidity' ? data.thresholds.humidityMaxPct : null;
    const to = Date.parse(data.to);
    const alerts = data.alerts.filter((a) => ALERT_KINDS[metric].includes(a.kind));
    chart.setOption({
      title: { text: title, textStyle: { fontSize: 13 } },
      tooltip: { trigger: 'axis' },
      legend: { top: 0, right: 0, type: 'scroll' },
      grid: { left: 48, right: 16, top: 32, bottom: 28 },
      xAxis: { type: 'time', min: Date.parse(data.from), max: to },
      yAxis: { type: 'value', scale: true },
      series: data.agents.map((a, i) => ({
        name: a.name,
        type: 'line',
        showSymbol: false,
        sampling: 'lttb',
        data: (a.series[metric] ?? []).map((p) => [p[0], p[1]]),
        ...(i === 0 && {
          markLine: threshold === null ? undefined : { symbol: 'none', label: { formatter: `${thresholdLabel} ${threshold}` }, lineStyle: { color: '#c0392b', type: 'dashed' }, data: [{ yAxis: threshold }] },
          markArea: {
            itemStyle: { color: 'rgba(192, 57, 43, 0.12)' },
            data: alerts.map((al) => [{ xAxis: Date.parse(al.openedAt), name: al.message }, { xAxis: al.resolvedAt ? Date.parse(al.resolvedAt) : to }]),
          },
        }),
      })),
    });
    const resize = () => chart.resize();
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      chart.dispose();
    };
  }, [data, metric, title, thresholdLabel]);
  return <div ref={el} className="environment-chart" style={{ height: 260, width: '100%' }} data-testid={`environment-chart-${metric}`} />;
}
