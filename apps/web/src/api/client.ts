/**
 * The console's one typed client for the API: same-origin, session cookie, JSON
 * errors `{"error":{"code","message","field"}}`. A 401 on any call but login and
 * me means the session ended: the shell is told once and shows the sign-in form.
 */
import { apiRequestStarted } from '../live';
import type {
  AgentView,
  AuditEntry,
  CalendarQuery,
  CalendarView,
  EnrolmentCode,
  Fleet,
  FleetOverview,
  Hospital,
  KioskSchedule,
  Kiosk,
  KioskSearchHit,
  KioskLiveness,
  KioskLivenessHistory,
  DispatchPage,
  PowerCommandBody,
  PowerCommandResult,
  PowerPreview,
  Alert,
  AlertKind,
  AlertStatus,
  ChannelInput,
  ChannelTestResult,
  NotificationChannel,
  Me,
  Page,
  PowerRule,
  RulePreview,
  RuleCompanion,
  RuleInput,
  Site,
} from './types';

export * from './types';

export interface ApiError {
  code: string;
  message: string;
  field?: string;
  details?: { field: string; message: string }[];
}

export class ApiRequestError extends Error {
  constructor(
    readonly status: number,
    readonly error: ApiError,
  ) {
    super(error.message);
  }
}

/** Told the refusal's code: SESSION_ENDED (ended by a sign-out elsewhere or an account change) or another (expired). */
let onSessionEnded: ((code: string, reason: string) => void) | null = null;
/** Set by a sign-out here: requests still in flight then get 401, which is no news. */
let signingOut = false;
/** The shell registers here to be told when the server says the session is gone. */
export function setSessionEndedHandler(handler: ((code: string, reason: string) => void) | null) {
  onSessionEnded = handler;
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const [pathname] = path.split('?');
  if (!pathname || new URL(pathname, 'http://console.invalid').pathname !== pathname) {
    throw new Error(`refused to request ${JSON.stringify(path.slice(0, 120))}: not a plain path`);
  }
  // Told to the live connection's poll fallback, which backs off while the API fails.
  const ended = apiRequestStarted();
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers:
        body === undefined
          ? { accept: 'application/json' }
          : { 'content-type': 'application/json', accept: 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    ended(true);
    throw err;
  }
  ended(res.status >= 500);
  if (res.status === 204) return undefined as T;
  const json = await res.json().catch(() => ({}));
  if (!res.ok) {
    const error: ApiError = json.error ?? { code: `HTTP_${res.status}`, message: res.statusText };
    if (res.status === 401 && !path.startsWith('/api/auth/') && !signingOut)
      onSessionEnded?.(error.code, String((error.details as { reason?: unknown } | undefined)?.reason ?? ''));
    throw new ApiRequestError(res.status, error);
  }
  return json as T;
}

const qs = (params: Record<string, string | number | undefined | null>) => {
  const entries = Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== '') as [
    string,
    string | number,
  ][];
  return entries.length ? `?${new URLSearchParams(entries.map(([k, v]) => [k, String(v)]))}` : '';
};

/**
 * An id as one path segment. Ids come from the API, but also from the page's URL
 * (`/agents?site=…`): "../agents/x/revoke?" there would make a button POST to another
 * route with the user's rights. Encoded, `/` and `?` stay inside the segment; a bare
 * ".." is caught by `request`, which refuses any path the browser would rewrite.
 */
const seg = (id: string) => encodeURIComponent(id);

