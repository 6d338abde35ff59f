import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentClient, enrolAgent } from '../../testing/agent-kit';
import { seedTwoHospitals } from '../../testing/fixtures';
import { Client, startTestApi, TestApi } from '../../testing/test-app';

/**
 * The agents page's reasons (online; offline since; token revoked by whom; token
 * refused, re-enrol) and re-enrolment in place, through the real endpoints.
 */
describe('agents: why offline, and re-enrolment in place', () => {
  let api: TestApi;
  let ids: Awaited<ReturnType<typeof seedTwoHospitals>>;
  let ops: Client;

  const beat = (client: AgentClient) =>
    client.post('/heartbeat', { version: '1.2.0', uptimeS: 5, time: new Date().toISOString(), buffered: 0 });
  const connection = async (agentId: string) => (await ops.get(`/api/agents/${agentId}`)).body.connection;
  /** The agent's last heartbeat moved back past the offline limit (90 s). */
  const silence = (agentId: string, ms = 10 * 60_000) =>
    api.db.query('UPDATE agents SET last_heartbeat_at = ? WHERE id = ?', [new Date(Date.now() - ms), agentId]);
  const enrol = async (code: string, name: string) => {
    const res = await fetch(`${api.url}/api/agent/v1/enroll`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code, name, hostname: `${name}.local`, version: '1.3.0', subnets: [] }),
    });
    return {
      status: res.status,
      body: (await res.json()) as { agentId: string; token: string; error?: { code: string } },
    };
  };

  beforeAll(async () => {
    // No auth cache: each request looks its token up (the refusal is recorded there).
    api = await startTestApi({ AGENT_AUTH_CACHE_S: '0' });
    ids = await seedTwoHospitals(api.db);
    ops = await api.login('ops');
  });
  afterAll(() => api?.close());

  it('online, then offline with the time of its last heartbeat; never enrolled says so', async () => {
    const a = await enrolAgent(ops, ids.siteA, 'pi-quiet');
    expect(await connection(a.agentId)).toEqual({ state: 'offline', lastHeartbeatAt: null });
    await beat(a.client);
    expect((await connection(a.agentId)).state).toBe('online');
    await silence(a.agentId);
    const offline = await connection(a.agentId);
    expect(offline.state).toBe('offline');
    expect(Date.now() - Date.parse(offline.lastHeartbeatAt)).toBeGreaterThan(9 * 60_000);
    const registered = await ops.post('/api/agents', { siteId: ids.siteA, name: 'pi-registered' });
    expect(await connection(registered.body.id)).toEqual({ state: 'not_enrolled' });
    // The list carries the same.
    const list = await ops.get(`/api/agents?siteId=${ids.siteA}`);
    expect(list.body.items.find((x: { id: string }) => x.id === a.agentId).connection.state).toBe('offline');
    expect(JSON.stringify(list.body)).not.toMatch(/tokenHash|previousTokenHash/);
  });

  it('a revoked token: when and by whom, and how often the Pi still tried it', async () => {
    const a = await enrolAgent(ops, ids.siteA, 'pi-revoked');
    await beat(a.client);
    expect((await ops.post(`/api/agents/${a.agentId}/revoke`)).status).toBe(200);
    expect((await beat(a.client)).status).toBe(401);
    expect((await a.client.get('/commands?wait=0')).status).toBe(401);
    const c = await connection(a.agentId);
    expect(c).toMatchObject({ state: 'revoked', by: 'ops', refusals: 2 });
    expect(Date.parse(c.at)).toBeLessThanOrEqual(Date.now());
  });

  it("a token replaced by a rotation and still sent by the Pi: refused N times since, re-enrol; a stranger's token counts for nobody", async () => {
    const a = await enrolAgent(ops, ids.siteA, 'pi-rotated');
    await beat(a.client);
    const rotated = await ops.post(`/api/agents/${a.agentId}/rotate-token`);
    expect(rotated.status).toBe(200);
    await silence(a.agentId);
    for (let i = 0; i < 3; i++) expect((await beat(a.client)).status).toBe(401);
    const c = await connection(a.agentId);
    expect(c).toMatchObject({ state: 'refused', refusals: 3 });
    expect(Date.parse(c.since)).toBeLessThanOrEqual(Date.parse(c.lastRefusedAt));
    expect((await new AgentClient(api.url, 'wka_not-a-token-anyone-had').post('/heartbeat', {})).status).toBe(401);
    expect((await connection(a.agentId)).refusals).toBe(3);
    // The new token works and the agent is online again: the refusals no longer explain anything.
    await beat(new AgentClient(api.url, rotated.body.token));
    expect((await connection(a.agentId)).state).toBe('online');
  });

  it('re-enrolment in place: a code bound to the agent gives it (same id, site, name, subnets) a new token when the Pi enrols; the old token works until then', async () => {
    const a = await enrolAgent(ops, ids.siteA, 'pi-replaced', ['10.1.2.0/24']);
    await beat(a.client);
    expect((await (await api.login('staff-a')).post(`/api/agents/${a.agentId}/enrolment-code`)).status).toBe(403);
    expect((await (await api.login('viewer')).post(`/api/agents/${a.agentId}/enrolment-code`)).status).toBe(403);

    const code = await ops.post(`/api/agents/${a.agentId}/enrolment-code`);
    expect(code.status).toBe(201);
    expect(code.body).toMatchObject({
      agentId: a.agentId,
      siteId: ids.siteA,
      installCommand: expect.stringContaining(code.body.code),
    });
    const audit = await api.db.query(
      `SELECT \`after\` FROM audit_entries WHERE entity_type = 'enrolment_code' AND entity_id = ?`,
      [code.body.id],
    );
    const after = typeof audit[0].after === 'string' ? JSON.parse(audit[0].after) : audit[0].after;
    expect(after).toMatchObject({ forAgentId: a.agentId, siteId: ids.siteA });
    // Making the code cuts nobody off.
    expect((await beat(a.client)).status).toBe(200);

    // The reinstalled Pi enrols under another name: it is still the same agent.
    const enrolled = await enrol(code.body.code, 'pi-new-sd-card');
    expect(enrolled.status).toBe(201);
    expect(enrolled.body.agentId).toBe(a.agentId);
    const agent = (await ops.get(`/api/agents/${a.agentId}`)).body;
    expect(agent).toMatchObject({
      id: a.agentId,
      siteId: ids.siteA,
      name: 'pi-replaced',
      subnets: ['10.1.2.0/24'],
      version: '1.3.0',
      enrolled: true,
    });
    expect(
      (await ops.get(`/api/agents?siteId=${ids.siteA}`)).body.items.filter(
        (x: { name: string }) => x.name === 'pi-new-sd-card',
      ),
    ).toEqual([]);
    // From now on only the new token works; the old one is counted as refused.
    expect((await beat(a.client)).status).toBe(401);
    expect((await beat(new AgentClient(api.url, enrolled.body.token))).status).toBe(200);
    // Single use.
    expect((await enrol(code.body.code, 'pi-again')).body.error?.code).toBe('ENROLMENT_CODE_USED');
  });

  it('a re-enrolment code for an agent deleted since enrols nothing', async () => {
    const a = await enrolAgent(ops, ids.siteA, 'pi-gone');
    const code = await ops.post(`/api/agents/${a.agentId}/enrolment-code`);
    expect((await ops.delete(`/api/agents/${a.agentId}`)).status).toBe(204);
    const res = await enrol(code.body.code, 'pi-gone');
    expect(res.status).toBe(401);
    expect(res.body.error?.code).toBe('ENROLMENT_CODE_INVALID');
    expect(
      (await ops.get(`/api/agents?siteId=${ids.siteA}`)).body.items.some((x: { name: string }) => x.name === 'pi-gone'),
    ).toBe(false);
  });
});
