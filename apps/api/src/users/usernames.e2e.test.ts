import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedTwoHospitals } from '../../testing/fixtures';
import { Client, startTestApi, TestApi } from '../../testing/test-app';

describe('usernames: one account per name after trimming, NFKC, lower case and accents', () => {
  let api: TestApi;
  let admin: Client;
  beforeAll(async () => {
    api = await startTestApi();
    await seedTwoHospitals(api.db);
    admin = await api.login('admin');
  });
  afterAll(() => api?.close());

  const create = (username: string) =>
    admin.post('/api/users', { username, password: 'correct horse battery', role: 'viewer' });

  it('a name that differs from an existing one only that way is taken (409)', async () => {
    for (const username of ['Viewer ', ' viewer', 'VIEWER', 'ｖｉｅｗｅｒ', 'víewer']) {
      const res = await create(username);
      expect([username, res.status]).toEqual([username, 409]);
      expect(res.body.error).toMatchObject({ code: 'USERNAME_TAKEN', field: 'username' });
    }
    const [{ n }] = await api.db.query(`SELECT COUNT(*) AS n FROM users`);
    expect(Number(n)).toBe(6);
  });

  it('a new account is stored under its normalised name, which is how it signs in and is found', async () => {
    const created = await create(' Nurse-Li ');
    expect(created.status).toBe(201);
    expect(created.body.username).toBe('nurse-li');
    await api.login('NURSE-LI ', 'correct horse battery');
    const found = await admin.get('/api/users?q=NURSE');
    expect(found.body.items.map((u: { username: string }) => u.username)).toEqual(['nurse-li']);
    // What no normalisation makes valid is still refused as before.
    expect((await create('nurse li')).body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'username' });
  });
});
