import { fileURLToPath } from 'node:url';
import type {
  AgentSettings,
  ApiErrorBody,
  CancelCommand,
  EnrollResponse,
  HeartbeatResponse,
  KioskTarget,
  Plan,
  PlanItem,
  PowerCommand,
  ReadingsAck,
  ShutdownSpec,
} from '@wakeward/agent-protocol';
import ts from 'typescript';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import {
  ApiErrorBodySchema,
  CancelCommandSchema,
  EnrollResponseSchema,
  HeartbeatResponseSchema,
  KioskTargetSchema,
  PlanItemSchema,
  PlanSchema,
  PowerCommandSchema,
  ReadingsAckSchema,
  ShutdownSpecSchema,
} from './protocol';

/**
 * The agent's side of the shared protocol types (libs/agent-protocol): its schemas
 * accept every message of the contract the API may send, and what they yield is of the
 * shared types the rest of the agent works with. The API has the same test
 * (agent-protocol/agent-command.test.ts), so the two cannot drift apart again. The type
 * assertions below are checked by compiling this file: vitest alone does not type-check.
 */

type Out<T extends z.ZodType> = z.output<T>;
type In<T extends z.ZodType> = z.input<T>;

/**
 * Compiles only when every From is a To. (The agent's loose objects carry an index
 * signature, which expect-type's toExtend refuses whichever side it is on.)
 */
const assignable = <From, To>(..._proof: [From] extends [To] ? [] : [never]) => undefined;

// Every message of the contract passes the agent's schema...
assignable<ShutdownSpec, In<typeof ShutdownSpecSchema>>();
assignable<KioskTarget, In<typeof KioskTargetSchema>>();
assignable<PowerCommand, In<typeof PowerCommandSchema>>();
assignable<CancelCommand, In<typeof CancelCommandSchema>>();
assignable<EnrollResponse, In<typeof EnrollResponseSchema>>();
assignable<HeartbeatResponse, In<typeof HeartbeatResponseSchema>>();
assignable<PlanItem, In<typeof PlanItemSchema>>();
assignable<Plan, In<typeof PlanSchema>>();
assignable<ReadingsAck, In<typeof ReadingsAckSchema>>();
assignable<ApiErrorBody, In<typeof ApiErrorBodySchema>>();
// ...and what the schema yields is the shared type.
assignable<Out<typeof ShutdownSpecSchema>, ShutdownSpec>();
assignable<Out<typeof KioskTargetSchema>, KioskTarget>();
assignable<Out<typeof PowerCommandSchema>, PowerCommand>();
assignable<Out<typeof CancelCommandSchema>, CancelCommand>();
assignable<Out<typeof EnrollResponseSchema>, EnrollResponse>();
assignable<Out<typeof HeartbeatResponseSchema>, HeartbeatResponse>();
assignable<Out<typeof PlanItemSchema>, PlanItem>();
assignable<Out<typeof PlanSchema>, Plan>();
assignable<Out<typeof ReadingsAckSchema>, ReadingsAck>();
assignable<Out<typeof ApiErrorBodySchema>, ApiErrorBody>();
// A field added to the contract is a field the agent's schema names (loose objects would let it through unchecked).
type Named<T> = keyof { [K in keyof T as string extends K ? never : K]: T[K] };
expectTypeOf<Named<Out<typeof KioskTargetSchema>>>().toEqualTypeOf<keyof KioskTarget>();
expectTypeOf<Named<Out<typeof PowerCommandSchema>>>().toEqualTypeOf<keyof PowerCommand>();
expectTypeOf<Named<Out<typeof PlanItemSchema>>>().toEqualTypeOf<keyof PlanItem>();
expectTypeOf<Named<NonNullable<Out<typeof HeartbeatResponseSchema>['config']>>>().toEqualTypeOf<keyof AgentSettings>();

const at = '2026-01-26T23:00:00.000Z';
const target: KioskTarget = {
  kioskId: 'k-1',
  code: 'MZ-1F-07',
  name: 'Registration 7',
  mac: '00:1a:2b:3c:4d:5e',
  ip: '127.0.0.17',
  broadcast: '127.0.0.255',
  vncPort: 5900,
  wolPort: 40009,
  shutdown: { method: 'ssh' },
};

describe("the agent's parsing agrees with the shared protocol types", () => {
  it('this file type-checks: the assertions above hold', () => {
    const file = fileURLToPath(import.meta.url);
    const root = fileURLToPath(new URL('../../../', import.meta.url));
    const program = ts.createProgram([file], {
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ES2022,
      moduleResolution: ts.ModuleResolutionKind.Node10,
      esModuleInterop: true,
      // The libraries' sources, as the tests resolve them, not a build that may be stale.
      baseUrl: root,
      paths: {
        '@wakeward/agent-protocol': ['libs/agent-protocol/src/index.ts'],
        '@wakeward/wol': ['libs/wol/src/index.ts'],
      },
    });
    const problems = ts
      .getPreEmitDiagnostics(program)
      .map((d) => {
        const where = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
        return `${d.file?.fileName ?? ''}:${where ? where.line + 1 : '?'}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
      });
    expect(problems).toEqual([]);
  }, 60_000);

  it('sample messages of the shared types come out of the schemas unchanged', () => {
    const messages: [z.ZodType, unknown][] = [
      [PowerCommandSchema, { id: 'cmd_1', type: 'wake', dueAt: at, expiresAt: at, targets: [target, { kioskId: 'k-2' }] } satisfies PowerCommand],
      [CancelCommandSchema, { id: 'cmd_2', type: 'cancel', cancels: 'cmd_1' } satisfies CancelCommand],
      [PlanSchema, { generatedAt: at, items: [{ at, type: 'shutdown', targets: [target] }] } satisfies Plan],
      [HeartbeatResponseSchema, { serverTime: at, config: { probeIntervalS: 30, readingIntervalS: 60, probePorts: [5900] } } satisfies HeartbeatResponse],
      [EnrollResponseSchema, { agentId: 'a-1', token: 'secret' } satisfies EnrollResponse],
      [ReadingsAckSchema, { ackSeq: 1042 } satisfies ReadingsAck],
      [ApiErrorBodySchema, { error: { code: 'BATCH_TOO_LARGE', message: 'at most 5000 readings' } } satisfies ApiErrorBody],
    ];
    for (const [schema, message] of messages) {
      const parsed = schema.safeParse(message);
      expect(parsed.error?.issues ?? [], JSON.stringify(message)).toEqual([]);
      expect(parsed.data).toEqual(message);
    }
  });
});
