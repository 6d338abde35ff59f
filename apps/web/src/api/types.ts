/** Shapes of the API's answers, as the console reads them (see apps/api/src/<domain>/). */
export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}

export type Role = 'admin' | 'ops' | 'staff' | 'viewer';

export interface Me {
  id: string;
  username: string;
  role: Role;
  hospitalIds: string[] | 'all';
}

export interface Hospital {
  id: string;
  code: string;
  name: string;
}

export interface Site {
  id: string;
  hospitalId: string;
  name: string;
  timeZone: string;
  /** Where its kiosks live (CIDR); screens of the direct route reach only these. */
  subnets: string[];
}

export const KIOSK_KINDS = [
  'registration',
  'payment',
  'report-printer',
  'self-service',
  'information',
  'other',
] as const;
export type KioskKind = (typeof KIOSK_KINDS)[number];

export interface Kiosk {
  id: string;
  hospitalId: string;
  siteId: string;
  code: string;
  name: string;
  kind: KioskKind;
  location: string;
  notes: string;
  ip: string | null;
  mac: string;
  subnet: string | null;
  vncPort: number;
  /** The name of a method configured on the site's agents. */
  shutdownMethod: string | null;
  updatedAt?: string;
}

export type Expected = 'on' | 'off' | 'unmanaged';
export type Observed = 'up' | 'down' | 'unknown';

export interface FleetKiosk {
  id: string;
  code: string;
  name: string;
  kind: KioskKind;
  location: string;
  ip: string | null;
  mac: string;
  expected: Expected;
  expectedRuleId?: string;
  /** A wake / shutdown now that decides the expected state until the schedule's next transition. */
  expectedManual?: ManualCommand | null;
  /** When the schedule next changes `expected` (within two days), and to what. */
  expectedUntil: string | null;
  next: Expected | null;
  observed: Observed;
  mismatch: boolean;
  /** The latest time the site's agents vouched for the kiosk being up. */
  lastSeenAt: string | null;
  agents: { id: string; name: string; up: boolean; observedAt: string }[];
}

export interface Fleet {
  /** The server's clock when it answered: the page times transitions by it. */
  now: string;
  site: { id: string; name: string; timeZone: string; hospitalId: string };
  kiosks: FleetKiosk[];
}

/** GET /api/fleet/overview: figures of one site. */
export interface SiteCounts {
  kiosks: number;
  up: number;
  down: number;
  unknown: number;
  mismatched: number;
  agentsOnline: number;
  agentsTotal: number;
  openAlerts: number;
}

export interface OverviewSite extends SiteCounts {
  id: string;
  name: string;
  timeZone: string;
  /** The warmest of the site's agents' latest readings of the last hour. */
  temperature: { celsius: number; at: string; agentName: string } | null;
}

export interface FleetOverview {
  now: string;
  nextChangeAt: string | null;
  hospitals: { id: string; code: string; name: string; totals: SiteCounts; sites: OverviewSite[] }[];
  totals: SiteCounts;
}

/** GET /api/kiosks/search: a kiosk of any site the user may see, with what tells equal codes apart. */
export interface KioskSearchHit {
  id: string;
  code: string;
  name: string;
  kind: KioskKind;
  location: string;
  ip: string | null;
  mac: string;
  site: { id: string; name: string; timeZone: string };
  hospital: { id: string; code: string; name: string };
}

export interface KioskLivenessMessage {
  kioskId: string;
  siteId: string;
  hospitalId: string;
  observed: 'up' | 'down';
  observedAt: string;
}

/** GET /api/kiosks/:id/liveness: the kiosk's state now, and what each agent of its site last saw. */
export interface KioskLiveness {
  kioskId: string;
  up: boolean | null;
  observedAt: string | null;
  agents: {
    agentId: string;
    agentName: string;
    up: boolean;
    method: string;
    latencyMs: number | null;
    observedAt: string;
    receivedAt: string;
    fresh: boolean;
  }[];
}

export type AlertStatus = 'open' | 'acknowledged' | 'resolved';
export const ALERT_KINDS = [
  'kiosk_state',
  'no_agent',
  'dispatch_missed',
  'agent_offline',
  'temperature_high',
  'humidity_high',
  'smoke',
  'sensor_silent',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];
/** A kiosk named by a grouped alert (code and name as they were when it was raised). */
export interface AlertKiosk {
  id: string;
  code: string;
  name: string;
  observed?: string;
}
export interface Alert {
  id: string;
  hospitalId: string;
  siteId: string | null;
  kioskId: string | null;
  agentId: string | null;
  kind: AlertKind;
  status: AlertStatus;
  message: string;
  /** Structured facts the console words in the user's language: siteName, timeZone, at, action, kiosks, kioskCount, agentName… */
  details: Record<string, unknown> | null;
  openedAt: string;
  lastSeenAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  resolvedAt: string | null;
}

