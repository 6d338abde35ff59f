import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ApiHealth } from '../api-health';
import { PlanCache } from '../buffer/plan-cache';
import { AgentConfigSchema } from '../config';
import type { KioskTarget, OfflineAction, Plan } from '../protocol';
import { memoryLogger } from '../testing/silent-log';
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
  });
  return { offline, executed, actions, health, stateDir };
}

describe('OfflinePlan', () => {
  it('executes a due item once the API has been unreachable for 60 s, and records it', async () => {
    const { offline, executed, actions } = setup({ lastAnswerAt: AT - 120_000, failingSince: AT - 100_000 });
    await offline.tick(AT - 1); // not due yet
    expect(executed).toEqual([]);
    await offline.tick(AT + 10);
    expect(executed).toEqual([{ type: 'wake', kioskIds: ['K1', 'K2'] }]);
    expect(actions).toEqual([
      { at: new Date(AT).toISOString(), type: 'wake', kioskIds: ['K1'], executedAt: expect.any(String) },
    ]);
    await offline.tick(AT + 20_000);
    expect(executed).toHaveLength(1);
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
