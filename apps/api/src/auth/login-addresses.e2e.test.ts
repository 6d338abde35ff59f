import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedTwoHospitals, TEST_PASSWORD } from '../../testing/fixtures';
import { Reply, startTestApi, TestApi } from '../../testing/test-app';

/** A login through a proxy (the test) that says it is for `forwardedFor`. */
function loginFrom(api: TestApi, username: string, password: string, forwardedFor?: string): Promise<Reply> {
  const headers: Record<string, string> = forwardedFor ? { 'x-forwarded-for': forwardedFor } : {};
  return api.anonymous().request('POST', '/api/auth/login', { username, password }, headers);
}

const auditOf = (api: TestApi, action: string) =>
  api.db.query(`SELECT actor_name, entity_id, ip, \`after\` FROM audit_entries WHERE action = ? ORDER BY id`, [action]);

describe('login addresses without TRUST_PROXY: the socket address, whatever X-Forwarded-For says', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({ LOGIN_RATE_LIMIT: '2' });
    await seedTwoHospitals(api.db);
  });
  afterAll(() => api?.close());

  it('a spoofed X-Forwarded-For neither escapes the per-address limit nor reaches the audit log', async () => {
    const statuses = [];
    for (let i = 0; i < 11; i++)
      statuses.push((await loginFrom(api, `guess-${i}`, 'wrong-password', `198.51.100.${i + 1}`)).status);
    expect(statuses).toEqual([...Array(10).fill(401), 429]);
    const ips = [...(await auditOf(api, 'login_failed')), ...(await auditOf(api, 'login_throttled'))].map(
      (r: { ip: string }) => r.ip,
    );
    expect(new Set(ips)).toEqual(new Set(['127.0.0.1']));
  });
});

describe('login addresses with TRUST_PROXY=1: the address the one proxy in front saw', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({ TRUST_PROXY: '1' });
    await seedTwoHospitals(api.db);
  });
  afterAll(() => api?.close());

  it("takes the proxy's last X-Forwarded-For entry, not what the client put before it", async () => {
    expect((await loginFrom(api, 'admin', 'wrong-password', '203.0.113.7')).status).toBe(401);
    expect((await loginFrom(api, 'ops', 'wrong-password', '192.0.2.1, 203.0.113.8')).status).toBe(401);
    expect((await loginFrom(api, 'viewer', TEST_PASSWORD, '203.0.113.9')).status).toBe(200);
    const failed = await auditOf(api, 'login_failed');
    expect(failed.map((r: { actor_name: string; ip: string }) => [r.actor_name, r.ip])).toEqual([
      ['admin', '203.0.113.7'],
      ['ops', '203.0.113.8'],
    ]);
    expect((await auditOf(api, 'login')).map((r: { ip: string }) => r.ip)).toEqual(['203.0.113.9']);
  });
});
