import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createDataSource, dropDatabase, ensureDatabase } from '../apps/api/src/database/data-source';
import { testConfig } from '../apps/api/testing/test-app';
import { migrations } from './index';

describe('migrations', () => {
  const config = testConfig();
  afterAll(() => dropDatabase(config.db));

  it('apply all on an empty database, then revert all, leaving no table behind', async () => {
    await ensureDatabase(config.db);
    const ds = createDataSource(config.db);
    await ds.initialize();
    try {
      const tables = async () =>
        (await ds.query(`SELECT table_name AS t FROM information_schema.tables WHERE table_schema = ? ORDER BY 1`, [config.db.database])).map(
          (r: { t: string }) => r.t,
        );
      expect(await tables()).toEqual([]);

      const applied = await ds.runMigrations({ transaction: 'each' });
      expect(applied.map((m) => m.name)).toEqual(migrations.map((m) => new m().name));
      expect(await tables()).toEqual(
        expect.arrayContaining(['agents', 'audit_entries', 'hospitals', 'kiosks', 'power_rules', 'sites', 'user_hospitals', 'users']),
      );
      // Applying again is a no-op.
      expect(await ds.runMigrations({ transaction: 'each' })).toEqual([]);

      for (let i = 0; i < migrations.length; i++) await ds.undoLastMigration({ transaction: 'each' });
      expect(await tables()).toEqual(['migrations']);
    } finally {
      await ds.destroy();
    }
  });
});