export interface ScheduleDay {
  date: string;
  winner: { id: string; name: string; layer: 'regular' | 'override'; scopeKind: ScopeKind } | null;
  /** English; the console words `reasonCode` with `reasonParams` (server-text.ts). */
  reason: string;
  reasonCode?: string;
  reasonParams?: Record<string, string | number>;
  intervals: { start: string; end: string; state: Expected }[];
  candidates: {
    ruleId: string;
    name: string;
    inForce: boolean;
    reason: string;
    reasonCode?: string;
    reasonParams?: Record<string, string | number>;
  }[];
}

export interface KioskSchedule {
  timeZone: string;
  days: ScheduleDay[];
}

export type ScopeKind = 'hospital' | 'site' | 'kiosks';
export type RuleScope =
  { kind: 'hospital' } | { kind: 'site'; siteId: string } | { kind: 'kiosks'; kioskIds: string[] };
export interface PowerWindow {
  start: string;
  end: string;
}

export interface RuleInput {
  name: string;
  scope: RuleScope;
  layer: 'regular' | 'override';
  days: number[] | null;
  from: string | null;
  until: string | null;
  windows: PowerWindow[];
  priority: number;
}

/** The other parts of overnight hours, saved with the rule in one transaction. */
export interface RuleCompanion {
  name: string;
  days: number[] | null;
  windows: PowerWindow[];
}

export interface PowerRule extends RuleInput {
  id: string;
  hospitalId: string;
  createdAt: string;
  updatedAt: string;
}

export interface RulePreview {
  kiosks: { kioskId: string; code: string; name: string; site: { id: string; name: string }; schedule: KioskSchedule }[];
  impact?: RuleImpact;
}

/** Hours on of a rule on a date, in the site's wall-clock time; `windows: null` = no rule (unmanaged). */
export interface HoursOn {
  windows: PowerWindow[] | null;
  hours: number;
}

/** What a rule does to every kiosk of its scope on its own dates (POST /api/rules/preview with impact). */
export interface RuleImpact {
  dates: string[];
  datesTruncated: boolean;
  scopeKiosks: number;
  governed: number;
  governedByOtherRules: number;
  escapingTotal: number;
  escaping: {
    kioskId: string;
    code: string;
    name: string;
    site: { id: string; name: string };
    dates: string[];
    winner: { id: string; name: string; layer: 'regular' | 'override'; scopeKind: ScopeKind; priority: number };
    reason: string;
    reasonCode?: string;
    reasonParams?: Record<string, string | number>;
    /** The precedence step that decides: said in the user's language. */
    decidedBy: 'scope' | 'layer' | 'priority' | 'updatedAt';
    includable: boolean;
  }[];
  include: { kioskIds: string[]; layer: 'regular' | 'override'; priority: number } | null;
  comparison: {
    date: string;
    governed: number;
    after: HoursOn;
    before: (HoursOn & { rule: { id: string; name: string } | null; kiosks: number })[];
  }[];
}

export interface AuditEntry {
  id: string;
  at: string;
  actorId: string | null;
  actorName: string;
  action: string;
  entityType: string;
  entityId: string | null;
  hospitalId: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  /** The entity's current name (where it still exists and is visible), else the name the entry recorded. */
  entityName: string | null;
  entityNameSource: 'current' | 'recorded' | null;
  hospitalName: string | null;
}

export interface AgentView {
  id: string;
  siteId: string;
  name: string;
  location: string;
  subnets: string[];
  hostname: string | null;
  version: string | null;
  lastHeartbeatAt: string | null;
  clockSkewMs: number | null;
  uptimeS: number | null;
  bufferedCount: number | null;
  tokenRevokedAt: string | null;
  tokenRevokedBy?: string | null;
  enrolled: boolean;
  online: boolean;
  /** Why the agent is or is not talking to the API. */
  connection?: AgentConnection;
}

export type AgentConnection =
  | { state: 'online'; lastHeartbeatAt: string }
  | { state: 'not_enrolled' }
  | { state: 'revoked'; at: string; by: string | null; refusals: number; lastRefusedAt: string | null }
  | { state: 'refused'; refusals: number; since: string; lastRefusedAt: string }
  | { state: 'offline'; lastHeartbeatAt: string | null };

export interface EnrolmentCode {
  id: string;
  siteId: string;
  code: string;
  expiresAt: string;
  installCommand: string;
  /** Set for a re-enrolment code: the agent it re-enrols. */
  agentId?: string;
}

/** GET /api/kiosks/:id/liveness-history: each change of the observed state, newest first. */
export interface KioskLivenessHistory {
  kioskId: string;
  changes: { observed: 'up' | 'down' | 'unknown'; observedAt: string }[];
}

export type DispatchAction = 'wake' | 'shutdown';
export type DispatchStatus =
  | 'planned'
  | 'sent'
  | 'verified'
  | 'failed'
  | 'no_agent'
  | 'missed'
  | 'skipped'
  | 'cancelled'
  | 'superseded';

export interface ManualCommand {
  action: DispatchAction;
  at: string;
  requestedBy: string | null;
}

