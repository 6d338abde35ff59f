/**
 * Agent protocol v1 (see /PROTOCOL.md): the contract with agents already installed
 * in hospitals. Only add optional fields here. Everything the API sends is parsed
 * with these schemas at the edge (client.ts); the rest of the agent trusts the types,
 * which are the ones the API shares (libs/agent-protocol). protocol-types.test.ts
 * checks that these schemas accept every message of those types and yield them.
 */
import { z } from 'zod';

export type {
  AgentCommand,
  CancelCommand,
  CommandResult,
  EnrollRequest,
  EnrollResponse,
  HeartbeatRequest,
  HeartbeatResponse,
  KioskTarget,
  OfflineAction,
  Plan,
  PlanItem,
  PowerCommand,
  PowerCommandType,
  ProbeReport,
  ProbeResult,
  Reading,
  ShutdownSpec,
  TargetOutcome,
} from '@wakeward/agent-protocol';

export const PROTOCOL_PREFIX = '/api/agent/v1';

const isoInstant = z.iso.datetime({ offset: true });

/** How a kiosk is shut down. `method` names a method in the agent's own config. */
export const ShutdownSpecSchema = z.looseObject({ method: z.string().min(1) });

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

export const PowerCommandSchema = z.looseObject({
  id: z.string().min(1),
  type: z.enum(['wake', 'shutdown', 'probe']),
  dueAt: isoInstant,
  expiresAt: isoInstant,
  targets: z.array(KioskTargetSchema),
});

export const CancelCommandSchema = z.looseObject({
  id: z.string().min(1),
  type: z.literal('cancel'),
  cancels: z.string().min(1),
});

export const EnrollResponseSchema = z.looseObject({ agentId: z.string().min(1), token: z.string().min(1) });

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

export const PlanItemSchema = z.looseObject({
  at: isoInstant,
  type: z.enum(['wake', 'shutdown']),
  targets: z.array(KioskTargetSchema),
});

export const PlanSchema = z.looseObject({ generatedAt: isoInstant, items: z.array(PlanItemSchema) });

export const ReadingsAckSchema = z.looseObject({ ackSeq: z.number().int() });

export const MAX_READINGS_PER_REQUEST = 5000;

export const ApiErrorBodySchema = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
});
