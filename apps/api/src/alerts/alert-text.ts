import { DateTime } from 'luxon';
import type { AlertKind } from './alert.entity';

/** The languages of alert texts: the console's two (apps/web/src/i18n). */
export type AlertLanguage = 'en' | 'zh-CN';
export const ALERT_LANGUAGES: readonly AlertLanguage[] = ['en', 'zh-CN'];

/** A kiosk named in an alert: resolved to code and name when the alert was raised. */
export interface AlertKioskRef {
  id: string;
  code: string;
  name: string;
  /** What the probes saw at the last check (kiosk_state). */
  observed?: string;
  dispatchId?: string;
}

/** What an alert about one planned transition of a site stores in `details`. */
export interface OccurrenceDetails {
  siteName: string;
  timeZone: string;
  /** The planned instant, UTC ISO. */
  at: string;
  action: 'wake' | 'shutdown';
  kioskCount: number;
  kiosks: AlertKioskRef[];
  [more: string]: unknown;
}

/** "2026-01-26 07:00 Asia/Shanghai (UTC+08:00)": a site's wall clock, its zone named. */
export function siteLocalTime(iso: string, timeZone: string): string {
  const local = DateTime.fromISO(iso, { zone: 'utc' }).setZone(timeZone);
  if (!local.isValid) return iso;
  return `${local.toFormat('yyyy-MM-dd HH:mm')} ${timeZone} (UTC${local.toFormat('ZZ')})`;
}

const text = {
  en: {
    wake: 'wake',
    shutdown: 'shutdown',
    kioskState: (n: number, action: string, up: boolean, time: string, site: string) =>
      `${n} kiosk(s) at ${site} not ${up ? 'up' : 'off'} after the ${action} due ${time}`,
    noAgent: (n: number, action: string, time: string, site: string) =>
      `No online agent at ${site}: ${n} kiosk(s) could not be sent the ${action} due ${time}`,
    missed: (n: number, action: string, time: string, site: string) =>
      `The ${action} of ${n} kiosk(s) at ${site} due ${time} was missed`,
    agentOffline: (agent: string, site: string, time: string) =>
      `Agent ${agent} at ${site}: no heartbeat since ${time}`,
    temperature: (agent: string, v: unknown, max: unknown, min: number | null) =>
      `${agent}: temperature ${v} °C, over ${max} °C${min === null ? '' : ` for ${min} min or more`}`,
    humidity: (agent: string, v: unknown, max: unknown, min: number | null) =>
      `${agent}: humidity ${v} %, over ${max} %${min === null ? '' : ` for ${min} min or more`}`,
    smoke: (agent: string) => `${agent}: smoke alarm (MQ-2)`,
    silent: (agent: string, sensor: unknown) =>
      `${agent}: ${sensor === 'mq2' ? 'smoke sensor (MQ-2)' : 'temperature/humidity sensor (DHT11)'} silent`,
    more: (n: number) => `… and ${n} more`,
    kind: {
      kiosk_state: 'Kiosks in the wrong state',
      no_agent: 'No agent online',
      dispatch_missed: 'Wake or shutdown missed',
      agent_offline: 'Agent offline',
      temperature_high: 'Temperature high',
      humidity_high: 'Humidity high',
      smoke: 'Smoke',
      sensor_silent: 'Sensor silent',
    } as Record<AlertKind, string>,
  },
  'zh-CN': {
    wake: '开机',
    shutdown: '关机',
    kioskState: (n: number, action: string, up: boolean, time: string, site: string) =>
      `${site}：${n} 台设备在 ${time} 的${action}后仍未${up ? '开机' : '关机'}`,
    noAgent: (n: number, action: string, time: string, site: string) =>
      `${site} 没有在线的代理：${n} 台设备未能收到 ${time} 的${action}指令`,
    missed: (n: number, action: string, time: string, site: string) => `${site}：${n} 台设备 ${time} 的${action}被错过`,
    agentOffline: (agent: string, site: string, time: string) => `${site} 的代理 ${agent} 自 ${time} 起没有心跳`,
    temperature: (agent: string, v: unknown, max: unknown, min: number | null) =>
      `${agent}：温度 ${v} °C，超过 ${max} °C${min === null ? '' : ` 已达 ${min} 分钟或更久`}`,
    humidity: (agent: string, v: unknown, max: unknown, min: number | null) =>
      `${agent}：湿度 ${v} %，超过 ${max} %${min === null ? '' : ` 已达 ${min} 分钟或更久`}`,
    smoke: (agent: string) => `${agent}：烟雾报警（MQ-2）`,
    silent: (agent: string, sensor: unknown) =>
      `${agent}：${sensor === 'mq2' ? '烟雾传感器（MQ-2）' : '温湿度传感器（DHT11）'}无数据`,
    more: (n: number) => `……另有 ${n} 台`,
    kind: {
      kiosk_state: '设备状态异常',
      no_agent: '无在线代理',
      dispatch_missed: '开关机错过',
      agent_offline: '代理离线',
      temperature_high: '温度过高',
      humidity_high: '湿度过高',
      smoke: '烟雾',
      sensor_silent: '传感器无数据',
    } as Record<AlertKind, string>,
  },
};