/** One transition of one kiosk (scheduled, or asked for now by someone) and what happened to it. */
export interface Dispatch {
  id: string;
  kioskId: string;
  kiosk: { code: string; name: string } | null;
  siteId: string;
  action: DispatchAction;
  plannedAt: string;
  source: 'schedule' | 'manual';
  requestedBy: string | null;
  status: DispatchStatus;
  sentAt: string | null;
  /** Each agent's command, with what the agent reported for this kiosk. */
  commands: {
    agentId: string;
    agentName: string | null;
    commandId: string;
    issuedAt: string;
    attempt: number;
    cancelledAt: string | null;
    result: { status: 'done' | 'failed'; startedAt: string; finishedAt: string; ok: boolean | null; error: string | null } | null;
  }[];
  verifications: {
    at: string;
    afterS: number;
    observed: 'up' | 'down' | 'unknown';
    ok: boolean;
    action: 'none' | 'woken-again' | 'alerted' | 'superseded';
  }[];
  /** English, as stored; the console words `outcomeCode` with `outcomeParams` (server-text.ts). */
  outcome: string | null;
  outcomeCode?: string | null;
  outcomeParams?: Record<string, string | number>;
}

/** A wake or shutdown agents did from their cached plan while cut off from the API: once per instant, with every agent that did it. */
export interface OfflineDispatch {
  at: string;
  action: DispatchAction;
  kioskIds: string[];
  kiosks: { id: string; code: string | null; name: string | null }[];
  agents: { id: string; name: string; executedAt: string; receivedAt: string; kioskIds: string[] }[];
}

/** GET /api/kiosks/:id/dispatches and /api/sites/:id/dispatches. */
export interface DispatchPage extends Page<Dispatch> {
  timeZone: string;
  /** Those within the span of time of the page's items. */
  offlineActions: OfflineDispatch[];
}

/** POST /api/power-commands/preview: what a wake / shutdown now would do. */
export interface PowerPreview {
  action: DispatchAction;
  kiosks: {
    kioskId: string;
    code: string;
    name: string;
    siteId: string;
    expected: Expected;
    expectedBy: 'schedule' | 'manual';
    agents: { id: string; name: string }[];
  }[];
  unfit: { kioskId: string; code: string; reason: string; problem: string }[];
  counts: { kiosks: number; expectedOn: number; expectedOff: number; unreachable: number; unfit: number };
}

/** POST /api/power-commands: what was sent, to which agents. */
export interface PowerCommandResult {
  requestId: string;
  action: DispatchAction;
  requestedAt: string;
  requestedBy: string;
  counts: { kiosks: number; expectedOn: number; sent: number; noAgent: number };
  kiosks: { kioskId: string; code: string; siteId: string; status: DispatchStatus; agents: { id: string; name: string }[] }[];
  unfit: PowerPreview['unfit'];
}

export type PowerCommandBody = { action: DispatchAction; confirm?: boolean } & (
  { kioskIds: string[] } | { siteId: string }
);
export const CHANNEL_TYPES = ['wecom', 'dingtalk', 'webhook-json', 'email'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];
/** A notification channel as the API shows it: its secret only as `secretSet`. */
export interface NotificationChannel {
  id: string;
  hospitalId: string | null;
  name: string;
  type: ChannelType;
  target: string;
  secretSet: boolean;
  language: 'en' | 'zh-CN';
  siteIds: string[];
  kinds: AlertKind[];
  graceSeconds: number;
  enabled: boolean;
  lastDelivery: { at: string; ok: boolean; detail: string } | null;
}
export interface ChannelInput {
  hospitalId?: string | null;
  name: string;
  type: ChannelType;
  target: string;
  /** Omitted: keep the stored one; null: remove it. */
  secret?: string | null;
  language: 'en' | 'zh-CN';
  siteIds: string[];
  kinds: AlertKind[];
  graceSeconds: number;
  enabled: boolean;
}
export interface ChannelTestResult {
  ok: boolean;
  statusCode: number | null;
  detail: string;
}

/** GET /api/schedule/calendar: the effective schedule of a site or a hospital, kiosks with the same hours grouped. */
export interface CalendarBar {
  start: string;
  end: string;
  startLocal: string;
  endLocal: string;
  ruleId: string;
}

export interface CalendarDay {
  date: string;
  start: string;
  end: string;
  state: 'managed' | 'unmanaged';
  ruleId: string | null;
  bars: CalendarBar[];
}

export interface CalendarGroup {
  id: string;
  timeZone: string;
  kioskCount: number;
  kiosks: { id: string; code: string; name: string; siteId: string }[];
  siteIds: string[];
  days: CalendarDay[];
}

export interface CalendarLegendEntry {
  id: string;
  name: string;
  layer: 'regular' | 'override';
  scopeKind: ScopeKind;
  colorKey: number;
}

export interface CalendarView {
  from: string;
  to: string;
  scope: { kind: 'site' | 'hospital'; id: string; name: string; hospitalId: string };
  sites: { id: string; name: string; timeZone: string }[];
  groups: CalendarGroup[];
  legend: CalendarLegendEntry[];
}

export type CalendarQuery = ({ siteId: string } | { hospitalId: string }) & { from: string; to: string };
