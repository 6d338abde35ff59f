import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kioskBody, seedTwoHospitals } from '../../testing/fixtures';
import { Client, startTestApi, TestApi } from '../../testing/test-app';

describe('power rules', () => {
  let api: TestApi;
  let ids: Awaited<ReturnType<typeof seedTwoHospitals>>;
  let staffA: Client;
  let kioskA: string;
  let kioskB: string;
  const count = async () => Number((await api.db.query('SELECT COUNT(*) AS n FROM power_rules'))[0].n);

  beforeAll(async () => {
    api = await startTestApi();
    ids = await seedTwoHospitals(api.db);
    staffA = await api.login('staff-a');
    kioskA = (await (await api.login('ops')).post('/api/kiosks', kioskBody(ids.siteA, 10))).body.id;
    kioskB = (await (await api.login('ops')).post('/api/kiosks', kioskBody(ids.siteB, 11))).body.id;
  });
  afterAll(() => api?.close());

  const festival = () => ({
    hospitalId: ids.hospitalA,
    name: 'Spring Festival',
    scope: { kind: 'hospital' },
    layer: 'override',
    from: '2027-02-06',
    until: '2027-02-12',
    windows: [],
  });

  it('stores every field of DESIGN.md and reads it back; updates move updatedAt and are audited', async () => {
    const created = await staffA.post('/api/rules', {
      hospitalId: ids.hospitalA,
      name: 'Evening clinic',
      scope: { kind: 'kiosks', kioskIds: [kioskA] },
      layer: 'regular',
      days: [1, 3, 5],
      windows: [
        { start: '07:00', end: '12:00' },
        { start: '18:00', end: '24:00' },
      ],
      priority: 3,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      scope: { kind: 'kiosks', kioskIds: [kioskA] },
      layer: 'regular',
      days: [1, 3, 5],
      from: null,
      until: null,
      priority: 3,
      windows: [
        { start: '07:00', end: '12:00' },
        { start: '18:00', end: '24:00' },
      ],
    });
    const id = created.body.id;
    const festivalRule = await staffA.post('/api/rules', festival());
    expect(festivalRule.body).toMatchObject({ from: '2027-02-06', until: '2027-02-12', windows: [], days: null });

    const updated = await staffA.patch(`/api/rules/${id}`, { scope: { kind: 'site', siteId: ids.siteA }, priority: 4 });
    expect(updated.status).toBe(200);
    expect(updated.body.scope).toEqual({ kind: 'site', siteId: ids.siteA });
    expect(new Date(updated.body.updatedAt).getTime()).toBeGreaterThanOrEqual(new Date(created.body.updatedAt).getTime());
    const listed = await staffA.get(`/api/rules?siteId=${ids.siteA}`);
    expect(listed.body.items.map((r: { id: string }) => r.id)).toEqual([id]);

    const entries = await api.db.query(`SELECT action FROM audit_entries WHERE entity_id = ? ORDER BY id`, [id]);
    expect(entries.map((e: { action: string }) => e.action)).toEqual(['create', 'update']);
  });

  it.each([
    ['windows.0.start', 'RULE_WINDOW_INVALID', { windows: [{ start: '7:00', end: '12:00' }] }],
    ['windows.0.end', 'RULE_WINDOW_INVALID', { windows: [{ start: '12:00', end: '12:00' }] }],
    ['windows.0.end', 'RULE_WINDOW_INVALID', { windows: [{ start: '12:00', end: '24:30' }] }],
    ['days', 'RULE_DAYS_INVALID', { days: [] }],
    ['days.0', 'RULE_DAYS_INVALID', { days: [8] }],
    ['from', 'RULE_DATE_INVALID', { from: '2027-02-30' }],
    ['until', 'RULE_DATE_INVALID', { from: '2027-02-12', until: '2027-02-06' }],
    ['layer', 'VALIDATION_FAILED', { layer: 'holiday' }],
    ['scope.kind', 'VALIDATION_FAILED', { scope: { kind: 'planet' } }],
    ['scope.kioskIds', 'VALIDATION_FAILED', { scope: { kind: 'kiosks', kioskIds: [] } }],
    ['priority', 'VALIDATION_FAILED', { priority: 1.5 }],
    ['name', 'VALIDATION_FAILED', { name: '' }],
    ['days', 'VALIDATION_FAILED', { days: [1, 2, 3, 4, 5, 6, 7, 1] }],
    ['windows.0.start', 'VALIDATION_FAILED', { windows: [{ start: '08:00'.padEnd(100_000, '0'), end: '12:00' }] }],
    ['from', 'VALIDATION_FAILED', { from: '2027-02-06'.repeat(1000) }],
  ])('bad %s (%s) is a 400 naming the field, nothing stored', async (field, code, patch) => {
    const before = await count();
    const res = await staffA.post('/api/rules', { ...festival(), ...patch });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code, field });
    expect(await count()).toBe(before);
  });

  it('a request body over 256 KB is 413 (agents\' readings excepted), and a hospital holds at most 500 rules', async () => {
    const big = await staffA.post('/api/rules', { ...festival(), days: Array.from({ length: 2_000_000 }, () => 1) });
    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe('PAYLOAD_TOO_LARGE');

    const [{ n }] = await api.db.query('SELECT COUNT(*) AS n FROM power_rules WHERE hospital_id = ?', [ids.hospitalA]);
    const template = (await staffA.post('/api/rules', festival())).body.id;
    // Copies of it up to the limit, straight into the table (500 requests would re-plan 500 times).
    const columns = (
      await api.db.query(
        `SELECT COLUMN_NAME AS c FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 'power_rules' ORDER BY ORDINAL_POSITION`,
      )
    ).map((r: { c: string }) => r.c) as string[];
    const copied = columns.map((c) => (c === 'id' ? 'UUID()' : `\`${c}\``)).join(', ');
    for (let i = Number(n) + 1; i < 500; i++) {
      await api.db.query(`INSERT INTO power_rules (${columns.map((c) => `\`${c}\``).join(', ')}) SELECT ${copied} FROM power_rules WHERE id = ?`, [template]);
    }
    const [{ n: full }] = await api.db.query('SELECT COUNT(*) AS n FROM power_rules WHERE hospital_id = ?', [ids.hospitalA]);
    expect(Number(full)).toBe(500);
    const over = await staffA.post('/api/rules', festival());
    expect(over.status).toBe(409);
    expect(over.body.error.code).toBe('RULES_LIMIT');
    await api.db.query('DELETE FROM power_rules WHERE hospital_id = ? AND name = ?', [ids.hospitalA, festival().name]);
  });

  it('a rule may not reach into another hospital through its scope', async () => {
    const before = await count();
    const site = await staffA.post('/api/rules', { ...festival(), scope: { kind: 'site', siteId: ids.siteB } });
    expect(site.status).toBe(400);
    expect(site.body.error).toMatchObject({ code: 'RULE_SCOPE_INVALID', field: 'scope.siteId' });
    const kiosks = await staffA.post('/api/rules', { ...festival(), scope: { kind: 'kiosks', kioskIds: [kioskA, kioskB] } });
    expect(kiosks.status).toBe(400);
    expect(kiosks.body.error).toMatchObject({ code: 'RULE_SCOPE_INVALID', field: 'scope.kioskIds' });
    expect(await count()).toBe(before);
  });

  it('an invalid update leaves the stored rule and the audit log unchanged', async () => {
    const { body } = await staffA.post('/api/rules', festival());
    const auditBefore = (await api.db.query('SELECT COUNT(*) AS n FROM audit_entries'))[0].n;
    const res = await staffA.patch(`/api/rules/${body.id}`, { windows: [{ start: '10:00', end: '09:00' }] });
    expect(res.status).toBe(400);
    expect((await staffA.get(`/api/rules/${body.id}`)).body.windows).toEqual([]);
    expect((await api.db.query('SELECT COUNT(*) AS n FROM audit_entries'))[0].n).toBe(auditBefore);
  });

  it('deleting is audited with the rule as it was', async () => {
    const { body } = await staffA.post('/api/rules', festival());
    expect((await staffA.delete(`/api/rules/${body.id}`)).status).toBe(204);
    const [entry] = await api.db.query(`SELECT \`before\` FROM audit_entries WHERE entity_id = ? AND action = 'delete'`, [body.id]);
    const before = typeof entry.before === 'string' ? JSON.parse(entry.before) : entry.before;
    expect(before).toMatchObject({ name: 'Spring Festival', from: '2027-02-06' });
  });

  it('overnight hours saved with their companion rules in one transaction: all stored and audited, or none', async () => {
    const auditCount = async () => Number((await api.db.query(`SELECT COUNT(*) AS n FROM audit_entries WHERE entity_type = 'power_rule' AND action = 'create'`))[0].n);
    const night = {
      hospitalId: ids.hospitalA,
      name: 'Night desk',
      scope: { kind: 'site', siteId: ids.siteA },
      layer: 'regular',
      days: [5],
      windows: [{ start: '20:00', end: '24:00' }],
      priority: 4,
    };
    const [rulesBefore, auditBefore] = [await count(), await auditCount()];
    const created = await staffA.post('/api/rules', { ...night, companions: [{ name: 'Night desk (Sat)', days: [6], windows: [{ start: '00:00', end: '06:00' }] }] });
    expect(created.status).toBe(201);
    expect(created.body.companions).toHaveLength(1);
    expect(created.body.companions[0]).toMatchObject({
      name: 'Night desk (Sat)',
      scope: { kind: 'site', siteId: ids.siteA },
      layer: 'regular',
      days: [6],
      windows: [{ start: '00:00', end: '06:00' }],
      priority: 4,
    });
    expect([await count(), await auditCount()]).toEqual([rulesBefore + 2, auditBefore + 2]);

    // A companion the engine refuses refuses the whole save, naming the companion's field.
    const refused = await staffA.post('/api/rules', { ...night, companions: [{ name: 'Broken', days: [6], windows: [{ start: '00:00', end: '25:00' }] }] });
    expect(refused.status).toBe(400);
    expect(refused.body.error.field).toMatch(/^companions\.0\.windows\.0\./);
    expect([await count(), await auditCount()]).toEqual([rulesBefore + 2, auditBefore + 2]);

    // An update with a refused companion leaves the rule as it was.
    const update = await staffA.patch(`/api/rules/${created.body.id}`, { name: 'Night desk 2', companions: [{ name: 'Broken', days: [9], windows: [] }] });
    expect(update.status).toBe(400);
    expect((await staffA.get(`/api/rules/${created.body.id}`)).body.name).toBe('Night desk');
    expect(await count()).toBe(rulesBefore + 2);
  });
});
