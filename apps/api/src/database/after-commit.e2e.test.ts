import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, TestApi } from '../../testing/test-app';
import { Database } from './database.service';

/** A service's write can run inside another service's transaction and still act once the whole has committed. */
describe('Database.afterCommit', () => {
  let api: TestApi;
  let db: Database;
  /** Read on a connection of its own: what another process (the worker) would see. */
  const visibleElsewhere = async (id: string) => (await api.db.query('SELECT id FROM hospitals WHERE id = ?', [id])).length === 1;
  const addHospital = (id: string) =>
    db.manager.query(`INSERT INTO hospitals (id, code, name, created_at, updated_at) VALUES (?, ?, 'After commit', UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))`, [id, id.slice(0, 8)]);

  beforeAll(async () => {
    api = await startTestApi();
    db = api.app.get(Database);
  });
  afterAll(() => api?.close());

  it('runs once the outermost transaction has committed, before its caller resumes', async () => {
    const id = randomUUID();
    const seen: boolean[] = [];
    await db.transaction(async () => {
      await db.transaction(async () => {
        await addHospital(id);
        await db.afterCommit(async () => void seen.push(await visibleElsewhere(id)));
      });
      expect(seen).toEqual([]); // the inner transaction is part of the outer one: nothing committed yet
    });
    expect(seen).toEqual([true]);
  });

  it('never runs when the transaction rolls back', async () => {
    const id = randomUUID();
    let ran = false;
    await expect(
      db.transaction(async () => {
        await addHospital(id);
        await db.afterCommit(async () => void (ran = true));
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    expect(ran).toBe(false);
    expect(await visibleElsewhere(id)).toBe(false);
  });

  it('outside a transaction, runs at once', async () => {
    let ran = false;
    await db.afterCommit(async () => void (ran = true));
    expect(ran).toBe(true);
  });
});
