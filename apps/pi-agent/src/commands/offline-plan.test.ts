import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ApiHealth } from '../api-health';
import { PlanCache } from '../buffer/plan-cache';
import { AgentConfigSchema } from '../config';
import type { KioskTarget, OfflineAction, Plan } from '../protocol';
import { memoryLogger } from '../../testing/silent-log';
import { OfflinePlan } from './offline-plan';

const planConfig = AgentConfigSchema.parse({ apiUrl: 'http://127.0.0.1:1' }).plan;
// Near the real clock: the plan remembers commands for a few days counted from now.
const AT = Math.floor(Date.now() / 60_000) * 60_000 + 3_600_000;

function setup(
  options: { items?: Plan['items']; lastAnswerAt?: number; failingSince?: number; stateDir?: string } = {},
) {
  const stateDir = options.stateDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'wakeward-plan-'));
  const cache = new PlanCache(stateDir);
  cache.save(
    {
      generatedAt: new Date(AT - 3600_000).toISOString(),
      items: options.items ?? [
        {
          at: new Date(AT).toISOString(),
          type: 'wake',
          targets: [
            { kioskId: 'K1', mac: '00:1a:2b:3c:4d:5e' },
            { kioskId: 'K2', mac: '00:1a:2b:3c:4d:5f' },
          ],
        },
        { at: new Date(AT + 3600_000).toISOString(), type: 'shutdown', targets: [{ kioskId: 'K1' }] },
      ],
    },
    '"etag-1"',
  );
  const health = new ApiHealth(AT - 3600_000);
  if (options.lastAnswerAt !== undefined) health.record(true, options.lastAnswerAt);
  health.record(false, options.failingSince ?? AT - 90_000);
  const executed: Array<{ type: string; kioskIds: string[] }> = [];
  const actions: OfflineAction[] = [];
  // A virtual clock: waiting for an instant moves it there at once.
  const clock = { now: AT - 3600_000, waits: [] as number[], onWait: (_ms: number) => {} };
  const offline = new OfflinePlan({
    cache: new PlanCache(stateDir), // a fresh instance reads what was saved: the cache is on disk
    health,
    config: planConfig,
    execute: async (type, targets: KioskTarget[]) => {
      executed.push({ type, kioskIds: targets.map((t) => t.kioskId) });
      return targets.map((t) => ({
        kioskId: t.kioskId,
        ok: t.kioskId !== 'K2',
        error: t.kioskId === 'K2' ? 'boom' : null,
      }));
    },
    record: (a) => actions.push(a),
    log: memoryLogger(),
    stateDir,
    clock: () => clock.now,
    waitUntil: async (ms) => {
      clock.waits.push(ms);
      clock.now = Math.max(clock.now, ms);
      clock.onWait(ms);
    },
  });
  return { offline, executed, actions, health, stateDir, clock };
}

describe('OfflinePlan', () => {
  it('executes a due item once the API has been unreachable for 60 s, and records it', async () => {
    const { offline, executed, actions } = setup({ lastAnswerAt: AT - 120_000, failingSince: AT - 100_000 });
    await offline.tick(AT - 5_000); // not due yet, nor before the next tick
    expect(executed).toEqual([]);
    await offline.tick(AT + 10);
    expect(executed).toEqual([{ type: 'wake', kioskIds: ['K1', 'K2'] }]);
    expect(actions).toEqual([
      { at: new Date(AT).toISOString(), type: 'wake', kioskIds: ['K1'], executedAt: expect.any(String) },
    ]);
    await offline.tick(AT + 20_000);
    expect(executed).toHaveLength(1);
  });

  it('runs an item due before the next tick at its instant, not at the next tick', async () => {
    const { offline, executed, actions, clock } = setup({ lastAnswerAt: AT - 120_000, failingSince: AT - 100_000 });
    await offline.tick(AT - 800);
    expect(clock.waits).toEqual([AT]);
    expect(executed).toEqual([{ type: 'wake', kioskIds: ['K1', 'K2'] }]);
    expect(actions).toEqual([
      { at: new Date(AT).toISOString(), type: 'wake', kioskIds: ['K1'], executedAt: new Date(AT).toISOString() },
    ]);
  });

  it('waits for no item the API can still command, and acts on none if the line is back at the instant', async () => {
    const answering = setup();
    answering.health.record(true, AT - 800);
    await answering.offline.tick(AT - 800);
    const young = setup({ lastAnswerAt: AT - 59_500, failingSince: AT - 59_000 }); // 59.5 s offline at AT
    await young.offline.tick(AT - 800);
    const covered = setup({ lastAnswerAt: AT - 120_000 });
    for (const type of ['wake', 'shutdown'] as const)
      covered.offline.noteCommand({
        id: `cmd_${type}`,
        type,
        dueAt: new Date(type === 'wake' ? AT : AT + 3600_000).toISOString(),
        expiresAt: new Date(AT + 7200_000).toISOString(),
        targets: [{ kioskId: 'K1' }, { kioskId: 'K2' }],
      });
    await covered.offline.tick(AT - 800);
    for (const s of [answering, young, covered]) {
      expect(s.clock.waits).toEqual([]);
      expect(s.executed).toEqual([]);
    }

    const back = setup({ lastAnswerAt: AT - 120_000, failingSince: AT - 100_000 });
    back.clock.onWait = (ms) => back.health.record(true, ms);
    await back.offline.tick(AT - 800);
    expect(back.clock.waits).toEqual([AT]);
    expect(back.executed).toEqual([]);
  });

  it('waits until the outage is 60 s old when the line dropped just before the item', async () => {
    const { offline, executed } = setup({ lastAnswerAt: AT - 30_000, failingSince: AT - 25_000 });
    await offline.tick(AT + 1_000);
    expect(executed).toEqual([]);
    await offline.tick(AT + 30_001);
    expect(executed).toEqual([{ type: 'wake', kioskIds: ['K1', 'K2'] }]);
  });

  it('does nothing while the API is reachable', async () => {
    const { offline, executed, health } = setup();
    health.record(true, AT);
    await offline.tick(AT + 120_000);
    expect(executed).toEqual([]);
  });

  it('leaves items to a delivered command covering them', async () => {
    const { offline, executed } = setup({ lastAnswerAt: AT - 200_000 });
    offline.noteCommand({
      id: 'cmd_1',
      type: 'wake',
      dueAt: new Date(AT).toISOString(),
      expiresAt: new Date(AT + 300_000).toISOString(),
      targets: [{ kioskId: 'K1' }],
    });
    await offline.tick(AT + 1000);
    expect(executed).toEqual([{ type: 'wake', kioskIds: ['K2'] }]);
  });

  it('skips items the API answered after (it chose not to command them) and items past grace', async () => {
    const late = setup({ lastAnswerAt: AT + 5_000, failingSince: AT + 6_000 });
    await late.offline.tick(AT + 100_000);
    expect(late.executed).toEqual([]);
    const stale = setup({ lastAnswerAt: AT - 3_000_000 });
    await stale.offline.tick(AT + planConfig.graceS * 1000 + 1);
    expect(stale.executed).toEqual([]);
  });

  it('remembers what it executed across a restart', async () => {
    const first = setup({ lastAnswerAt: AT - 200_000 });
    await first.offline.tick(AT + 1000);
    const second = setup({ stateDir: first.stateDir, lastAnswerAt: AT - 200_000 });
    await second.offline.tick(AT + 2000);
    expect(second.executed).toEqual([]);
  });
});
