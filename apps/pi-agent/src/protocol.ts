/**
 * Agent protocol v1 (see /PROTOCOL.md): the contract with agents already installed
 * in hospitals. Only add optional fields here. Everything the API sends is parsed
 * with these schemas at the edge (client.ts); the rest of the agent trusts the types.
 */
import { z } from 'zod';

export const PROTOCOL_PREFIX = '/api/agent/v1';

const isoInstant = z.iso.datetime({ offset: true });

/** How a kiosk is shut down. `method` names a method in the agent's own config. */
export const ShutdownSpecSchema = z.looseObject({ method: z.string().min(1) });
export type ShutdownSpec = z.infer<typeof ShutdownSpecSchema>;

/**
 * One kiosk a command acts on. `mac`, `ip` and `broadcast` are checked per kiosk when
 * used (wake needs a MAC, probe an IP) so one badly entered kiosk fails alone instead
 * of taking the whole command down. `name`, `code`, `vncPort`, `wolPort` are optional
 * extras the API may add.
 */
export const KioskTargetSchema = z.looseObject({
  kioskId: z.string().min(1),
  mac: z.string().optional(),
  ip: z.string().optional(),
  broadcast: z.string().optional(),
  name: z.string().optional(),
  code: z.string().optional(),
  vncPort: z.number().int().min(1).max(65535).optional(),
  wolPort: z.number().int().min(1).max(65535).optional(),
  shutdown: ShutdownSpecSchema.optional(),
});
export type KioskTarget = z.infer<typeof KioskTargetSchema>;

export const PowerCommandSchema = z.looseObject({
  id: z.string().min(1),
  type: z.enum(['wake', 'shutdown', 'probe']),
  dueAt: isoInstant,
  expiresAt: isoInstant,
  targets: z.array(KioskTargetSchema),
});
export type PowerCommand = z.infer<typeof PowerCommandSchema>;
export type PowerCommandType = PowerCommand['type'];

export const CancelCommandSchema = z.looseObject({
  id: z.string().min(1),
  type: z.literal('cancel'),
  cancels: z.string().min(1),
});
export type CancelCommand = z.infer<typeof CancelCommandSchema>;

export type AgentCommand = PowerCommand | CancelCommand;

export const EnrollResponseSchema = z.looseObject({ agentId: z.string().min(1), token: z.string().min(1) });
export type EnrollResponse = z.infer<typeof EnrollResponseSchema>;

export interface EnrollRequest {
  code: string;
  name: string;
  hostname: string;
  version: string;
  subnets: string[];
}

export interface HeartbeatRequest {
  version: string;
  uptimeS: number;
  time: string;
  buffered: number;
  /** Optional extension: readings/results dropped because the disk buffer was full. */
  dropped?: number;
}

export const HeartbeatResponseSchema = z.looseObject({
  serverTime: isoInstant,
  config: z
    .looseObject({
      probeIntervalS: z.number().positive().optional(),
      readingIntervalS: z.number().positive().optional(),
      probePorts: z.array(z.number().int().min(1).max(65535)).optional(),
    })
    .optional(),
});
export type HeartbeatResponse = z.infer<typeof HeartbeatResponseSchema>;

export interface TargetOutcome {
  kioskId: string;
  ok: boolean;
  error: string | null;
}

export interface CommandResult {
  status: 'done' | 'failed';
  startedAt: string;
  finishedAt: string;
  targets: TargetOutcome[];
}

export const PlanItemSchema = z.looseObject({
  at: isoInstant,
  type: z.enum(['wake', 'shutdown']),
  targets: z.array(KioskTargetSchema),
});
export type PlanItem = z.infer<typeof PlanItemSchema>;

export const PlanSchema = z.looseObject({ generatedAt: isoInstant, items: z.array(PlanItemSchema) });
export type Plan = z.infer<typeof PlanSchema>;

export interface OfflineAction {
  at: string;
  type: 'wake' | 'shutdown';
  kioskIds: string[];
  executedAt: string;
}

export interface ProbeResult {
  kioskId: string;
  up: boolean;
  method: string;
  latencyMs?: number;
}

export interface ProbeReport {
  observedAt: string;
  results: ProbeResult[];
}

/** One environment reading; any field but `seq` and `at` is absent when a sensor failed. */
export interface Reading {
  seq: number;
  at: string;
  temperatureC?: number;
  humidityPct?: number;
  smokeRaw?: number;
  smokeAlarm?: boolean;
}

export const ReadingsAckSchema = z.looseObject({ ackSeq: z.number().int() });

export const MAX_READINGS_PER_REQUEST = 5000;

export const ApiErrorBodySchema = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
});
