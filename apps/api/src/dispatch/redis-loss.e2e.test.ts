import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentClient, enrolAgent } from '../../testing/agent-kit';
import { kioskBody, seedTwoHospitals } from '../../testing/fixtures';
import { deleteKeys, startTestApi, TestApi } from '../../testing/test-app';
import { until } from '../../testing/wait';

/**
 * MySQL is the source of truth: if Redis loses everything (here: every key of the
 * test's prefix, as FLUSHALL would) before a wake was delivered, the repair pass
 * plans it again and it still goes out, once per kiosk.
 */
describe('a Redis that lost everything heals on its own', () => {
  let api: TestApi;
  let ids: Awaited<ReturnType<typeof seedTwoHospitals>>;
  const kioskIds: string[] = [];
  let agent: { agentId: string; client: AgentClient };

  beforeAll(async () => {
    api = await startTestApi({ ROLE: 'all', DISPATCH_LEAD_S: '10', REPAIR_INTERVAL_S: '3', VERIFY_AFTER_S: '300' });
    ids = await seedTwoHospitals(api.db);
    const ops = await api.login('ops');
    for (let n = 1; n <= 3; n++) kioskIds.push((await ops.post('/api/kiosks', kioskBody(ids.siteA, n))).body.id);
    agent = await enrolAgent(ops, ids.siteA, 'pi-1');
  });
  afterAll(() => api?.close());

  it('the wake still goes out with its dueAt, and exactly one dispatch row exists per kiosk', async () => {
    const heartbeat = () => agent.client.post('/heartbeat', { version: '1.2.0', uptimeS: 1, time: new Date().toISOString(), buffered: 0 });
    await heartbeat();
    const instant = DateTime.now().setZone('Asia/Shanghai').plus({ seconds: 40 }).startOf('minute').plus({ minutes: 1 });
    const ops = await api.login('ops');
    await ops.post('/api/rules', {
      hospitalId: ids.hospitalA,
      name: 'Wake soon',
      scope: { kind: 'site', siteId: ids.siteA },
      layer: 'override',
      windows: [{ start: instant.toFormat('HH:mm'), end: instant.plus({ minutes: 30 }).hasSame(instant, 'day') ? instant.plus({ minutes: 30 }).toFormat('HH:mm') : '24:00' }],
    });
    // Planned...
    await until(async () => (await api.redis.keys(`${api.config.redis.prefix}bull:dispatch:t_*`)).length > 0, 10_000);
    // ...then everything in Redis is lost, well before delivery (T - 10 s).
    await sleepUntil(instant.toMillis() - 25_000);
    await deleteKeys(api.redis, api.config.redis.prefix);
    // Gone: the jobs and the planner's bookkeeping. (The live worker may already have
    // written its own housekeeping keys again, such as `stalled-check` and `meta`.)
    const left = await api.redis.keys(`${api.config.redis.prefix}*`);
    expect(left.filter((k) => /bull:dispatch:[tv]_|dispatch-plan:|dispatch-instant:/.test(k))).toEqual([]);

    // The agent long-polls as usual; the command arrives ahead of the instant.
    let command: { type: string; dueAt: string; targets: { kioskId: string }[] } | undefined;
    let receivedAt = 0;
    while (!command && Date.now() < instant.toMillis() + 15_000) {
      await heartbeat();
      const res = await agent.client.get('/commands?wait=2');
      command = res.body.commands?.find((c: { type: string }) => c.type === 'wake');
      receivedAt = Date.now();
    }
    expect(command, 'the wake was re-planned and delivered').toBeDefined();
    expect(command!.dueAt).toBe(new Date(instant.toMillis()).toISOString());
    // Lost 25 s ahead, re-planned within the 3 s repair period: still delivered before the instant.
    expect(receivedAt).toBeLessThan(instant.toMillis());
    expect(command!.targets.map((t) => t.kioskId).sort()).toEqual([...kioskIds].sort());

    const rows = await api.db.query(`SELECT kiosk_id, COUNT(*) AS n FROM dispatches WHERE action = 'wake' GROUP BY kiosk_id`);
    expect(rows.map((r: { n: number }) => Number(r.n))).toEqual([1, 1, 1]);
  }, 150_000);
});

const sleepUntil = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms - Date.now())));
