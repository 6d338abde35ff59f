import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedTwoHospitals } from '../../testing/fixtures';
import { Client, startTestApi, TestApi } from '../../testing/test-app';

const ROWS = 30_000;

describe('audit export and paging limits', () => {
  let api: TestApi;
  let ids: Awaited<ReturnType<typeof seedTwoHospitals>>;
  let ops: Client;
  let staffA: Client;
  let lockKey: string;

  beforeAll(async () => {
    api = await startTestApi();
    ids = await seedTwoHospitals(api.db);
    ops = await api.login('ops');
    staffA = await api.login('staff-a');
    lockKey = `${api.config.redis.prefix}audit-export:${ids.users['staff-a']}`;
    // Enough entries that an export takes a while and does not fit in the socket's buffers.
    await api.db.query(
      `INSERT INTO audit_entries (at, actor_id, actor_name, action, entity_type, entity_id, hospital_id, \`before\`, \`after\`)
       SELECT NOW(3) - INTERVAL seq SECOND, NULL, 'loader', 'update', 'kiosk', CONCAT('k-', seq), ?,
              JSON_OBJECT('name', CONCAT('Kiosk ', seq), 'notes', REPEAT('x', 200)), JSON_OBJECT('name', CONCAT('Kiosk ', seq, ' renamed'))
       FROM seq_1_to_${ROWS}`,
      [ids.hospitalA],
    );
  }, 60_000);
  afterAll(() => api?.close());

  it('refuses a page beyond 100,000 entries deep on the page field, and answers up to it', async () => {
    for (const query of ['page=2001&pageSize=50', 'page=201&pageSize=500', 'page=100001&pageSize=1']) {
      const res = await staffA.get(`/api/audit?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error, query).toMatchObject({ code: 'VALIDATION_FAILED', field: 'page' });
    }
    const deepest = await staffA.get('/api/audit?page=200&pageSize=500');
    expect(deepest.status).toBe(200);
    expect(deepest.body.total).toBeGreaterThanOrEqual(ROWS);
    expect((await staffA.get('/api/audit?page=2000&pageSize=50')).status).toBe(200);
  });

  it('one export at a time per user: 409 AUDIT_EXPORT_IN_PROGRESS while one runs; others unaffected; released at the end', async () => {
    await api.redis.set(lockKey, 'held', 'PX', 5000);
    try {
      const held = await staffA.get('/api/audit.csv?entityType=site');
      expect(held.status).toBe(409);
      expect(held.body.error.code).toBe('AUDIT_EXPORT_IN_PROGRESS');
      expect((await ops.get('/api/audit.csv?entityType=site')).status).toBe(200);
    } finally {
      await api.redis.del(lockKey);
    }
    for (let i = 0; i < 2; i++) {
      const res = await staffA.get('/api/audit.csv?entityType=site');
      expect(res.status).toBe(200);
      expect(res.text.split('\n')[0]).toMatch(/^at_utc,/);
    }
    expect(await api.redis.exists(lockKey)).toBe(0);
  });

  it('held while the file streams, released when the client leaves before its end', async () => {
    const abort = new AbortController();
    const res = await fetch(`${staffA.baseUrl}/api/audit.csv?action=update`, { headers: { cookie: staffA.cookie! }, signal: abort.signal });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    expect((await reader.read()).done).toBe(false);
    // Mid-stream: the lock is there, and a second export of the same user is refused.
    expect(await api.redis.exists(lockKey)).toBe(1);
    expect((await staffA.get('/api/audit.csv?entityType=site')).status).toBe(409);
    abort.abort();
    await reader.cancel().catch(() => undefined);
    const deadline = Date.now() + 5000;
    while ((await api.redis.exists(lockKey)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await api.redis.exists(lockKey)).toBe(0);
    expect((await staffA.get('/api/audit.csv?entityType=site')).status).toBe(200);
  });
});
