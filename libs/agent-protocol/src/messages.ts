/**
 * The JSON messages of agent protocol v1 (PROTOCOL.md) as types: what the API and the
 * agent exchange over `/api/agent/v1`, written once so the two cannot drift apart.
 * Types only, no code: each side keeps its own parsing (the API's zod DTOs, the agent's
 * schemas) and is tested to agree with these.
 *
 * Instants are ISO 8601 strings on the wire. Agents in hospitals are upgraded rarely, so
 * a type here changes only by an optional field; where the agents in the field accept
 * more than the API sends today (a target without a MAC, a `wolPort`), the type says
 * what the agents accept, because that is the contract a future API may rely on.
 *
 * Object types, not interfaces: a message is then assignable to the index-signature
 * shapes that JSON and zod's loose objects have.
 */

/** `POST /enroll` */
export type EnrollRequest = {
  code: string;
  name: string;
  hostname: string;
  version: string;
  subnets: string[];
};

export type EnrollResponse = {
  agentId: string;
  token: string;
};

/** `POST /heartbeat`, every 30 s. */
export type HeartbeatRequest = {
  version: string;
  uptimeS: number;
  time: string;
  /** Readings and results waiting in the agent's disk buffer. */
  buffered: number;
  /** Optional extension: readings/results dropped because the disk buffer was full. */
  dropped?: number;
};

export type HeartbeatResponse = {
  serverTime: string;
  config?: AgentSettings;
};

/** Settings the API hands out with each heartbeat; an absent one leaves the agent's own. */
export type AgentSettings = {
  probeIntervalS?: number;
  readingIntervalS?: number;
  probePorts?: number[];
};

/** How a kiosk is shut down: `method` names a method of the agent's own configuration, never a program or URL. */
export type ShutdownSpec = {
  method: string;
  [option: string]: unknown;
};

/**
 * One kiosk a command or plan item acts on. The agent checks `mac`, `ip` and `broadcast`
 * per kiosk when it needs them (a wake needs a MAC, a probe an IP), so one badly
 * entered kiosk fails alone; `name`, `code`, `vncPort` and `wolPort` are extras.
 */
export type KioskTarget = {
  kioskId: string;
  mac?: string;
  ip?: string;
  /** Directed broadcast of the kiosk's subnet; absent: the agent sends the magic packet to `ip`. */
  broadcast?: string;
  name?: string;
  code?: string;
  vncPort?: number;
  /** UDP port of the magic packet; absent: the port of the agent's configuration (9 unless set). */
  wolPort?: number;
  shutdown?: ShutdownSpec;
};

export type PowerCommandType = 'wake' | 'shutdown' | 'probe';

/** Run at `dueAt` by the agent's clock (at once if past), never after `expiresAt`; the same `id` twice runs once. */
export type PowerCommand = {
  id: string;
  type: PowerCommandType;
  dueAt: string;
  expiresAt: string;
  targets: KioskTarget[];
};

/** Drops the command `cancels` if it has not run yet. */
export type CancelCommand = {
  id: string;
  type: 'cancel';
  cancels: string;
};

export type AgentCommand = PowerCommand | CancelCommand;

/** `GET /commands?wait=25` */
export type CommandsResponse = {
  commands: AgentCommand[];
};

export type TargetOutcome = {
  kioskId: string;
  ok: boolean;
  error: string | null;
};

/** `POST /commands/{id}/result` */
export type CommandResult = {
  status: 'done' | 'failed';
  startedAt: string;
  finishedAt: string;
  targets: TargetOutcome[];
};

/** One transition of the offline plan. */
export type PlanItem = {
  at: string;
  type: 'wake' | 'shutdown';
  targets: KioskTarget[];
};

/** `GET /plan?hours=48`, with an ETag. */
export type Plan = {
  generatedAt: string;
  items: PlanItem[];
};

/** A plan item the agent ran itself while the API was unreachable. */
export type OfflineAction = {
  at: string;
  type: 'wake' | 'shutdown';
  kioskIds: string[];
  executedAt: string;
};

/** `POST /offline-actions` */
export type OfflineActionsReport = {
  actions: OfflineAction[];
};

export type ProbeResult = {
  kioskId: string;
  up: boolean;
  /** How the kiosk was probed, e.g. `tcp:5900`. */
  method: string;
  latencyMs?: number;
};

/** `POST /probes`: on every change of a kiosk's state, and a full snapshot every 5 minutes. */
export type ProbeReport = {
  observedAt: string;
  results: ProbeResult[];
};

/** One environment reading; any field but `seq` and `at` is absent when a sensor failed. */
export type Reading = {
  /** Increases per agent and survives restarts: the API stores each `(agent, seq)` once. */
  seq: number;
  at: string;
  temperatureC?: number;
  humidityPct?: number;
  smokeRaw?: number;
  smokeAlarm?: boolean;
};

/** `POST /readings`, at most 5,000 a request. */
export type ReadingsReport = {
  readings: Reading[];
};

export type ReadingsAck = {
  ackSeq: number;
};

/** Every error of the API: the HTTP status and this body. */
export type ApiErrorBody = {
  error: { code: string; message: string };
};