describe('1764610000000: shutdown methods become names', () => {
  const config = testConfig();
  afterAll(() => dropDatabase(config.db));
  const MIGRATION = 'ShutdownMethodNames1764610000000';
  const json = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);

  it('maps recognisable inline methods to names and the rest to NULL, audits and prints each changed kiosk; down restores {method: name}', async () => {
    await ensureDatabase(config.db);
    const ds = createDataSource(config.db);
    await ds.initialize();
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      await ds.runMigrations({ transaction: 'each' });
      const applied = async () => (await ds.query('SELECT name FROM migrations')).map((r: { name: string }) => r.name);
      while ((await applied()).includes(MIGRATION)) await ds.undoLastMigration({ transaction: 'each' });

      const hospitalId = randomUUID();
      const siteId = randomUUID();
      const old = new Date('2025-01-01T00:00:00Z');
      await ds.query(`INSERT INTO hospitals (id, code, name, created_at, updated_at) VALUES (?, 'HA', 'Hospital A', ?, ?)`, [hospitalId, old, old]);
      await ds.query(`INSERT INTO sites (id, hospital_id, name, time_zone, created_at, updated_at) VALUES (?, ?, 'Main', 'Asia/Shanghai', ?, ?)`, [siteId, hospitalId, old, old]);
      const samples: Array<[code: string, method: unknown, expected: string | null]> = [
        ['NET', { method: 'command', argv: ['net', 'rpc', 'shutdown', '-I', '{ip}', '-f'] }, 'net-rpc'],
        ['NET-PATH', { method: 'command', argv: ['/usr/bin/net', 'rpc', 'shutdown', '-I', '{ip}'], timeoutS: 30 }, 'net-rpc'],
        ['NET-ADS', { method: 'command', argv: ['net', 'ads', 'leave'] }, null],
        ['SSH', { method: 'command', argv: ['ssh', 'admin@{ip}', 'shutdown', '/s', '/t', '0'] }, 'ssh-shutdown'],
        ['HTTP', { method: 'http', url: 'http://{ip}:8080/shutdown', httpMethod: 'POST' }, 'http-post'],
        ['SHELL', { method: 'command', argv: ['/bin/sh', '-c', 'id > proof.txt'] }, null],
        ['NOTNET', { method: 'command', argv: ['/opt/evil/netx', 'rpc'] }, null],
        ['NONE', null, null],
      ];
      for (const [i, [code, method]] of samples.entries()) {
        await ds.query(
          `INSERT INTO kiosks (id, hospital_id, site_id, code, name, kind, mac, shutdown_method, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'registration', ?, ?, ?, ?)`,
          [randomUUID(), hospitalId, siteId, code, `Kiosk ${code}`, `00:1a:2b:3c:4d:${String(10 + i)}`, method === null ? null : JSON.stringify(method), old, old],
        );
      }

      await ds.runMigrations({ transaction: 'each' });
      expect(await applied()).toContain(MIGRATION);
      const [column] = await ds.query(
        `SELECT DATA_TYPE AS type, CHARACTER_MAXIMUM_LENGTH AS length, IS_NULLABLE AS nullable FROM information_schema.columns WHERE table_schema = ? AND table_name = 'kiosks' AND column_name = 'shutdown_method'`,
        [config.db.database],
      );
      expect({ ...column, length: Number(column.length) }).toEqual({ type: 'varchar', length: 32, nullable: 'YES' });
      const kiosks = await ds.query('SELECT id, code, shutdown_method, updated_at FROM kiosks');
      const byCode = Object.fromEntries(kiosks.map((k: { code: string }) => [k.code, k]));
      for (const [code, , expected] of samples) expect([code, byCode[code].shutdown_method]).toEqual([code, expected]);
      // A name fits the column as it is (no JSON check left behind by MariaDB's JSON type).
      await ds.query(`UPDATE kiosks SET shutdown_method = 'simulated' WHERE code = 'NONE'`);

      const audit = await ds.query(`SELECT actor_id, actor_name, action, entity_type, entity_id, hospital_id, \`before\`, \`after\` FROM audit_entries ORDER BY id`);
      const changed = samples.filter(([, method]) => method !== null);
      expect(audit).toHaveLength(changed.length);
      for (const [code, method, expected] of changed) {
        const entry = audit.find((a: { entity_id: string }) => a.entity_id === byCode[code].id);
        expect(entry).toMatchObject({ actor_id: null, actor_name: 'system', action: 'update', entity_type: 'kiosk', hospital_id: hospitalId });
        expect(json(entry.before)).toEqual({ code, name: `Kiosk ${code}`, shutdownMethod: method });
        expect(json(entry.after)).toEqual({ code, name: `Kiosk ${code}`, shutdownMethod: expected });
        expect(new Date(byCode[code].updated_at).getTime()).toBeGreaterThan(old.getTime());
      }
      expect(new Date(byCode.NONE.updated_at).getTime()).toBe(old.getTime());
      const lines = log.mock.calls.map((c) => String(c[0]));
      expect(lines).toHaveLength(changed.length);
      expect(lines).toContainEqual(expect.stringMatching(/^\[migration\] kiosk NET \(.*\): shutdown method \{"method":"command".*-> "net-rpc"/));
      expect(lines).toContainEqual(expect.stringMatching(/^\[migration\] kiosk SHELL \(.*\): shutdown method .*\/bin\/sh.* -> none \(not recognised/));

      // Later migrations are reverted first, down to this one.
      while ((await applied()).includes(MIGRATION)) await ds.undoLastMigration({ transaction: 'each' });
      const reverted = await ds.query('SELECT code, shutdown_method FROM kiosks');
      const method = (code: string) => json(reverted.find((k: { code: string }) => k.code === code).shutdown_method);
      expect(method('NET')).toEqual({ method: 'net-rpc' });
      expect(method('HTTP')).toEqual({ method: 'http-post' });
      expect(method('NONE')).toEqual({ method: 'simulated' });
      expect(method('SHELL')).toBeNull();
    } finally {
      log.mockRestore();
      await ds.destroy();
    }
  });
});

