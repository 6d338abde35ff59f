import { afterAll, describe, expect, it } from 'vitest';
import { createDataSource, dropDatabase, ensureDatabase } from '../apps/api/src/database/data-source';
import { testConfig } from '../apps/api/src/testing/test-app';
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
