import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kioskBody, seedTwoHospitals } from '../../testing/fixtures';
import { Client, startTestApi, TestApi } from '../../testing/test-app';

/**
 * The role x hospital matrix: staff of A (and a viewer of A) see and change only
 * A; anything of B answers 404 exactly like something that does not exist, in
 * reads, lists (filters included), changes and imports, and each refusal is audited.
 */
describe('hospital-scoped access', () => {
  let api: TestApi;
  let ids: Awaited<ReturnType<typeof seedTwoHospitals>>;
  let clients: Record<string, Client>;
  const b: Record<string, string> = {};
  const a: Record<string, string> = {};

  beforeAll(async () => {
    api = await startTestApi();
    ids = await seedTwoHospitals(api.db);
    clients = Object.fromEntries(
      await Promise.all(['admin', 'ops', 'staff-a', 'staff-b', 'viewer', 'viewer-a'].map(async (u) => [u, await api.login(u)])),
    );
    for (const [hospital, site, store, n] of [
      [ids.hospitalA, ids.siteA, a, 1],
      [ids.hospitalB, ids.siteB, b, 2],
    ] as const) {
      const ops = clients.ops;
      store.kiosk = (await ops.post('/api/kiosks', kioskBody(site, n))).body.id;
      store.agent = (await ops.post('/api/agents', { siteId: site, name: 'pi-1', subnets: ['10.1.2.0/24'] })).body.id;
      const rule = await ops.post('/api/rules', {
        hospitalId: hospital,
        name: 'Weekdays',
        scope: { kind: 'hospital' },
        layer: 'regular',
        days: [1, 2, 3, 4, 5],
        windows: [{ start: '07:00', end: '20:00' }],
      });
      expect(rule.status).toBe(201);
      store.rule = rule.body.id;
      store.site = site;
      store.hospital = hospital;
    }
  });
  afterAll(() => api?.close());

  const deniedCount = async () => Number((await api.db.query(`SELECT COUNT(*) AS n FROM audit_entries WHERE action = 'access_denied'`))[0].n);

  it('staff of A get 404 for every read of B, and each refusal is audited', async () => {
    const staffA = clients['staff-a'];
    const paths = [
      `/api/hospitals/${b.hospital}`,
      `/api/sites/${b.site}`,
      `/api/kiosks/${b.kiosk}`,
      `/api/agents/${b.agent}`,
      `/api/rules/${b.rule}`,
      `/api/sites/${b.site}/kiosks.csv`,
    ];
    const before = await deniedCount();
    for (const path of paths) {
      const res = await staffA.get(path);
      expect(res.status, path).toBe(404);
      expect(res.body.error.code, path).toMatch(/_NOT_FOUND$/);
    }
    expect(await deniedCount()).toBeGreaterThanOrEqual(before + paths.length);
    // The same reads of A work.
    for (const path of [`/api/hospitals/${a.hospital}`, `/api/sites/${a.site}`, `/api/kiosks/${a.kiosk}`, `/api/agents/${a.agent}`, `/api/rules/${a.rule}`]) {
      expect((await staffA.get(path)).status, path).toBe(200);
    }
  });

  it('lists show staff only their hospital, even when filtering for B', async () => {
    const staffA = clients['staff-a'];
    for (const resource of ['hospitals', 'sites', 'kiosks', 'agents', 'rules']) {
      const all = await staffA.get(`/api/${resource}`);
      expect(all.status).toBe(200);
      expect(all.body.total, resource).toBeGreaterThan(0);
      const hospitalOf = (item: { id: string; hospitalId?: string; siteId?: string }) =>
        item.hospitalId ?? (resource === 'hospitals' ? item.id : item.siteId === ids.siteA ? ids.hospitalA : ids.hospitalB);
      expect(all.body.items.every((i: never) => hospitalOf(i) === ids.hospitalA), resource).toBe(true);
      if (resource === 'hospitals') continue;
      const filtered = await staffA.get(`/api/${resource}?hospitalId=${ids.hospitalB}`);
      expect(filtered.body, resource).toMatchObject({ items: [], total: 0 });
    }
    const bySite = await staffA.get(`/api/kiosks?siteId=${ids.siteB}`);
    expect(bySite.body.total).toBe(0);
    const audit = await staffA.get('/api/audit?pageSize=500');
    expect(audit.body.items.every((e: { hospitalId: string }) => e.hospitalId === ids.hospitalA)).toBe(true);
    expect((await staffA.get(`/api/audit?hospitalId=${ids.hospitalB}`)).body.total).toBe(0);
  });

  it('staff of A cannot change B: every write is 404 and stores nothing', async () => {
    const staffA = clients['staff-a'];
    const snapshot = async () =>
      JSON.stringify([await api.db.query('SELECT * FROM kiosks ORDER BY id'), await api.db.query('SELECT * FROM power_rules ORDER BY id')]);
    const before = await snapshot();
    const attempts: [string, string, unknown][] = [
      ['PATCH', `/api/kiosks/${b.kiosk}`, { name: 'hijacked' }],
      ['DELETE', `/api/kiosks/${b.kiosk}`, undefined],
      ['POST', '/api/kiosks', kioskBody(b.site, 9)],
      ['PATCH', `/api/rules/${b.rule}`, { windows: [] }],
      ['DELETE', `/api/rules/${b.rule}`, undefined],
      ['POST', '/api/rules', { hospitalId: b.hospital, name: 'x', scope: { kind: 'hospital' }, layer: 'override', windows: [] }],
    ];
    for (const [method, path, body] of attempts) {
      const res = await staffA.request(method, path, body);
      expect(res.status, `${method} ${path}`).toBe(404);
    }
    expect(await snapshot()).toBe(before);
  });

  it('staff may not manage hospitals, sites, agents or users (403, audited)', async () => {
    const staffA = clients['staff-a'];
    const before = await deniedCount();
    const attempts: [string, string, unknown][] = [
      ['POST', '/api/hospitals', { code: 'HX', name: 'X' }],
      ['PATCH', `/api/sites/${a.site}`, { name: 'renamed' }],
      ['POST', '/api/agents', { siteId: a.site, name: 'pi-9' }],
      ['GET', '/api/users', undefined],
      ['POST', '/api/users', { username: 'x1', password: 'long-enough-password', role: 'viewer' }],
    ];
    for (const [method, path, body] of attempts) {
      const res = await staffA.request(method, path, body);
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body.error.code).toBe('FORBIDDEN');
    }
    expect(await deniedCount()).toBe(before + attempts.length);
  });

  it('viewers change nothing; a viewer of A reads only A', async () => {
    for (const name of ['viewer', 'viewer-a']) {
      const viewer = clients[name];
      expect((await viewer.patch(`/api/kiosks/${a.kiosk}`, { name: 'x' })).status).toBe(403);
      expect((await viewer.post('/api/rules', { hospitalId: a.hospital, name: 'x', scope: { kind: 'hospital' }, layer: 'override', windows: [] })).status).toBe(
        403,
      );
    }
    expect((await clients.viewer.get(`/api/kiosks/${b.kiosk}`)).status).toBe(200);
    expect((await clients['viewer-a'].get(`/api/kiosks/${b.kiosk}`)).status).toBe(404);
    expect((await clients['viewer-a'].get(`/api/kiosks/${a.kiosk}`)).status).toBe(200);
  });

  it('ops and admin see and change both hospitals', async () => {
    for (const name of ['ops', 'admin']) {
      const c = clients[name];
      expect((await c.get('/api/kiosks')).body.total).toBe(2);
      expect((await c.patch(`/api/kiosks/${b.kiosk}`, { location: `changed by ${name}` })).status).toBe(200);
    }
  });

  it('staff of B see B and not A, symmetrically', async () => {
    const staffB = clients['staff-b'];
    expect((await staffB.get(`/api/kiosks/${a.kiosk}`)).status).toBe(404);
    expect((await staffB.get(`/api/kiosks/${b.kiosk}`)).status).toBe(200);
    expect((await staffB.patch(`/api/rules/${b.rule}`, { priority: 5 })).status).toBe(200);
  });
});
