import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedTwoHospitals } from '../../testing/fixtures';
import { Client, startTestApi, TestApi } from '../../testing/test-app';

/** Hospitals, sites, agents (registry), users and the audit log endpoint. */
describe('fleet registry', () => {
  let api: TestApi;
  let ids: Awaited<ReturnType<typeof seedTwoHospitals>>;
  let ops: Client;
  let admin: Client;
  const rows = async (table: string) => Number((await api.db.query(`SELECT COUNT(*) AS n FROM ${table}`))[0].n);

  beforeAll(async () => {
    api = await startTestApi();
    ids = await seedTwoHospitals(api.db);
    ops = await api.login('ops');
    admin = await api.login('admin');
  });
  afterAll(() => api?.close());

  it('hospitals: create, rename, page, refuse duplicates and deletion while in use', async () => {
    const created = await ops.post('/api/hospitals', { code: 'HC', name: 'Hospital C' });
    expect(created.status).toBe(201);
    expect((await ops.patch(`/api/hospitals/${created.body.id}`, { name: 'Hospital C (new wing)' })).body.name).toBe('Hospital C (new wing)');
    const dup = await ops.post('/api/hospitals', { code: 'HC', name: 'Again' });
    expect(dup.status).toBe(409);
    expect(dup.body.error).toMatchObject({ code: 'HOSPITAL_CODE_TAKEN', field: 'code' });
    const bad = await ops.post('/api/hospitals', { code: 'has space', name: 'x' });
    expect(bad.body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'code' });
    const page = await ops.get('/api/hospitals?page=2&pageSize=2');
    expect(page.body).toMatchObject({ total: 3, page: 2, pageSize: 2 });
    expect(page.body.items).toHaveLength(1);
    expect((await ops.get('/api/hospitals?pageSize=501')).body.error.field).toBe('pageSize');

    const inUse = await admin.delete(`/api/hospitals/${ids.hospitalA}`);
    expect(inUse.status).toBe(409);
    expect(inUse.body.error.code).toBe('HOSPITAL_IN_USE');
    expect((await ops.delete(`/api/hospitals/${created.body.id}`)).status).toBe(403); // admin only
    expect((await admin.delete(`/api/hospitals/${created.body.id}`)).status).toBe(204);
  });

  it('sites: IANA zone validated, Asia/Shanghai by default', async () => {
    const created = await ops.post('/api/sites', { hospitalId: ids.hospitalA, name: 'North campus' });
    expect(created.status).toBe(201);
    expect(created.body.timeZone).toBe('Asia/Shanghai');
    const london = await ops.patch(`/api/sites/${created.body.id}`, { timeZone: 'Europe/London' });
    expect(london.body.timeZone).toBe('Europe/London');
    const before = await rows('sites');
    for (const timeZone of ['Mars/Olympus', 'GMT+8', '']) {
      const res = await ops.post('/api/sites', { hospitalId: ids.hospitalA, name: `Zone ${timeZone}`, timeZone });
      expect(res.status, timeZone).toBe(400);
      expect(res.body.error.field).toBe('timeZone');
    }
    expect(await rows('sites')).toBe(before);
    const unknownHospital = await ops.post('/api/sites', { hospitalId: '00000000-0000-4000-8000-000000000000', name: 'x' });
    expect(unknownHospital.status).toBe(404);
  });

  it('sites: declared subnets (CIDR), none by default, set by ops only, audited', async () => {
    const created = await ops.post('/api/sites', { hospitalId: ids.hospitalA, name: 'West campus', subnets: ['10.7.1.0/24'] });
    expect(created.status, created.text).toBe(201);
    expect(created.body.subnets).toEqual(['10.7.1.0/24']);
    expect((await ops.get(`/api/sites/${ids.siteA}`)).body.subnets).toEqual([]);
    const patched = await ops.patch(`/api/sites/${created.body.id}`, { subnets: ['10.7.1.0/24', '10.7.2.0/24'] });
    expect(patched.body.subnets).toEqual(['10.7.1.0/24', '10.7.2.0/24']);
    expect((await ops.get(`/api/sites/${created.body.id}`)).body.subnets).toEqual(['10.7.1.0/24', '10.7.2.0/24']);
    for (const bad of [['10.7.1.0'], ['10.7.1.0/33'], ['not-a-net'], '10.7.1.0/24']) {
      const res = await ops.patch(`/api/sites/${created.body.id}`, { subnets: bad });
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect(res.body.error.field).toMatch(/^subnets/);
    }
    const staff = await api.login('staff-a');
    expect((await staff.patch(`/api/sites/${created.body.id}`, { subnets: ['0.0.0.0/0'] })).status).toBe(403);
    const audit = await ops.get(`/api/audit?entityType=site&entityId=${created.body.id}&action=update`);
    expect(audit.body.items[0]).toMatchObject({ before: { subnets: ['10.7.1.0/24'] }, after: { subnets: ['10.7.1.0/24', '10.7.2.0/24'] } });
  });

  it('agents: registry with subnets; never shows a token hash', async () => {
    const created = await ops.post('/api/agents', { siteId: ids.siteA, name: 'pi-3', location: 'Network room', subnets: ['10.1.2.0/24', '10.1.3.0/24'] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'pi-3', subnets: ['10.1.2.0/24', '10.1.3.0/24'], online: false, enrolled: false });
    expect(created.body).not.toHaveProperty('tokenHash');
    const bad = await ops.post('/api/agents', { siteId: ids.siteA, name: 'pi-4', subnets: ['10.1.2.0'] });
    expect(bad.body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'subnets.0' });
    const dup = await ops.post('/api/agents', { siteId: ids.siteA, name: 'pi-3' });
    expect(dup.status).toBe(409);
    expect((await ops.get(`/api/agents?siteId=${ids.siteA}`)).body.total).toBe(1);
    const renamed = await ops.patch(`/api/agents/${created.body.id}`, { name: 'pi-3b' });
    expect(renamed.body).toMatchObject({ name: 'pi-3b', location: 'Network room', subnets: ['10.1.2.0/24', '10.1.3.0/24'] });
    expect((await ops.patch(`/api/agents/${created.body.id}`, { subnets: [] })).body.subnets).toEqual([]);
    expect((await ops.delete(`/api/agents/${created.body.id}`)).status).toBe(204);
  });

  it('users: admin creates staff with hospitals; passwords are hashed and never returned', async () => {
    const created = await admin.post('/api/users', {
      username: 'nurse-li',
      displayName: 'Li Na',
      password: 'correct horse battery',
      role: 'staff',
      hospitalIds: [ids.hospitalA],
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ username: 'nurse-li', role: 'staff', hospitalIds: [ids.hospitalA] });
    expect(created.body).not.toHaveProperty('passwordHash');
    const login = await api.login('nurse-li', 'correct horse battery');
    expect((await login.get('/api/auth/me')).body.user.hospitalIds).toEqual([ids.hospitalA]);

    const noHospital = await admin.post('/api/users', { username: 'nurse-x', password: 'correct horse battery', role: 'staff' });
    expect(noHospital.body.error).toMatchObject({ code: 'USER_HOSPITALS_REQUIRED', field: 'hospitalIds' });
    const short = await admin.post('/api/users', { username: 'nurse-y', password: 'short', role: 'viewer' });
    expect(short.body.error.field).toBe('password');
    const taken = await admin.post('/api/users', { username: 'nurse-li', password: 'correct horse battery', role: 'viewer' });
    expect(taken.status).toBe(409);

    // Disabling an account ends its sessions at the next request.
    expect((await admin.patch(`/api/users/${created.body.id}`, { disabled: true })).status).toBe(200);
    expect((await login.get('/api/auth/me')).status).toBe(401);
    const [entry] = await api.db.query(`SELECT \`after\` FROM audit_entries WHERE entity_id = ? AND action = 'create'`, [created.body.id]);
    expect(JSON.stringify(entry.after)).not.toMatch(/argon2|correct horse/);
  });

  it('audit: filters by entity, action, actor and time, newest first, paged', async () => {
    const all = await ops.get('/api/audit?pageSize=500');
    expect(all.status).toBe(200);
    expect(all.body.total).toBeGreaterThan(5);
    const times = all.body.items.map((e: { at: string }) => e.at);
    expect([...times].sort().reverse()).toEqual(times);
    const sites = await ops.get('/api/audit?entityType=site&action=update');
    expect(sites.body.items.length).toBeGreaterThan(0);
    expect(sites.body.items.every((e: { entityType: string; action: string }) => e.entityType === 'site' && e.action === 'update')).toBe(true);
    const byAdmin = await ops.get(`/api/audit?actorId=${ids.users.admin}`);
    expect(byAdmin.body.items.every((e: { actorName: string }) => e.actorName === 'admin')).toBe(true);
    const future = await ops.get(`/api/audit?from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`);
    expect(future.body.total).toBe(0);
    expect((await ops.get('/api/audit?from=yesterday')).body.error.field).toBe('from');
  });
});
