import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedTwoHospitals, TEST_PASSWORD } from '../../testing/fixtures';
import { Client, startTestApi, TestApi } from '../../testing/test-app';

describe('auth and sessions', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({ LOGIN_RATE_LIMIT: '5', SESSION_IDLE_MINUTES: '0.02' });
    await seedTwoHospitals(api.db);
  });
  afterAll(() => api?.close());

  const audit = (action: string) =>
    api.db.query(`SELECT actor_name, entity_id, \`after\` FROM audit_entries WHERE action = ? ORDER BY id`, [action]);

  it('login sets an httpOnly, SameSite session cookie and audits the login', async () => {
    const res = await api.anonymous().post('/api/auth/login', { username: 'ops', password: TEST_PASSWORD });
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ username: 'ops', role: 'ops', hospitalIds: 'all' });
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^wk_session=[A-Za-z0-9_-]{40,};/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect((await audit('login')).map((r: { actor_name: string }) => r.actor_name)).toContain('ops');
    // The password hash is argon2id.
    const [row] = await api.db.query(`SELECT password_hash FROM users WHERE username = 'ops'`);
    expect(row.password_hash).toMatch(/^\$argon2id\$/);
  });

  it('a wrong password or unknown user is 401 INVALID_CREDENTIALS and audited as a failed login', async () => {
    const wrong = await api.anonymous().post('/api/auth/login', { username: 'admin', password: 'not-the-password' });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ error: { code: 'INVALID_CREDENTIALS', message: 'username or password is wrong' } });
    const unknown = await api.anonymous().post('/api/auth/login', { username: 'nobody', password: 'whatever-123' });
    expect(unknown.status).toBe(401);
    const failed = await audit('login_failed');
    expect(failed.map((r: { actor_name: string }) => r.actor_name)).toEqual(expect.arrayContaining(['admin', 'nobody']));
  });

  it('bad login input names the field', async () => {
    const res = await api.anonymous().post('/api/auth/login', { username: 'admin' });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'password' });
    const malformed = await api.anonymous().request('POST', '/api/auth/login', undefined, { 'content-type': 'application/json' });
    expect(malformed.status).toBe(400);
  });

  it('without a session every API route is 401', async () => {
    for (const path of ['/api/hospitals', '/api/sites', '/api/kiosks', '/api/agents', '/api/rules', '/api/users', '/api/audit', '/api/auth/me']) {
      const res = await api.anonymous().get(path);
      expect(res.status, path).toBe(401);
      expect(res.body.error.code).toBe('UNAUTHENTICATED');
    }
  });

  it('logout invalidates the session on the server', async () => {
    const client = await api.login('viewer');
    expect((await client.get('/api/auth/me')).status).toBe(200);
    expect((await client.post('/api/auth/logout')).status).toBe(204);
    // The same cookie, replayed after logout, is refused.
    expect((await client.get('/api/auth/me')).status).toBe(401);
  });

  it('a new login renews the session: the cookie sent with it stops working', async () => {
    const client = await api.login('viewer');
    const old = client.cookie!;
    const relogin = await client.post('/api/auth/login', { username: 'viewer', password: TEST_PASSWORD });
    expect(relogin.status).toBe(200);
    const fresh = relogin.headers.get('set-cookie')!.split(';')[0];
    expect(fresh).not.toBe(old);
    expect((await new Client(api.url, old).get('/api/auth/me')).status).toBe(401);
    expect((await new Client(api.url, fresh).get('/api/auth/me')).status).toBe(200);
  });

  it('a session expires when idle (here 1.2 s), and each request renews it', async () => {
    const client = await api.login('viewer');
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 600));
      expect((await client.get('/api/auth/me')).status).toBe(200);
    }
    await new Promise((r) => setTimeout(r, 1500));
    expect((await client.get('/api/auth/me')).status).toBe(401);
  });

  it('a session ends after the absolute lifetime even when used', async () => {
    const client = await api.login('viewer');
    const keys = await api.redis.keys(`${api.config.redis.prefix}session:*`);
    for (const key of keys) {
      const session = JSON.parse((await api.redis.get(key))!);
      session.createdAt -= 12 * 3_600_000 + 1000;
      await api.redis.set(key, JSON.stringify(session), 'PX', 60_000);
    }
    expect((await client.get('/api/auth/me')).status).toBe(401);
  });

  it('login is rate-limited per user and address with 429 and Retry-After', async () => {
    const statuses = [];
    for (let i = 0; i < 7; i++) {
      statuses.push((await api.anonymous().post('/api/auth/login', { username: 'staff-b', password: 'wrong-password' })).status);
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    const limited = await api.anonymous().post('/api/auth/login', { username: 'staff-b', password: TEST_PASSWORD });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
