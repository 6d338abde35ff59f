import { fileURLToPath } from 'node:url';
import type {
  AgentCommand,
  CommandResult,
  EnrollRequest,
  EnrollResponse,
  HeartbeatRequest,
  HeartbeatResponse,
  OfflineActionsReport,
  Plan,
  ProbeReport,
  ReadingsAck,
  ReadingsReport,
} from '@wakeward/agent-protocol';
import ts from 'typescript';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import type { AgentCredentialsService } from '../agents/agent-credentials.service';
import type { AgentCommandsService } from '../agent-commands/agent-commands.service';
import type { AgentPlanService } from './agent-plan.service';
import {
  commandResultBody,
  enrollBody,
  heartbeatBody,
  offlineActionsBody,
  probesBody,
  readingsBody,
} from './agent-protocol.dto';
import type { AgentReportsService } from './agent-reports.service';

/**
 * The API's side of the shared protocol types (libs/agent-protocol): it accepts every
 * message an agent may send, reads no field the contract lacks, and answers with the
 * messages the agent expects. The agent's side has the same test (protocol-types.test.ts),
 * so the two cannot drift apart again. The type assertions below are checked by
 * compiling this file: vitest alone does not type-check.
 */

type Out<T extends z.ZodType> = z.output<T>;
type In<T extends z.ZodType> = z.input<T>;
type Answer<F extends (...args: never[]) => unknown> = Awaited<ReturnType<F>>;

// What agents send: every message of the contract passes the API's schema...
expectTypeOf<EnrollRequest>().toExtend<In<typeof enrollBody>>();
expectTypeOf<HeartbeatRequest>().toExtend<In<typeof heartbeatBody>>();
expectTypeOf<CommandResult>().toExtend<In<typeof commandResultBody>>();
expectTypeOf<ProbeReport>().toExtend<In<typeof probesBody>>();
expectTypeOf<OfflineActionsReport>().toExtend<In<typeof offlineActionsBody>>();
expectTypeOf<ReadingsReport>().toExtend<In<typeof readingsBody>>();
// ...and what the API parses out of it has the contract's fields, no more, no fewer.
expectTypeOf<keyof Out<typeof enrollBody>>().toEqualTypeOf<keyof EnrollRequest>();
expectTypeOf<keyof Out<typeof heartbeatBody>>().toEqualTypeOf<keyof HeartbeatRequest>();
expectTypeOf<keyof Out<typeof commandResultBody>>().toEqualTypeOf<keyof CommandResult>();
expectTypeOf<keyof Out<typeof commandResultBody>['targets'][number]>().toEqualTypeOf<keyof CommandResult['targets'][number]>();
expectTypeOf<keyof Out<typeof probesBody>>().toEqualTypeOf<keyof ProbeReport>();
expectTypeOf<keyof Out<typeof probesBody>['results'][number]>().toEqualTypeOf<keyof ProbeReport['results'][number]>();
expectTypeOf<keyof Out<typeof offlineActionsBody>['actions'][number]>().toEqualTypeOf<keyof OfflineActionsReport['actions'][number]>();
expectTypeOf<keyof Out<typeof readingsBody>['readings'][number]>().toEqualTypeOf<keyof ReadingsReport['readings'][number]>();

// What the API answers is what agents read.
expectTypeOf<Answer<AgentCredentialsService['enroll']>>().toExtend<EnrollResponse>();
expectTypeOf<Answer<AgentReportsService['heartbeat']>>().toExtend<HeartbeatResponse>();
expectTypeOf<Answer<AgentCommandsService['poll']>>().toExtend<AgentCommand[]>();
expectTypeOf<Omit<Answer<AgentPlanService['planFor']>, 'etag'>>().toExtend<Plan>();
expectTypeOf<Answer<AgentReportsService['readings']>>().toExtend<ReadingsAck>();

const at = '2026-01-26T23:00:00.120Z';
const kioskId = '6f1c7e2a-3b4d-4c5e-8f90-1a2b3c4d5e6f';

describe("the API's parsing agrees with the shared protocol types", () => {
  it('this file type-checks: the assertions above hold', () => {
    const file = fileURLToPath(import.meta.url);
    const root = fileURLToPath(new URL('../../../../', import.meta.url));
    const program = ts.createProgram([file], {
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ES2022,
      moduleResolution: ts.ModuleResolutionKind.Node10,
      esModuleInterop: true,
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
      // The libraries' sources, as the tests resolve them, not a build that may be stale.
      baseUrl: root,
      paths: {
        '@wakeward/agent-protocol': ['libs/agent-protocol/src/index.ts'],
        '@wakeward/scheduler': ['libs/scheduler/src/index.ts'],
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

  it('sample messages of the shared types pass the schemas whole', () => {
    const messages: [z.ZodType, unknown][] = [
      [enrollBody, { code: 'ABCD-1234', name: 'pi-3', hostname: 'pi-3.local', version: '1.2.0', subnets: ['10.1.2.0/24'] } satisfies EnrollRequest],
      [heartbeatBody, { version: '1.2.0', uptimeS: 1234, time: at, buffered: 0, dropped: 2 } satisfies HeartbeatRequest],
      [commandResultBody, { status: 'failed', startedAt: at, finishedAt: at, targets: [{ kioskId, ok: false, error: 'no ARP reply' }] } satisfies CommandResult],
      [probesBody, { observedAt: at, results: [{ kioskId, up: true, method: 'tcp:5900', latencyMs: 3 }] } satisfies ProbeReport],
      [offlineActionsBody, { actions: [{ at, type: 'wake', kioskIds: [kioskId], executedAt: at }] } satisfies OfflineActionsReport],
      [readingsBody, { readings: [{ seq: 1042, at, temperatureC: 24.1, humidityPct: 41, smokeRaw: 312, smokeAlarm: false }, { seq: 1043, at }] } satisfies ReadingsReport],
    ];
    for (const [schema, message] of messages) {
      const parsed = schema.safeParse(message);
      expect(parsed.error?.issues ?? [], JSON.stringify(message)).toEqual([]);
    }
  });
});