describe('1764700000000: usernames normalised, compared byte for byte', () => {
  const MIGRATION = 'NormalisedUsernames1764700000000';

  async function beforeIt(config: ReturnType<typeof testConfig>) {
    await ensureDatabase(config.db);
    const ds = createDataSource(config.db);
    await ds.initialize();
    await ds.runMigrations({ transaction: 'each' });
    const applied = async () => (await ds.query('SELECT name FROM migrations')).map((r: { name: string }) => r.name);
    while ((await applied()).includes(MIGRATION)) await ds.undoLastMigration({ transaction: 'each' });
    const old = new Date('2025-01-01T00:00:00Z');
    const addUser = (username: string) =>
      ds.query(
        `INSERT INTO users (id, username, display_name, password_hash, role, disabled, created_at, updated_at) VALUES (?, ?, '', 'x', 'viewer', 0, ?, ?)`,
        [randomUUID(), username, old, old],
      );
    return { ds, applied, addUser, old };
  }
  const collation = async (ds: Awaited<ReturnType<typeof beforeIt>>['ds'], database: string) =>
    (
      await ds.query(
        `SELECT COLLATION_NAME AS c FROM information_schema.columns WHERE table_schema = ? AND table_name = 'users' AND column_name = 'username'`,
        [database],
      )
    )[0].c;

  it('renames each account to its normalised name (audited, printed), makes the column binary; down restores the collation', async () => {
    const config = testConfig();
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const { ds, applied, addUser, old } = await beforeIt(config);
    try {
      for (const name of ['viewer', 'Admin ', 'víctor', 'ＯＰＳ']) await addUser(name);
      await ds.runMigrations({ transaction: 'each' });
      expect(await applied()).toContain(MIGRATION);
      expect(await collation(ds, config.db.database)).toBe('utf8mb4_bin');
      const users = await ds.query('SELECT id, username, updated_at FROM users ORDER BY username');
      expect(users.map((u: { username: string }) => u.username)).toEqual(['admin', 'ops', 'victor', 'viewer']);
      expect(new Date(users.find((u: { username: string }) => u.username === 'viewer').updated_at).getTime()).toBe(
        old.getTime(),
      );
      const audit = await ds.query(
        `SELECT actor_name, action, entity_type, entity_id, \`before\`, \`after\` FROM audit_entries ORDER BY id`,
      );
      const json = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);
      expect(audit.map((a: { before: unknown; after: unknown }) => [json(a.before), json(a.after)])).toEqual(
        expect.arrayContaining([
          [{ username: 'Admin ' }, { username: 'admin' }],
          [{ username: 'víctor' }, { username: 'victor' }],
          [{ username: 'ＯＰＳ' }, { username: 'ops' }],
        ]),
      );
      expect(audit).toHaveLength(3);
      expect(
        audit.every(
          (a: { actor_name: string; entity_type: string }) => a.actor_name === 'system' && a.entity_type === 'user',
        ),
      ).toBe(true);
      expect(log.mock.calls.map((c) => String(c[0]))).toContainEqual(
        expect.stringMatching(/^\[migration\] user .*: username "Admin " -> "admin"/),
      );
      // Byte for byte now: another spelling is another name (the API never stores one).
      await addUser('Viewer');

      await ds.query(`DELETE FROM users WHERE username = 'Viewer'`);
      // Later migrations first: this one need not be the last.
      while ((await applied()).includes(MIGRATION)) await ds.undoLastMigration({ transaction: 'each' });
      expect(await collation(ds, config.db.database)).toBe('utf8mb4_unicode_ci');
    } finally {
      log.mockRestore();
      await ds.destroy();
      await dropDatabase(config.db);
    }
  });

  it('refuses, changing nothing, when two accounts would become one, naming both', async () => {
    const config = testConfig();
    const { ds, applied, addUser } = await beforeIt(config);
    try {
      // Distinct under utf8mb4_unicode_ci (it weighs every supplementary character alike), one account once normalised.
      await addUser('ops');
      await addUser('𝗈ps');
      await addUser('Staff');
      await expect(ds.runMigrations({ transaction: 'each' })).rejects.toThrow(
        /"ops" \(id .*\), "𝗈ps" \(id .*\) would all become "ops"[\s\S]*Rename or delete/,
      );
      expect(await applied()).not.toContain(MIGRATION);
      expect(await collation(ds, config.db.database)).toBe('utf8mb4_unicode_ci');
      expect(
        (await ds.query('SELECT username FROM users ORDER BY username')).map((u: { username: string }) => u.username),
      ).toEqual(expect.arrayContaining(['ops', '𝗈ps', 'Staff']));
    } finally {
      await ds.destroy();
      await dropDatabase(config.db);
    }
  });
});
