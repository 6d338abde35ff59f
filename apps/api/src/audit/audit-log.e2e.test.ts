import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kioskBody, seedTwoHospitals } from '../../testing/fixtures';
import { Client, startTestApi, TestApi } from '../../testing/test-app';

describe('the audit log for people: names, filters, CSV, access', () => {
  let api: TestApi;
  let ids: Awaited<ReturnType<typeof seedTwoHospitals>>;
  let ops: Client;
  let staffA: Client;
  let staffB: Client;
  let kioskA: { id: string };
  let kioskB: { id: string };

  beforeAll(async () => {
    api = await startTestApi();
    ids = await seedTwoHospitals(api.db);
    ops = await api.login('ops');
    staffA = await api.login('staff-a');
    staffB = await api.login('staff-b');
    kioskA = (await ops.post('/api/kiosks', kioskBody(ids.siteA, 1, { name: 'Lobby left' }))).body;
    kioskB = (await ops.post('/api/kiosks', kioskBody(ids.siteB, 2, { name: 'Secret ward B' }))).body;
    expect((await staffA.patch(`/api/kiosks/${kioskA.id}`, { name: 'Lobby east' })).status).toBe(200);
    expect((await staffB.patch(`/api/kiosks/${kioskB.id}`, { notes: '=HYPERLINK("http://evil.example","x")' })).status).toBe(200);
  });
  afterAll(() => api?.close());

  it("names the entity by its current name and the entry's hospital, keeping the id", async () => {
    const { body } = await staffA.get(`/api/audit?entityId=${kioskA.id}`);
    expect(body.items.map((e: any) => e.action)).toEqual(['update', 'create']);
    for (const e of body.items) {
      expect(e).toMatchObject({ entityId: kioskA.id, entityName: 'Lobby east (MZ-1F-01)', entityNameSource: 'current', hospitalName: 'Hospital A' });
    }
    expect(body.items[0].before.name).toBe('Lobby left');
    expect(body.items[0].after.name).toBe('Lobby east');
  });

  it('a deleted entity keeps the name its entry recorded', async () => {
    const { body: k } = await ops.post('/api/kiosks', kioskBody(ids.siteA, 3, { name: 'Short-lived' }));
    expect((await ops.delete(`/api/kiosks/${k.id}`)).status).toBe(204);
    const { body } = await staffA.get(`/api/audit?entityId=${k.id}&action=delete`);
    expect(body.items[0]).toMatchObject({ entityName: 'Short-lived', entityNameSource: 'recorded' });
  });

  it('filters by entity name (now or then), actor, free text and date range', async () => {
    // The current name finds the entries made under the old one too.
    const byName = (await ops.get(`/api/audit?entityType=kiosk&entity=east`)).body;
    expect(byName.items.map((e: any) => e.entityId)).toEqual([kioskA.id, kioskA.id]);
    // The old name finds the entries that recorded it.
    const byOldName = (await ops.get(`/api/audit?entity=${encodeURIComponent('LOBBY LEFT')}`)).body;
    expect(byOldName.items.length).toBe(2);
    expect(byOldName.items.every((e: any) => e.entityId === kioskA.id)).toBe(true);

    const byActor = (await ops.get('/api/audit?actor=staff-')).body;
    expect(new Set(byActor.items.map((e: any) => e.actorName))).toEqual(new Set(['staff-a', 'staff-b']));

    const byText = (await ops.get('/api/audit?q=hyperlink')).body;
    expect(byText.items.map((e: any) => e.entityId)).toEqual([kioskB.id]);

    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect((await ops.get(`/api/audit?from=${encodeURIComponent(future)}`)).body.total).toBe(0);
    const past = new Date(Date.now() - 3_600_000).toISOString();
    expect((await ops.get(`/api/audit?from=${encodeURIComponent(past)}&to=${encodeURIComponent(future)}&entityType=kiosk`)).body.total).toBe(6);
  });

  it('refuses bad filters with a stable code', async () => {
    const reversed = await ops.get(`/api/audit?from=2026-02-02T00:00:00Z&to=2026-02-01T00:00:00Z`);
    expect(reversed.status).toBe(400);
    expect(reversed.body.error.code).toBe('VALIDATION_FAILED');
    expect((await ops.get('/api/audit?from=yesterday')).status).toBe(400);
    const zone = await ops.get('/api/audit.csv?timeZone=Mars/Olympus');
    expect(zone.status).toBe(400);
    expect(zone.body.error.code).toBe('VALIDATION_FAILED');
  });

  it("never shows another hospital's entries or names, not even through a search", async () => {
    const all = (await staffA.get('/api/audit?pageSize=500')).body;
    expect(all.items.length).toBeGreaterThan(0);
    expect(all.items.every((e: any) => e.hospitalId === ids.hospitalA)).toBe(true);
    expect(JSON.stringify(all)).not.toContain('Secret ward B');
    expect(JSON.stringify(all)).not.toContain('Hospital B');
    expect((await staffA.get('/api/audit?entityType=kiosk&entity=Secret')).body.total).toBe(0);
    expect((await staffA.get(`/api/audit?hospitalId=${ids.hospitalB}`)).body.total).toBe(0);
    const csv = await staffA.get('/api/audit.csv');
    expect(csv.text).not.toContain('Secret ward B');
    expect((await api.anonymous().get('/api/audit.csv')).status).toBe(401);
  });

  it('exports the filtered list as CSV with names, local times and formulas made harmless', async () => {
    const res = await ops.get(`/api/audit.csv?entityType=kiosk&timeZone=Asia/Shanghai`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toContain('audit.csv');
    const rows = parse(res.text, { columns: true }) as Record<string, string>[];
    expect(res.headers.get('x-total-count')).toBe(String(rows.length));
    expect(rows.length).toBe(6);
    const rename = rows.find((r) => r.entity_id === kioskA.id && r.action === 'update')!;
    expect(rename).toMatchObject({ actor: 'staff-a', entity_type: 'kiosk', entity_name: 'Lobby east (MZ-1F-01)', hospital: 'Hospital A' });
    expect(rename.changes).toContain('name: Lobby left → Lobby east');
    expect(rename.at_local).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+08:00$/);
    expect(new Date(rename.at_utc).getTime()).toBeGreaterThan(Date.now() - 3_600_000);
    // A cell that starts like a formula is shown as text.
    const notes = rows.find((r) => r.entity_id === kioskB.id && r.action === 'update')!;
    expect(notes.changes.startsWith('notes:')).toBe(true);
    const { body: k } = await ops.post('/api/kiosks', kioskBody(ids.siteA, 4, { name: '=1+2' }));
    const formula = parse((await ops.get(`/api/audit.csv?entityId=${k.id}`)).text, { columns: true }) as Record<string, string>[];
    expect(formula[0].entity_name).toBe("'=1+2 (MZ-1F-04)");
  });

  it('streams a large export in batches, newest first, whole', async () => {
    // 2,500 entries straight into the table: three batches of the export.
    const base = Date.UTC(2025, 0, 1);
    const values = Array.from({ length: 2500 }, (_, i) => [new Date(base + i * 1000), 'bulk', 'update', 'kiosk', kioskA.id, ids.hospitalA]);
    await api.db.query('INSERT INTO audit_entries (at, actor_name, action, entity_type, entity_id, hospital_id) VALUES ?', [values]);
    const res = await ops.get(`/api/audit.csv?actor=bulk`);
    const rows = parse(res.text, { columns: true }) as Record<string, string>[];
    expect(rows.length).toBe(2500);
    expect(new Set(rows.map((r) => r.at_utc)).size).toBe(2500);
    expect(rows[0].at_utc).toBe(new Date(base + 2499_000).toISOString());
    expect(rows[2499].at_utc).toBe(new Date(base).toISOString());
    expect(rows[0].entity_name).toBe('Lobby east (MZ-1F-01)');
  });
});
