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
export interface Alert {
  id: string;
  hospitalId: string;
  siteId: string | null;
  kioskId: string | null;
  agentId: string | null;
  kind: string;
  status: AlertStatus;
  message: string;
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
  reason: string;
  intervals: { start: string; end: string; state: Expected }[];
  candidates: { ruleId: string; name: string; inForce: boolean; reason: string }[];
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

export interface PowerRule extends RuleInput {
  id: string;
  hospitalId: string;
  createdAt: string;
  updatedAt: string;
}

export interface RulePreview {
  kiosks: { kioskId: string; code: string; name: string; schedule: KioskSchedule }[];
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
  enrolled: boolean;
  online: boolean;
}

export interface EnrolmentCode {
  id: string;
  siteId: string;
  code: string;
  expiresAt: string;
  installCommand: string;
}

/** GET /api/kiosks/:id/liveness-history: each change of the observed state, newest first. */
export interface KioskLivenessHistory {
  kioskId: string;
  changes: { observed: 'up' | 'down' | 'unknown'; observedAt: string }[];
}

/** One planned transition of one kiosk and what happened to it (GET /api/kiosks/:id/dispatches). */
export interface Dispatch {
  id: string;
  kioskId: string;
  siteId: string;
  action: 'wake' | 'shutdown';
  plannedAt: string;
  status: 'planned' | 'sent' | 'verified' | 'failed' | 'no_agent' | 'missed' | 'skipped' | 'cancelled';
  sentAt: string | null;
  commands: { agentId: string; commandId: string; issuedAt: string; attempt: number }[];
  verifications: { at: string; afterS: number; observed: 'up' | 'down' | 'unknown'; ok: boolean; action: 'none' | 'woken-again' | 'alerted' }[];
  outcome: string | null;
}
