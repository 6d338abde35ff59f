import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrolAgent } from '../../testing/agent-kit';
import { kioskBody, seedTwoHospitals } from '../../testing/fixtures';
import { startTestApi, TestApi } from '../../testing/test-app';

describe('kiosk liveness history', () => {
  let api: TestApi;
  let ids: Awaited<ReturnType<typeof seedTwoHospitals>>;

  beforeAll(async () => {
    api = await startTestApi();
    ids = await seedTwoHospitals(api.db);
  });
  afterAll(() => api?.close());

  it('records each change of the observed state once, newest first; hospital-scoped', async () => {
    const ops = await api.login('ops');
    const kiosk = (await ops.post('/api/kiosks', kioskBody(ids.siteA, 1))).body.id;
    const [pi1, pi2] = [await enrolAgent(ops, ids.siteA, 'pi-1'), await enrolAgent(ops, ids.siteA, 'pi-2')];
    const probe = (agent: typeof pi1, up: boolean, secondsAgo: number) =>
      agent.client.post('/probes', { observedAt: new Date(Date.now() - secondsAgo * 1000).toISOString(), results: [{ kioskId: kiosk, up, method: 'tcp:5900', latencyMs: 2 }] });

    await probe(pi1, true, 30); // unknown -> up
    await probe(pi2, true, 29); // still up: no change
    await probe(pi1, false, 20); // pi-2 still sees it up: no change
    await probe(pi2, false, 10); // now down
    const res = await (await api.login('staff-a')).get(`/api/kiosks/${kiosk}/liveness-history`);
    expect(res.status).toBe(200);
    expect(res.body.changes.map((c: { observed: string }) => c.observed)).toEqual(['down', 'up']);
    expect((await (await api.login('staff-b')).get(`/api/kiosks/${kiosk}/liveness-history`)).status).toBe(404);
    expect((await ops.get(`/api/kiosks/${kiosk}/liveness-history?limit=0`)).body.error.field).toBe('limit');
  });
});