export const api = {
  login: (username: string, password: string) =>
    request<{ user: Me }>('POST', '/api/auth/login', { username, password }).then((r) => {
      signingOut = false;
      return r;
    }),
  logout: () => {
    signingOut = true;
    return request<void>('POST', '/api/auth/logout');
  },
  me: () => request<{ user: Me }>('GET', '/api/auth/me'),

  hospitals: () => request<Page<Hospital>>('GET', '/api/hospitals?pageSize=500'),
  sites: (hospitalId?: string) => request<Page<Site>>('GET', `/api/sites${qs({ hospitalId, pageSize: 500 })}`),
  site: (id: string) => request<Site>('GET', `/api/sites/${seg(id)}`),

  fleet: (siteId: string) => request<Fleet>('GET', `/api/fleet${qs({ siteId })}`),
  fleetOverview: () => request<FleetOverview>('GET', '/api/fleet/overview'),
  searchKiosks: (q: string, limit = 20, hospitalId?: string) =>
    request<{ items: KioskSearchHit[]; truncated: boolean }>('GET', `/api/kiosks/search${qs({ q, limit, hospitalId })}`),
  kiosks: (q: { hospitalId?: string; siteId?: string; q?: string; pageSize?: number; page?: number }) =>
    request<Page<Kiosk>>('GET', `/api/kiosks${qs(q)}`),
  kiosk: (id: string) => request<Kiosk>('GET', `/api/kiosks/${seg(id)}`),
  updateKiosk: (id: string, patch: Partial<Kiosk>) => request<Kiosk>('PATCH', `/api/kiosks/${seg(id)}`, patch),
  kioskSchedule: (id: string, days = 7) => request<KioskSchedule>('GET', `/api/kiosks/${seg(id)}/schedule${qs({ days })}`),
  kioskLiveness: (id: string) => request<KioskLiveness>('GET', `/api/kiosks/${seg(id)}/liveness`),
  kioskLivenessHistory: (id: string, limit = 50) =>
    request<KioskLivenessHistory>('GET', `/api/kiosks/${seg(id)}/liveness-history${qs({ limit })}`),
  kioskDispatches: (id: string, pageSize = 10) => request<DispatchPage>('GET', `/api/kiosks/${seg(id)}/dispatches${qs({ pageSize })}`),
  siteDispatches: (siteId: string, q: { page?: number; pageSize?: number; source?: 'schedule' | 'manual' } = {}) =>
    request<DispatchPage>('GET', `/api/sites/${seg(siteId)}/dispatches${qs(q)}`),
  /** Wake now / shut down now; a shutdown needs `confirm: true` (409 CONFIRMATION_REQUIRED otherwise). */
  powerCommand: (body: PowerCommandBody) => request<PowerCommandResult>('POST', '/api/power-commands', body),
  powerPreview: (body: PowerCommandBody) => request<PowerPreview>('POST', '/api/power-commands/preview', body),

  scheduleCalendar: (q: CalendarQuery) => request<CalendarView>('GET', `/api/schedule/calendar${qs(q)}`),
  /** The same calendar as a CSV file, for a download link. */
  scheduleCalendarCsvUrl: (q: CalendarQuery) => `/api/schedule/calendar${qs({ ...q, format: 'csv' })}`,
  rules: (hospitalId: string) => request<Page<PowerRule>>('GET', `/api/rules${qs({ hospitalId, pageSize: 500 })}`),
  rule: (id: string) => request<PowerRule>('GET', `/api/rules/${seg(id)}`),
  createRule: (body: RuleInput & { hospitalId: string; companions?: RuleCompanion[] }) =>
    request<PowerRule & { companions: PowerRule[] }>('POST', '/api/rules', body),
  updateRule: (id: string, body: Partial<RuleInput> & { companions?: RuleCompanion[] }) =>
    request<PowerRule & { companions: PowerRule[] }>('PATCH', `/api/rules/${seg(id)}`, body),
  deleteRule: (id: string) => request<void>('DELETE', `/api/rules/${seg(id)}`),
  previewRule: (body: {
    rule: Partial<RuleInput> & { hospitalId?: string };
    ruleId?: string;
    kioskIds?: string[];
    days?: number;
    /** First local date of the kiosks' timelines (YYYY-MM-DD); today by default. */
    fromDate?: string;
    /** Also the rule's impact on every kiosk of its scope on its own dates. */
    impact?: boolean;
  }) => request<RulePreview>('POST', '/api/rules/preview', body),

  audit: (q: AuditQuery & { page?: number; pageSize?: number }) => request<Page<AuditEntry>>('GET', `/api/audit${qs(q)}`),
  /** The export of the filtered list: a link the browser downloads (same origin, the session cookie goes along). */
  auditCsvUrl: (q: AuditQuery & { timeZone: string }) => `/api/audit.csv${qs(q)}`,
  undo: (id: string) => request<{ undone: true; entry: AuditEntry }>('POST', `/api/audit/${seg(id)}/undo`),

  alerts: (q: { status?: AlertStatus; siteId?: string; kind?: AlertKind; page?: number; pageSize?: number }) =>
    request<Page<Alert>>('GET', `/api/alerts${qs(q)}`),
  acknowledgeAlert: (id: string) => request<Alert>('POST', `/api/alerts/${seg(id)}/acknowledge`),
  acknowledgeAlerts: (ids: string[]) =>
    request<{ acknowledged: Alert[]; skipped: { id: string; status: AlertStatus }[] }>('POST', '/api/alerts/acknowledge', { ids }),

  channels: () => request<{ items: NotificationChannel[] }>('GET', '/api/notification-channels'),
  createChannel: (body: ChannelInput) => request<NotificationChannel>('POST', '/api/notification-channels', body),
  updateChannel: (id: string, body: Partial<ChannelInput>) =>
    request<NotificationChannel>('PATCH', `/api/notification-channels/${seg(id)}`, body),
  deleteChannel: (id: string) => request<void>('DELETE', `/api/notification-channels/${seg(id)}`),
  testChannel: (id: string) => request<ChannelTestResult>('POST', `/api/notification-channels/${seg(id)}/test`),

  agents: (siteId: string) => request<Page<AgentView>>('GET', `/api/agents${qs({ siteId, pageSize: 500 })}`),
  createEnrolmentCode: (siteId: string) => request<EnrolmentCode>('POST', `/api/sites/${seg(siteId)}/enrolment-codes`),
  revokeAgent: (id: string) => request<unknown>('POST', `/api/agents/${seg(id)}/revoke`),
  /** A code that re-enrols this agent in place (same id, site and history). */
  reenrolAgent: (id: string) => request<EnrolmentCode>('POST', `/api/agents/${seg(id)}/enrolment-code`),

  environment: (siteId: string, q: { from: string; to: string; metrics?: string; agents?: string }) =>
    request<EnvironmentChart>('GET', `/api/sites/${seg(siteId)}/environment${qs(q)}`),

  /** A single-use ticket to open the kiosk's screen (remote screens). */
  screenTicket: (kioskId: string) => request<ScreenTicket>('POST', `/api/kiosks/${seg(kioskId)}/screen-tickets`),
};

