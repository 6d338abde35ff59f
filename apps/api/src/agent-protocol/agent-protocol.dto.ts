import { z } from 'zod';
import { agentName } from '../agents/agents.dto';
import { lineText } from '../common/text';
import { uuid } from '../common/validation';
import { cidr } from '../common/addresses';

/**
 * Request schemas of PROTOCOL.md v1. Objects are not strict on purpose: newer
 * agents may send optional fields this API does not know yet (the contract grows
 * only by optional fields), and those are ignored, not refused.
 */
const instant = z.iso.datetime({ offset: true, message: 'not an ISO 8601 instant (e.g. 2026-01-01T07:00:00.000Z)' }).transform((s) => new Date(s));
const INT32_MAX = 2_147_483_647;

export const MAX_READINGS_PER_REQUEST = 5000;

export const enrollBody = z.object({
  code: z.string().trim().min(1).max(64),
  name: agentName,
  hostname: lineText().min(1).max(255),
  version: lineText().min(1).max(40),
  subnets: z.array(cidr).max(64).default([]),
});

export const heartbeatBody = z.object({
  version: lineText().min(1).max(40),
  uptimeS: z.number().min(0),
  time: instant,
  buffered: z.number().int().min(0),
  dropped: z.number().int().min(0).optional(),
});

export const pollQuery = z.object({
  wait: z.coerce.number().int('must be whole seconds').min(0).max(30).default(25),
});

export const commandId = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'not a command id');

export const commandResultBody = z.object({
  status: z.enum(['done', 'failed']),
  startedAt: instant,
  finishedAt: instant,
  targets: z
    .array(z.object({ kioskId: z.string().min(1).max(64), ok: z.boolean(), error: z.string().max(2000).nullable().default(null) }))
    .max(5000),
});

export const probesBody = z.object({
  observedAt: instant,
  results: z
    .array(
      z.object({
        kioskId: uuid,
        up: z.boolean(),
        method: lineText().min(1).max(40),
        latencyMs: z.number().min(0).max(INT32_MAX).nullable().optional(),
      }),
    )
    .max(5000),
});
export type ProbeReport = z.output<typeof probesBody>;

export const planQuery = z.object({ hours: z.coerce.number().int().min(1).max(168).default(48) });

export const offlineActionsBody = z.object({
  actions: z
    .array(
      z.object({
        at: instant,
        type: z.enum(['wake', 'shutdown']),
        // A kiosk named twice was acted on once: each id is kept once.
        kioskIds: z
          .array(uuid)
          .max(1000)
          .transform((ids) => [...new Set(ids)]),
        executedAt: instant,
      }),
    )
    .max(1000),
});
export type OfflineActionInput = z.output<typeof offlineActionsBody>['actions'][number];

/** Sensors fail: every field but seq and at may be absent (or null). */
export const reading = z.object({
  seq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  at: instant,
  temperatureC: z.number().min(-100).max(200).nullable().optional(),
  humidityPct: z.number().min(0).max(100).nullable().optional(),
  smokeRaw: z.number().int().min(0).max(INT32_MAX).nullable().optional(),
  smokeAlarm: z.boolean().nullable().optional(),
});
export const readingsBody = z.object({ readings: z.array(reading) });