export function alertKindLabel(kind: AlertKind, lang: AlertLanguage): string {
  return text[lang].kind[kind] ?? kind;
}

/**
 * One line saying what happened, from the alert's structured details, in `lang`.
 * `fallback` (the stored English message) stands in for details this does not know.
 */
export function alertSummary(
  kind: AlertKind,
  details: Record<string, unknown> | null,
  lang: AlertLanguage,
  fallback = '',
): string {
  const t = text[lang];
  const d = (details ?? {}) as Partial<OccurrenceDetails> & Record<string, unknown>;
  const site = typeof d.siteName === 'string' ? d.siteName : '';
  const time = typeof d.at === 'string' && typeof d.timeZone === 'string' ? siteLocalTime(d.at, d.timeZone) : '';
  const action = d.action === 'shutdown' ? t.shutdown : t.wake;
  const n = typeof d.kioskCount === 'number' ? d.kioskCount : Array.isArray(d.kiosks) ? d.kiosks.length : 0;
  const agent = typeof d.agentName === 'string' ? d.agentName : '';
  // How long the condition had to last (recorded on alerts raised since it is).
  const minutes = typeof d.forMinutes === 'number' ? d.forMinutes : null;
  switch (kind) {
    case 'kiosk_state':
      if (site && time) return t.kioskState(n, action, d.action !== 'shutdown', time, site);
      break;
    case 'no_agent':
      if (site && time) return t.noAgent(n, action, time, site);
      break;
    case 'dispatch_missed':
      if (site && time) return t.missed(n, action, time, site);
      break;
    case 'agent_offline':
      if (agent && typeof d.lastHeartbeatAt === 'string' && typeof d.timeZone === 'string') {
        return t.agentOffline(agent, site, siteLocalTime(d.lastHeartbeatAt, d.timeZone));
      }
      break;
    case 'temperature_high':
      if (agent) return t.temperature(agent, d.latest, d.threshold, minutes);
      break;
    case 'humidity_high':
      if (agent) return t.humidity(agent, d.latest, d.threshold, minutes);
      break;
    case 'smoke':
      if (agent) return t.smoke(agent);
      break;
    case 'sensor_silent':
      if (agent) return t.silent(agent, d.sensor);
      break;
  }
  return fallback || alertKindLabel(kind, lang);
}

/** "MZ-1F-01 Registration 1" lines for the kiosks of an alert, at most `max`, then how many more. */
export function kioskLines(details: Record<string, unknown> | null, lang: AlertLanguage, max = 20): string[] {
  const kiosks = Array.isArray(details?.kiosks) ? (details.kiosks as AlertKioskRef[]) : [];
  const total = typeof details?.kioskCount === 'number' ? details.kioskCount : kiosks.length;
  const lines = kiosks.slice(0, max).map((k) => `${k.code} ${k.name}`);
  if (total > lines.length) lines.push(text[lang].more(total - lines.length));
  return lines;
}