/** What the API answers for a screen: where to connect (once, soon) and the session's defaults. */
export interface ScreenTicket {
  ticket: string;
  path: string;
  expiresAt: string;
  kiosk: { id: string; code: string; name: string };
  route: 'direct' | 'agent';
  viewOnly: boolean;
  canControl: boolean;
  compressionLevel: number;
  qualityLevel: number;
  idleTimeoutS: number;
}

export type EnvironmentMetric = 'temperature' | 'humidity' | 'smoke';
export interface EnvironmentReading {
  at: string;
  temperatureC: number | null;
  humidityPct: number | null;
  smokeRaw: number | null;
  smokeAlarm: boolean | null;
}

/** Filters of the audit list and its CSV export (GET /api/audit, /api/audit.csv). */
export type AuditQuery = {
  entityType?: string;
  entityId?: string;
  /** Name or code of the entity, now or when the entry was made. */
  entity?: string;
  /** Part of the actor's username. */
  actor?: string;
  action?: string;
  /** Free text. */
  q?: string;
  from?: string;
  to?: string;
  hospitalId?: string;
};
/** [time ms, mean, min, max] and, for smoke, the number of alarm readings. */
export type EnvironmentPoint = [number, number | null, number | null, number | null, number?];

/** GET /api/sites/:id/environment: per-agent series at the resolution the API chose. */
export interface EnvironmentChart {
  siteId: string;
  from: string;
  to: string;
  resolution: 'raw' | '5m' | '1h';
  bucketSeconds: number;
  metrics: EnvironmentMetric[];
  agents: { agentId: string; name: string; series: Partial<Record<EnvironmentMetric, EnvironmentPoint[]>> }[];
  summary: { totals: Partial<Record<EnvironmentMetric, { min: number | null; max: number | null; mean: number | null; count: number; alarms?: number }>> };
  thresholds: { temperatureMaxC: number; temperatureForMinutes: number; humidityMaxPct: number; humidityForMinutes: number; smokeAlarm: boolean };
  /** Every agent of the site with its latest reading, whatever the period; null: it never reported. */
  latest: { agentId: string; name: string; reading: EnvironmentReading | null }[];
  alerts: { id: string; kind: string; status: string; agentId: string | null; message: string; openedAt: string; resolvedAt: string | null }[];
}
