/**
 * An alert in the user's language, worded from its structured details (kind, site,
 * the transition's instant in the site's zone, the kiosks or agent), for the alerts
 * page and the toast of a new alert alike; the stored English message otherwise.
 */
import { useContext, useMemo } from 'react';
import type { Alert } from './api/client';
import { useI18n, type Translate } from './i18n';
import { SessionContext } from './session';

export function useAlertText() {
  const { t, dateTime, locale } = useI18n();
  // Also used by the top bar's toast, outside the signed-in shell while the session loads.
  const sites = useContext(SessionContext)?.sites;
  return useMemo(() => {
    const zoneNames = new Map<string, Intl.DateTimeFormat>();
    /** The site's wall clock and zone: "2026/01/27 07:00:00 GMT+8 (Asia/Shanghai)". */
    const siteTime = (iso: string, timeZone: string) => {
      let f = zoneNames.get(timeZone);
      if (!f) zoneNames.set(timeZone, (f = new Intl.DateTimeFormat(locale, { timeZone, timeZoneName: 'short' })));
      const zone = f.formatToParts(new Date(iso)).find((p) => p.type === 'timeZoneName')?.value;
      return [dateTime(iso, timeZone), zone, `(${timeZone})`].filter(Boolean).join(' ');
    };
    const zoneOf = (a: Pick<Alert, 'details' | 'siteId'>) =>
      typeof a.details?.timeZone === 'string' ? a.details.timeZone : (sites?.find((s) => s.id === a.siteId)?.timeZone ?? 'UTC');
    return { siteTime, zoneOf, summary: (a: Alert) => summary(a, t, (iso) => siteTime(iso, zoneOf(a))) };
  }, [t, dateTime, locale, sites]);
}

/** What happened, in the user's language, from the alert's details; the stored English message otherwise. */
function summary(a: Alert, t: Translate, siteTime: (iso: string) => string): string {
  const d = a.details ?? {};
  const time = typeof d.at === 'string' ? siteTime(d.at) : '';
  const n = typeof d.kioskCount === 'number' ? d.kioskCount : Array.isArray(d.kiosks) ? d.kiosks.length : 0;
  const action = d.action === 'shutdown' ? t('alerts.action.shutdown') : t('alerts.action.wake');
  const agent = typeof d.agentName === 'string' ? d.agentName : '';
  // How long the condition lasted (alerts raised since the details carry it).
  const minutes = typeof d.forMinutes === 'number' ? d.forMinutes : typeof d.silentForMinutes === 'number' ? d.silentForMinutes : null;
  switch (a.kind) {
    case 'kiosk_state':
      if (time)
        return t(d.action === 'shutdown' ? 'alerts.summary.kioskStateShutdown' : 'alerts.summary.kioskStateWake', {
          n,
          time,
        });
      break;
    case 'no_agent':
      if (time) return t('alerts.summary.noAgent', { n, action, time });
      break;
    case 'dispatch_missed':
      if (time) return t('alerts.summary.missed', { n, action, time });
      break;
    case 'agent_offline':
      if (agent && typeof d.lastHeartbeatAt === 'string')
        return t('alerts.summary.agentOffline', { agent, time: siteTime(d.lastHeartbeatAt) });
      break;
    case 'temperature_high':
      if (agent && minutes !== null)
        return t('alerts.summary.temperatureFor', { agent, value: String(d.latest), max: String(d.threshold), minutes });
      if (agent) return t('alerts.summary.temperature', { agent, value: String(d.latest), max: String(d.threshold) });
      break;
    case 'humidity_high':
      if (agent && minutes !== null)
        return t('alerts.summary.humidityFor', { agent, value: String(d.latest), max: String(d.threshold), minutes });
      if (agent) return t('alerts.summary.humidity', { agent, value: String(d.latest), max: String(d.threshold) });
      break;
    case 'smoke':
      if (agent) return t('alerts.summary.smoke', { agent });
      break;
    case 'sensor_silent':
      if (agent && minutes !== null && (d.sensor === 'mq2' || d.sensor === 'dht11'))
        return t('alerts.summary.sensorSilentFor', { agent, sensor: t(`alerts.sensor.${d.sensor}`), minutes });
      if (agent) return t('alerts.summary.sensorSilent', { agent });
      break;
  }
  return a.message;
}
