import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from './database.service';
import { enrolAgent } from '../../testing/agent-kit';
import { kioskBody, seedTwoHospitals } from '../../testing/fixtures';
import { LineCutProxy } from '../../testing/line-cut-proxy';
import { Client, startTestApi, TestApi } from '../../testing/test-app';
import { storeReadings, series } from '../../testing/telemetry-kit';

/**
 * DB_READ_HOSTS on one MariaDB: the "replica" is the same server reached through a
 * TCP proxy of its own (every byte sent to it is counted) under an account that may
 * only SELECT. A write sent there would fail; a read counted there went there.
 */
describe('read replicas (DB_READ_HOSTS)', () => {
  const replicaUser = `wk_ro_${randomBytes(4).toString('hex')}`;
  const replicaPassword = randomBytes(12).toString('hex');
  let primaryOnly: TestApi;
  let withReplica: TestApi;
  let replicaLine: LineCutProxy;
  let ids: Awaited<ReturnType<typeof seedTwoHospitals>>;
  let ops: Client;
  let opsWithout: Client;
  let agentId: string;
  // A fixed range: both apps must answer the same chart, whatever "now" is when each answers.
  const to = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 + 3_600_000);
  const range = `from=${new Date(to.getTime() - 6 * 3_600_000).toISOString()}&to=${to.toISOString()}`;

  /** Bytes the app sent to the replica while `request` ran, and the request's answer. */
  async function throughReplica<T>(request: () => Promise<T>): Promise<{ bytes: number; reply: T }> {
    const before = replicaLine.bytesFromClients;
    const reply = await request();
    return { bytes: replicaLine.bytesFromClients - before, reply };
  }

  beforeAll(async () => {
    primaryOnly = await startTestApi();
    ids = await seedTwoHospitals(primaryOnly.db);
    const database = primaryOnly.config.db.database;
    for (const host of ['127.0.0.1', 'localhost']) {
      await primaryOnly.db.query(`CREATE USER '${replicaUser}'@'${host}' IDENTIFIED BY '${replicaPassword}'`);
      await primaryOnly.db.query(`GRANT SELECT ON \`${database}\`.* TO '${replicaUser}'@'${host}'`);
    }
    replicaLine = new LineCutProxy(primaryOnly.config.db.port);
    await replicaLine.start();
    withReplica = await startTestApi(
      { DB_READ_HOSTS: `127.0.0.1:${replicaLine.port}`, DB_READ_USER: replicaUser, DB_READ_PASSWORD: replicaPassword },
      { replicaOf: primaryOnly },
    );
    ops = await withReplica.login('ops');
    opsWithout = await primaryOnly.login('ops');
    const agent = await ops.post('/api/agents', { siteId: ids.siteA, name: 'pi-1' });
    expect(agent.status).toBe(201);
    agentId = agent.body.id;
    const threeHoursBefore = new Date(to.getTime() - 3 * 3_600_000);
    await storeReadings(primaryOnly.db, agentId, series(1, threeHoursBefore, 60, 30, (i) => ({ temperatureC: 20 + i / 10, humidityPct: 40 })));
  });

  afterAll(async () => {
    await withReplica?.close();
    await replicaLine?.stop();
    for (const host of ['127.0.0.1', 'localhost']) await primaryOnly?.db.query(`DROP USER IF EXISTS '${replicaUser}'@'${host}'`);
    await primaryOnly?.close();
  });

  it('the replica account can only read: a write sent to it would fail, so the writes below went to the primary', async () => {
    const grants: Array<Record<string, string>> = await primaryOnly.db.query(`SHOW GRANTS FOR '${replicaUser}'@'127.0.0.1'`);
    const text = grants.map((g) => Object.values(g)[0]).join('\n');
    expect(text).toMatch(/GRANT SELECT ON `wk_test_[0-9a-f]+`\.\*/);
    expect(text).not.toMatch(/INSERT|UPDATE|DELETE|ALL PRIVILEGES/);
  });

  it('writes and the reads that decide or follow them use the primary: nothing crosses the replica line', async () => {
    const { bytes, reply } = await throughReplica(async () => {
      const created = await ops.post('/api/kiosks', kioskBody(ids.siteA, 7));
      expect(created.status).toBe(201);
      const patched = await ops.patch(`/api/kiosks/${created.body.id}`, { name: 'Registration seven' });
      expect(patched.status).toBe(200);
      // Read-after-write: the kiosk's own page shows the change at once.
      const read = await ops.get(`/api/kiosks/${created.body.id}`);
      expect(read.body.name).toBe('Registration seven');
      const site = await ops.patch(`/api/sites/${ids.siteA}`, { name: 'A main campus' });
      expect(site.status).toBe(200);
      return created.body;
    });
    expect(bytes).toBe(0);
    const stored = await primaryOnly.db.query(`SELECT name FROM kiosks WHERE id = ?`, [reply.id]);
    expect(stored[0].name).toBe('Registration seven');
    const audited = await primaryOnly.db.query(`SELECT action FROM audit_entries WHERE entity_id = ? ORDER BY id`, [reply.id]);
    expect(audited.map((a: { action: string }) => a.action)).toEqual(['create', 'update']);
  });

  it.each([
    ['kiosk list', () => `/api/kiosks?siteId=${ids.siteA}`, (body: any) => expect(body.items.map((k: { code: string }) => k.code)).toContain('MZ-1F-07')],
    ['agent list', () => `/api/agents?siteId=${ids.siteA}`, (body: any) => expect(body.items.map((a: { name: string }) => a.name)).toEqual(['pi-1'])],
    ['site list', () => `/api/sites`, (body: any) => expect(body.items.map((s: { name: string }) => s.name)).toContain('A main campus')],
    ['audit list', () => `/api/audit?entityType=kiosk`, (body: any) => expect(body.items.map((e: { action: string }) => e.action)).toEqual(['update', 'create'])],
    [
      'environment chart',
      () => `/api/sites/${ids.siteA}/environment?metrics=temperature&${range}`,
      (body: any) => expect(body.agents[0].series.temperature).toHaveLength(30),
    ],
    ['environment correlation', () => `/api/sites/${ids.siteA}/environment/correlation?${range}`, (body: any) => expect(body.from).toBe(new Date(to.getTime() - 6 * 3_600_000).toISOString())],
  ])('the %s is read from the replica, and the same without one', async (_name, path, check) => {
    const { bytes, reply } = await throughReplica(() => ops.get(path()));
    expect(reply.status).toBe(200);
    check(reply.body);
    expect(bytes).toBeGreaterThan(0);

    // Without DB_READ_HOSTS: the same answer, all from the primary.
    const without = await throughReplica(() => opsWithout.get(path()));
    expect(without.reply.status).toBe(200);
    expect(without.bytes).toBe(0);
    expect(without.reply.body).toEqual(reply.body);
  });

  it("the audit export's batches are read from the replica too, not only its count", async () => {
    replicaLine.recentFromClients = '';
    const exported = await throughReplica(() => ops.get('/api/audit.csv?entityType=kiosk'));
    expect(exported.reply.status).toBe(200);
    expect(exported.reply.text).toMatch(/^at_utc,/);
    // The count asks for one entry; a batch for up to 1,000.
    expect(replicaLine.recentFromClients).toMatch(/SELECT .*FROM `audit_entries`.* LIMIT 1\b/s);
    expect(replicaLine.recentFromClients).toMatch(/SELECT .*FROM `audit_entries`.* LIMIT 1000\b/s);
    const without = await throughReplica(() => opsWithout.get('/api/audit.csv?entityType=kiosk'));
    expect(without.bytes).toBe(0);
    expect(without.reply.text).toBe(exported.reply.text);
  });

  it('reads stay on the primary by default: TypeORM sends SELECTs to the replicas only when asked', () => {
    expect(withReplica.app.get(DataSource).defaultReplicationModeForReads()).toBe('master');
    expect(withReplica.app.get(Database).hasReadReplicas).toBe(true);
    expect(primaryOnly.app.get(Database).hasReadReplicas).toBe(false);
  });

  it('with the replica unreachable the lists are served by the primary', async () => {
    await replicaLine.cut();
    try {
      const list = await ops.get(`/api/kiosks?siteId=${ids.siteA}`);
      expect(list.status).toBe(200);
      expect(list.body.items.map((k: { code: string }) => k.code)).toContain('MZ-1F-07');
      const audit = await ops.get(`/api/audit?entityType=kiosk`);
      expect(audit.status).toBe(200);
    } finally {
      await replicaLine.restore();
    }
  });

  it('dispatch and the agent protocol use the primary: enrolment, heartbeat, a wake now, its delivery and result', async () => {
    const kiosk = (await primaryOnly.db.query(`SELECT id FROM kiosks WHERE code = 'MZ-1F-07'`))[0].id;
    const { bytes } = await throughReplica(async () => {
      const agent = await enrolAgent(ops, ids.siteA, 'pi-2');
      expect((await agent.client.post('/heartbeat', { version: '1.2.0', uptimeS: 10, time: new Date().toISOString(), buffered: 0 })).status).toBe(200);
      const wake = await ops.post('/api/power-commands', { action: 'wake', kioskIds: [kiosk] });
      expect(wake.status).toBe(201);
      expect(wake.body.counts).toMatchObject({ kiosks: 1, sent: 1 });
      const commands = (await agent.client.get('/commands?wait=0')).body.commands;
      expect(commands).toHaveLength(1);
      const result = await agent.client.post(`/commands/${commands[0].id}/result`, {
        status: 'done',
        startedAt: new Date().toISOString(),
        finishedAt: new Date().toISOString(),
        targets: [{ kioskId: kiosk, ok: true, error: null }],
      });
      expect(result.status).toBe(204);
    });
    expect(bytes).toBe(0);
  });
});
