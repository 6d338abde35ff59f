import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrolAgent } from '../../testing/agent-kit';
import { kioskBody, seedTwoHospitals } from '../../testing/fixtures';
import { Client, startTestApi, TestApi } from '../../testing/test-app';

/**
 * Agents cut off from the API wake and shut down kiosks from their cached plan and
 * report it afterwards (POST /api/agent/v1/offline-actions): the dispatch history
 * shows each such instant once, marked as done offline by the agents that did it.
 */
describe('offline actions in the dispatch history', () => {
  let api: TestApi;
  let ids: Awaited<ReturnType<typeof seedTwoHospitals>>;
  let ops: Client;
  const kiosks: string[] = [];
  let pi1: Awaited<ReturnType<typeof enrolAgent>>;
  let pi2: Awaited<ReturnType<typeof enrolAgent>>;
  const hour = 3_600_000;
  // Whole seconds in the past: what the agents' plan held while the line was down.
  const wakeAt = new Date(Math.floor(Date.now() / 1000) * 1000 - 3 * hour);
  const shutdownAt = new Date(wakeAt.getTime() + hour);
  const later = (at: Date, ms: number) => new Date(at.getTime() + ms).toISOString();

  beforeAll(async () => {
    api = await startTestApi();
    ids = await seedTwoHospitals(api.db);
    ops = await api.login('ops');
    for (let n = 1; n <= 3; n++) kiosks.push((await ops.post('/api/kiosks', kioskBody(ids.siteA, n, { shutdownMethod: 'http-post' }))).body.id);
    pi1 = await enrolAgent(ops, ids.siteA, 'pi-1');
    pi2 = await enrolAgent(ops, ids.siteA, 'pi-2');
    // Both agents woke the kiosks they reach at the same instant; only pi-1 shut one down.
    const reported = [
      await pi1.client.post('/offline-actions', {
        actions: [
          { at: wakeAt.toISOString(), type: 'wake', kioskIds: [kiosks[0], kiosks[1]], executedAt: later(wakeAt, 2) },
          { at: shutdownAt.toISOString(), type: 'shutdown', kioskIds: [kiosks[0]], executedAt: later(shutdownAt, 3) },
        ],
      }),
      await pi2.client.post('/offline-actions', {
        actions: [{ at: wakeAt.toISOString(), type: 'wake', kioskIds: [kiosks[0], kiosks[1], kiosks[2]], executedAt: later(wakeAt, 1) }],
      }),
      // A resend after a lost answer changes nothing.
      await pi2.client.post('/offline-actions', {
        actions: [{ at: wakeAt.toISOString(), type: 'wake', kioskIds: [kiosks[0], kiosks[1], kiosks[2]], executedAt: later(wakeAt, 1) }],
      }),
    ];
    expect(reported.map((r) => r.status)).toEqual([204, 204, 204]);
  });
  afterAll(() => api?.close());

  it("shows each instant once in the site's history, with every agent that acted", async () => {
    const res = await ops.get(`/api/sites/${ids.siteA}/dispatches`);
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([]);
    const [shutdown, wake] = res.body.offlineActions;
    expect(res.body.offlineActions).toHaveLength(2);
    expect(shutdown).toMatchObject({ at: shutdownAt.toISOString(), action: 'shutdown', kioskIds: [kiosks[0]] });
    expect(shutdown.agents.map((a: { name: string }) => a.name)).toEqual(['pi-1']);
    expect(wake).toMatchObject({ at: wakeAt.toISOString(), action: 'wake' });
    expect([...wake.kioskIds].sort()).toEqual([...kiosks].sort());
    expect(wake.kiosks.map((k: { code: string }) => k.code).sort()).toEqual(['MZ-1F-01', 'MZ-1F-02', 'MZ-1F-03']);
    expect(wake.agents).toEqual([
      expect.objectContaining({ id: pi1.agentId, name: 'pi-1', executedAt: later(wakeAt, 2) }),
      expect.objectContaining({ id: pi2.agentId, name: 'pi-2', executedAt: later(wakeAt, 1) }),
    ]);
  });

  it("a kiosk's history has the instants its kiosk was acted on, by the agents that acted on it", async () => {
    const third = await ops.get(`/api/kiosks/${kiosks[2]}/dispatches`);
    expect(third.status).toBe(200);
    expect(third.body.offlineActions).toHaveLength(1);
    expect(third.body.offlineActions[0]).toMatchObject({ action: 'wake', kioskIds: [kiosks[2]] });
    expect(third.body.offlineActions[0].agents.map((a: { name: string }) => a.name)).toEqual(['pi-2']);
    const first = await ops.get(`/api/kiosks/${kiosks[0]}/dispatches`);
    expect(first.body.offlineActions.map((o: { action: string }) => o.action)).toEqual(['shutdown', 'wake']);
  });

  it('are not in a history of people\'s commands, nor in another site\'s', async () => {
    expect((await ops.get(`/api/sites/${ids.siteA}/dispatches?source=manual`)).body.offlineActions).toEqual([]);
    expect((await ops.get(`/api/sites/${ids.siteA}/dispatches?source=schedule`)).body.offlineActions).toHaveLength(2);
    expect((await ops.get(`/api/sites/${ids.siteB}/dispatches`)).body.offlineActions).toEqual([]);
    const staffB = await api.login('staff-b');
    expect((await staffB.get(`/api/sites/${ids.siteA}/dispatches`)).status).toBe(404);
  });

  it('pages with the dispatches: each instant shows on the page whose span of time holds it', async () => {
    // Two wakes asked for now, after the offline instants.
    for (const kioskId of [kiosks[0], kiosks[1]]) expect((await ops.post('/api/power-commands', { action: 'wake', kioskIds: [kioskId] })).status).toBe(201);
    const all = await ops.get(`/api/sites/${ids.siteA}/dispatches`);
    expect(all.body.items).toHaveLength(2);
    expect(all.body.offlineActions).toHaveLength(2);
    const first = await ops.get(`/api/sites/${ids.siteA}/dispatches?pageSize=1&page=1`);
    expect(first.body.items).toHaveLength(1);
    expect(first.body.offlineActions).toEqual([]);
    const second = await ops.get(`/api/sites/${ids.siteA}/dispatches?pageSize=1&page=2`);
    expect(second.body.items).toHaveLength(1);
    expect(second.body.offlineActions.map((o: { action: string }) => o.action)).toEqual(['shutdown', 'wake']);
    expect((await ops.get(`/api/sites/${ids.siteA}/dispatches?pageSize=1&page=3`)).body.offlineActions).toEqual([]);
  });

  it('a report cannot pin entries above the history or swell it: actions dated ahead of now are left out, a kiosk named twice is kept once', async () => {
    const earlier = new Date(wakeAt.getTime() - hour);
    const ahead = new Date(Date.now() + 24 * hour);
    const res = await pi1.client.post('/offline-actions', {
      actions: [
        { at: earlier.toISOString(), type: 'wake', kioskIds: [kiosks[0], kiosks[0], kiosks[0]], executedAt: later(earlier, 1) },
        { at: ahead.toISOString(), type: 'wake', kioskIds: [kiosks[1]], executedAt: later(ahead, 1) },
        { at: earlier.toISOString(), type: 'shutdown', kioskIds: [kiosks[1]], executedAt: later(ahead, 1) },
      ],
    });
    // The agent's outbox drains: what happened is stored, the rest left out.
    expect(res.status).toBe(204);
    const stored = await api.db.query('SELECT at, type, kiosk_ids FROM agent_offline_actions WHERE agent_id = ? AND at = ?', [pi1.agentId, earlier]);
    expect(stored).toHaveLength(1);
    expect(stored[0].type).toBe('wake');
    const kioskIdsOf = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);
    expect(kioskIdsOf(stored[0].kiosk_ids)).toEqual([kiosks[0]]);
    const history = await ops.get(`/api/sites/${ids.siteA}/dispatches`);
    const instants = history.body.offlineActions.map((o: { at: string }) => o.at);
    expect(instants).not.toContain(ahead.toISOString());
    const repeated = history.body.offlineActions.find((o: { at: string }) => o.at === earlier.toISOString());
    expect(repeated).toMatchObject({ action: 'wake', kioskIds: [kiosks[0]] });
    expect(repeated.agents).toEqual([expect.objectContaining({ name: 'pi-1', kioskIds: [kiosks[0]] })]);
  });
});
