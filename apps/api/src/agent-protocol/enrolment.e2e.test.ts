import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import { createApiApp } from '../app';
import { AgentsRepository, type HeartbeatRecord } from '../agents/agents.repository';
import { createLogger } from '../common/logger';
import { HeartbeatRecorder } from '../agents/heartbeat-recorder';
import { seedTwoHospitals } from '../../testing/fixtures';
import { Client, startTestApi, TestApi } from '../../testing/test-app';
import { until } from '../../testing/wait';
import { AgentClient, enrolAgent, enrolmentCode } from '../../testing/agent-kit';

describe('agent enrolment, tokens and heartbeat', () => {
  let api: TestApi;
  let ids: Awaited<ReturnType<typeof seedTwoHospitals>>;
  let ops: Client;
  const enroll = (body: Record<string, unknown>) => api.anonymous().post('/api/agent/v1/enroll', body);
  const agentCount = async () => Number((await api.db.query('SELECT COUNT(*) AS n FROM agents'))[0].n);
  const enrolBody = (code: string, name = 'pi-1') => ({ code, name, hostname: 'pi-1.local', version: '1.2.0', subnets: ['10.1.2.0/24'] });

  beforeAll(async () => {
    api = await startTestApi();
    ids = await seedTwoHospitals(api.db);
    ops = await api.login('ops');
  });
  afterAll(() => api?.close());

  it('ops create a code shown once and stored hashed; an agent enrols with it and gets a token stored hashed', async () => {
    const res = await ops.post(`/api/sites/${ids.siteA}/enrolment-codes`);
    expect(res.status).toBe(201);
    expect(res.body.code).toMatch(/^[A-Z0-9]{4}(-[A-Z0-9]{4}){3}$/);
    const ttl = Date.parse(res.body.expiresAt) - Date.now();
    expect(ttl).toBeGreaterThan(23.9 * 3_600_000);
    expect(ttl).toBeLessThanOrEqual(24 * 3_600_000);
    expect(res.body.installCommand).toContain(`--code ${res.body.code}`);
    expect(res.body.installCommand).toContain(api.url);
    const stored = JSON.stringify(await api.db.query('SELECT * FROM enrolment_codes'));
    expect(stored).not.toContain(res.body.code);
    expect(stored).not.toContain(res.body.code.replace(/-/g, ''));

    const enrolled = await enroll(enrolBody(res.body.code.toLowerCase()));
    expect(enrolled.status).toBe(201);
    expect(enrolled.body).toEqual({ agentId: expect.any(String), token: expect.any(String) });
    const [row] = await api.db.query('SELECT * FROM agents WHERE id = ?', [enrolled.body.agentId]);
    expect(row).toMatchObject({ site_id: ids.siteA, name: 'pi-1', hostname: 'pi-1.local', version: '1.2.0', token_revoked_at: null });
    expect(row.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(enrolled.body.token);

    const agent = new AgentClient(api.url, enrolled.body.token);
    expect((await agent.get('/plan')).status).toBe(200);
    const audit = await api.db.query(`SELECT action, entity_type, actor_name FROM audit_entries WHERE entity_type IN ('enrolment_code', 'agent') ORDER BY id`);
    expect(audit).toEqual([
      { action: 'create', entity_type: 'enrolment_code', actor_name: 'ops' },
      { action: 'create', entity_type: 'agent', actor_name: 'agent:pi-1' },
    ]);
  });

  it('a replayed code is 409, an unknown one 401, an expired one 401; each stores nothing', async () => {
    const code = await enrolmentCode(ops, ids.siteA);
    expect((await enroll(enrolBody(code, 'pi-2'))).status).toBe(201);
    const before = await agentCount();
    const auditBefore = Number((await api.db.query('SELECT COUNT(*) AS n FROM audit_entries'))[0].n);

    const replay = await enroll(enrolBody(code, 'pi-3'));
    expect(replay.status).toBe(409);
    expect(replay.body.error.code).toBe('ENROLMENT_CODE_USED');

    const unknown = await enroll(enrolBody('AAAA-BBBB-CCCC-DDDD', 'pi-3'));
    expect(unknown.status).toBe(401);
    expect(unknown.body.error.code).toBe('ENROLMENT_CODE_INVALID');

    const old = await enrolmentCode(ops, ids.siteA);
    await api.db.query('UPDATE enrolment_codes SET expires_at = ? WHERE used_at IS NULL', [new Date(Date.now() - 1000)]);
    const expired = await enroll(enrolBody(old, 'pi-3'));
    expect(expired.status).toBe(401);
    expect(expired.body.error.code).toBe('ENROLMENT_CODE_EXPIRED');

    expect(await agentCount()).toBe(before);
    expect(Number((await api.db.query('SELECT COUNT(*) AS n FROM audit_entries'))[0].n)).toBe(auditBefore + 1); // the code made for the expiry case
  });

  it('bad enrolment input is a 400 naming the field', async () => {
    const code = await enrolmentCode(ops, ids.siteA);
    const res = await enroll({ ...enrolBody(code), subnets: ['10.1.2.0/33'] });
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe('subnets.0');
    expect((await enroll(enrolBody(code, 'pi-9'))).status).toBe(201); // the code was not used up
  });

  it('re-enrolling the same name at the site keeps the agent and replaces its token', async () => {
    const first = await enrolAgent(ops, ids.siteA, 'pi-re');
    const second = await enrolAgent(ops, ids.siteA, 'pi-re');
    expect(second.agentId).toBe(first.agentId);
    expect((await first.client.get('/plan')).status).toBe(401);
    expect((await second.client.get('/plan')).status).toBe(200);
  });

  it('revoke stops the token at once; rotate returns a new one once and stops the old one; both audited; ops/admin only', async () => {
    const { agentId, client } = await enrolAgent(ops, ids.siteA, 'pi-rot');
    const staff = await api.login('staff-a');
    expect((await staff.post(`/api/agents/${agentId}/revoke`)).status).toBe(403);
    expect((await staff.post(`/api/agents/${agentId}/rotate-token`)).status).toBe(403);

    const rotated = await ops.post(`/api/agents/${agentId}/rotate-token`);
    expect(rotated.status).toBe(200);
    expect(rotated.body).toEqual({ agentId, token: expect.any(String) });
    const old = await client.get('/plan');
    expect(old.status).toBe(401);
    expect(old.body.error.code).toBe('AGENT_TOKEN_INVALID');
    const fresh = new AgentClient(api.url, rotated.body.token);
    expect((await fresh.get('/plan')).status).toBe(200);

    const revoked = await ops.post(`/api/agents/${agentId}/revoke`);
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ id: agentId, enrolled: false });
    expect(revoked.body.tokenHash).toBeUndefined();
    const after = await fresh.post('/heartbeat', { version: '1.2.0', uptimeS: 1, time: new Date().toISOString(), buffered: 0 });
    expect(after.status).toBe(401);
    expect(after.body).toEqual({ error: { code: 'AGENT_TOKEN_INVALID', message: expect.any(String) } });

    const audit = await api.db.query(`SELECT action, actor_name FROM audit_entries WHERE entity_type = 'agent_token' AND entity_id = ? ORDER BY id`, [agentId]);
    expect(audit).toEqual([
      { action: 'update', actor_name: 'ops' },
      { action: 'update', actor_name: 'ops' },
    ]);
    expect((await ops.post(`/api/agents/00000000-0000-4000-8000-000000000000/revoke`)).status).toBe(404);
  });

  it('no token, a malformed header or an unknown token is 401 AGENT_TOKEN_INVALID', async () => {
    for (const headers of [{}, { authorization: 'Basic abc' }, { authorization: 'Bearer wka_nope' }] as Record<string, string>[]) {
      const res = await fetch(`${api.url}/api/agent/v1/commands?wait=0`, { headers });
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('AGENT_TOKEN_INVALID');
    }
  });

  it('heartbeat stores version, uptime, buffered count and clock skew, answers server time and config, and makes the agent online', async () => {
    const { agentId, client } = await enrolAgent(ops, ids.siteA, 'pi-hb');
    expect((await ops.get(`/api/agents/${agentId}`)).body.online).toBe(false);
    const agentTime = new Date(Date.now() + 1500); // the Pi's clock runs 1.5 s fast
    const res = await client.post('/heartbeat', { version: '1.3.0', uptimeS: 1234, time: agentTime.toISOString(), buffered: 7, dropped: 0, futureField: 'ignored' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ serverTime: expect.any(String), config: { probeIntervalS: 30, readingIntervalS: 60, probePorts: [5900] } });
    expect(Math.abs(Date.parse(res.body.serverTime) - Date.now())).toBeLessThan(1000);
    const [row] = await api.db.query('SELECT version, uptime_s, buffered_count, clock_skew_ms, last_heartbeat_at FROM agents WHERE id = ?', [agentId]);
    expect(row).toMatchObject({ version: '1.3.0', uptime_s: 1234, buffered_count: 7 });
    expect(row.clock_skew_ms).toBeGreaterThan(1300);
    expect(row.clock_skew_ms).toBeLessThanOrEqual(1500);
    const console = await ops.get(`/api/agents/${agentId}`);
    expect(console.body).toMatchObject({ online: true, enrolled: true, version: '1.3.0', clockSkewMs: row.clock_skew_ms, uptimeS: 1234, bufferedCount: 7 });

    const bad = await client.post('/heartbeat', { version: '1.3.0', uptimeS: 5, time: 'yesterday', buffered: 0 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('time');
  });

  it('a token is looked up once per AGENT_AUTH_CACHE_S, and revoking, rotating, editing or deleting the agent in one API process takes effect in another at once', async () => {
    // A second API process on the same MySQL and Redis, as behind a load balancer.
    const second = await createApiApp(api.config, createLogger('silent'));
    await second.listen(0, '127.0.0.1');
    try {
      const secondUrl = `http://127.0.0.1:${(second.getHttpServer().address() as AddressInfo).port}`;
      const repository = second.get(AgentsRepository);
      let lookups = 0;
      const lookUp = repository.getByActiveTokenHash.bind(repository);
      repository.getByActiveTokenHash = (hash: string) => {
        lookups++;
        return lookUp(hash);
      };
      const { agentId, token } = await enrolAgent(ops, ids.siteA, 'pi-cached');
      const there = new AgentClient(secondUrl, token);
      const beat = (client: AgentClient) => client.post('/heartbeat', { version: '1.3.0', uptimeS: 1, time: new Date().toISOString(), buffered: 0 });
      for (let i = 0; i < 3; i++) expect((await beat(there)).status).toBe(200);
      expect(lookups).toBe(1);

      // A change is answered after Redis has passed it to every process: no waiting here.
      expect((await ops.post(`/api/agents/${agentId}/revoke`)).status).toBe(200);
      expect((await beat(there)).status).toBe(401);

      const rotated = await ops.post(`/api/agents/${agentId}/rotate-token`);
      expect((await beat(there)).status).toBe(401);
      const renewed = new AgentClient(secondUrl, rotated.body.token);
      expect((await beat(renewed)).status).toBe(200);
      const before = lookups;
      expect((await beat(renewed)).status).toBe(200);
      expect(lookups).toBe(before);

      expect((await ops.patch(`/api/agents/${agentId}`, { subnets: ['10.9.9.0/24'] })).status).toBe(200);
      expect((await beat(renewed)).status).toBe(200);
      expect(lookups).toBe(before + 1);

      expect((await ops.delete(`/api/agents/${agentId}`)).status).toBe(204);
      expect((await beat(renewed)).status).toBe(401);
    } finally {
      await second.close();
    }
  });

  it('heartbeats that arrive while one is being written are stored together in the next write, each with its own values, and answered only once stored', async () => {
    const agents = await Promise.all(Array.from({ length: 12 }, (_, i) => enrolAgent(ops, ids.siteB, `pi-beat-${i}`)));
    const repository = api.app.get(AgentsRepository);
    const recorder = api.app.get(HeartbeatRecorder);
    const writes: string[][] = [];
    const write = repository.recordHeartbeats.bind(repository);
    repository.recordHeartbeats = (beats: HeartbeatRecord[]) => {
      writes.push(beats.map((b) => b.agentId));
      return write(beats);
    };
    const beat = (i: number) => agents[i]!.client.post('/heartbeat', { version: `2.0.${i}`, uptimeS: 100 + i, time: new Date().toISOString(), buffered: i });
    // The first agent's row is locked, so the first write waits, as behind a busy database.
    const locker = api.db.createQueryRunner();
    await locker.connect();
    try {
      await locker.startTransaction();
      await locker.query('SELECT id FROM agents WHERE id = ? FOR UPDATE', [agents[0]!.agentId]);
      const first = beat(0);
      await until(async () => writes.length === 1);
      const others = Promise.all(agents.slice(1).map((_, k) => beat(k + 1)));
      await until(async () => recorder.queuedAgents === 11);
      const settled = await Promise.race([first.then(() => 'answered'), new Promise((r) => setTimeout(() => r('waiting'), 300))]);
      expect(settled).toBe('waiting');
      await locker.commitTransaction();
      expect((await first).status).toBe(200);
      expect((await others).map((r) => r.status)).toEqual(Array(11).fill(200));
    } finally {
      if (locker.isTransactionActive) await locker.rollbackTransaction();
      await locker.release();
      repository.recordHeartbeats = write;
    }
    // In the order the heartbeats arrived, which concurrent requests do not fix.
    expect(writes.map((batch) => [...batch].sort())).toEqual([[agents[0]!.agentId], agents.slice(1).map((a) => a.agentId).sort()]);
    const rows = await api.db.query(`SELECT id, version, uptime_s, buffered_count, last_heartbeat_at FROM agents WHERE name LIKE 'pi-beat-%'`);
    for (const [i, a] of agents.entries()) {
      const row = rows.find((r: { id: string }) => r.id === a.agentId);
      expect(row).toMatchObject({ version: `2.0.${i}`, uptime_s: 100 + i, buffered_count: i });
      expect(Math.abs(new Date(row.last_heartbeat_at).getTime() - Date.now())).toBeLessThan(10_000);
    }
  });
});
