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

describe('login limits (3 failures per account, 15 per address; the tests are the proxy on loopback)', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({ LOGIN_RATE_LIMIT: '3', TRUST_PROXY: '127.0.0.1' });
    await seedTwoHospitals(api.db);
  });
  afterAll(() => api?.close());

  it('while an account is locked, every spelling the database takes for it is locked too, and a refusal is audited', async () => {
    for (let i = 0; i < 3; i++) expect((await loginFrom(api, 'viewer', 'wrong-password', '10.0.0.1')).status).toBe(401);
    // The right password, spelt as MySQL's collation matches it: from the same address and from a new one.
    for (const from of ['10.0.0.1', '10.0.0.2']) {
      for (const spelling of ['viewer', 'viewer ', 'víewer', 'ｖｉｅｗｅｒ', 'VIEWER']) {
        const res = await loginFrom(api, spelling, TEST_PASSWORD, from);
        expect([from, spelling, res.status]).toEqual([from, spelling, 429]);
        expect(res.body.error.code).toBe('RATE_LIMITED');
        const retryAfter = Number(res.headers.get('retry-after'));
        expect(retryAfter).toBeGreaterThan(0);
        expect(retryAfter).toBeLessThanOrEqual(300);
      }
    }
    // Nor do more spaces buy fresh tries.
    expect((await loginFrom(api, 'viewer  ', 'wrong-password', '10.0.0.1')).status).toBe(429);

    const throttled = await auditOf(api, 'login_throttled');
    expect(throttled.length).toBeGreaterThanOrEqual(11);
    expect(throttled).toContainEqual(
      expect.objectContaining({ actor_name: 'viewer ', ip: '10.0.0.1', entity_id: null }),
    );
    expect(throttled).toContainEqual(expect.objectContaining({ actor_name: 'ｖｉｅｗｅｒ', ip: '10.0.0.2' }));
    const after = (row: { after: unknown }) => (typeof row.after === 'string' ? JSON.parse(row.after) : row.after);
    expect(after(throttled[0])).toMatchObject({
      locked: ['account-address', 'account'],
      retryAfterS: expect.any(Number),
    });
    expect(after(throttled.find((r: { ip: string }) => r.ip === '10.0.0.2'))).toMatchObject({ locked: ['account'] });
    // The limiter's keys live under the configured Redis prefix.
    expect(await api.redis.keys(`${api.config.redis.prefix}login-*`)).not.toEqual([]);
  });

  it('successful logins do not count: 60 from one address all succeed', async () => {
    const statuses = [];
    for (let i = 0; i < 60; i++) statuses.push((await loginFrom(api, 'ops', TEST_PASSWORD, '10.0.1.1')).status);
    expect(statuses).toEqual(Array(60).fill(200));
  }, 180_000);

  it('failures from an address lock it only for accounts that have not signed in from there', async () => {
    // A colleague behind the same hospital NAT signed in earlier.
    expect((await loginFrom(api, 'staff-a', TEST_PASSWORD, '10.0.2.1')).status).toBe(200);
    const statuses = [];
    for (let i = 0; i < 16; i++)
      statuses.push((await loginFrom(api, `guess-${i}`, 'wrong-password', '10.0.2.1')).status);
    expect(statuses).toEqual([...Array(15).fill(401), 429]);
    // The colleague still gets in from there; an account never used from there does not, even with its password.
    expect((await loginFrom(api, 'staff-a', TEST_PASSWORD, '10.0.2.1')).status).toBe(200);
    expect((await loginFrom(api, 'admin', TEST_PASSWORD, '10.0.2.1')).status).toBe(429);
    // Elsewhere the admin is unaffected.
    expect((await loginFrom(api, 'admin', TEST_PASSWORD, '10.0.2.200')).status).toBe(200);
  });

  it('failures on an account lock it only for addresses it has not signed in from', async () => {
    expect((await loginFrom(api, 'staff-b', TEST_PASSWORD, '10.0.3.1')).status).toBe(200);
    for (let i = 0; i < 3; i++)
      expect((await loginFrom(api, 'staff-b', 'wrong-password', '10.0.3.66')).status).toBe(401);
    expect((await loginFrom(api, 'staff-b', TEST_PASSWORD, '10.0.3.66')).status).toBe(429);
    expect((await loginFrom(api, 'staff-b', TEST_PASSWORD, '10.0.3.2')).status).toBe(429);
    // The owner's usual address still passes with the right password, and a wrong one there still counts.
    expect((await loginFrom(api, 'staff-b', TEST_PASSWORD, '10.0.3.1')).status).toBe(200);
    for (let i = 0; i < 3; i++)
      expect((await loginFrom(api, 'staff-b', 'wrong-password', '10.0.3.1')).status).toBe(401);
    expect((await loginFrom(api, 'staff-b', TEST_PASSWORD, '10.0.3.1')).status).toBe(429);
  });
});
