import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kioskBody, seedTwoHospitals } from '../../testing/fixtures';
import { Client, startTestApi, TestApi } from '../../testing/test-app';
import { macDigitsOf } from './kiosks.service';

interface Hit {
  id: string;
  code: string;
  name: string;
  ip: string | null;
  mac: string;
  site: { id: string; name: string; timeZone: string };
  hospital: { id: string; code: string; name: string };
}

describe('kiosk search across sites', () => {
  let api: TestApi;
  let ids: Awaited<ReturnType<typeof seedTwoHospitals>>;
  let ops: Client;
  const kioskOf: Record<string, string> = {};

  beforeAll(async () => {
    api = await startTestApi();
    ids = await seedTwoHospitals(api.db);
    ops = await api.login('ops');
    const add = async (key: string, siteId: string, n: number, extra: Record<string, unknown>) => {
      const res = await ops.post('/api/kiosks', kioskBody(siteId, n, { subnet: null, ...extra }));
      if (res.status !== 201) throw new Error(`${key}: ${res.status} ${res.text}`);
      kioskOf[key] = res.body.id;
    };
    // The same code in both hospitals; names and addresses that tell them apart.
    await add('a-lobby', ids.siteA, 7, { code: 'MZ-1F-07', name: 'Lobby registration', ip: '127.0.1.7', mac: '02:57:4b:0a:00:07' });
    await add('b-lobby', ids.siteB, 7, { code: 'MZ-1F-07', name: 'Lobby registration', ip: '127.0.2.7', mac: '02:57:4b:14:00:07' });
    await add('a-pay', ids.siteA, 8, { code: 'SF-2F-01', name: 'Payment 50% off', ip: '127.0.1.8', mac: '02:57:4b:0a:00:08' });
    await add('a-other', ids.siteA, 9, { code: 'XMZ-1F-070', name: 'Report printer', ip: '127.0.1.9', mac: '02:57:4b:0a:00:09' });
  });
  afterAll(() => api?.close());

  const search = async (client: Client, q: string, limit?: number) => {
    const res = await client.get(`/api/kiosks/search?q=${encodeURIComponent(q)}${limit ? `&limit=${limit}` : ''}`);
    expect(res.status).toBe(200);
    return res.body as { items: Hit[]; truncated: boolean };
  };

  it('two kiosks with the same code in two hospitals come back with their own site and hospital; the exact code first', async () => {
    const { items, truncated } = await search(ops, 'mz-1f-07');
    expect(truncated).toBe(false);
    expect(items.map((h) => h.id)).toEqual([kioskOf['a-lobby'], kioskOf['b-lobby'], kioskOf['a-other']]);
    expect(items[0]).toMatchObject({ code: 'MZ-1F-07', site: { id: ids.siteA, name: 'A main', timeZone: 'Asia/Shanghai' }, hospital: { id: ids.hospitalA, name: 'Hospital A' } });
    expect(items[1]).toMatchObject({ code: 'MZ-1F-07', site: { id: ids.siteB, name: 'B main', timeZone: 'Europe/London' }, hospital: { id: ids.hospitalB, name: 'Hospital B' } });
  });

  it('staff find only the kiosks of their hospitals', async () => {
    const staffB = await api.login('staff-b');
    expect((await search(staffB, 'MZ-1F-07')).items.map((h) => h.id)).toEqual([kioskOf['b-lobby']]);
    expect((await search(staffB, 'Payment')).items).toEqual([]);
    const viewerA = await api.login('viewer-a');
    expect((await search(viewerA, 'Lobby')).items.map((h) => h.site.id)).toEqual([ids.siteA]);
  });

  it('keeps to one hospital when asked (the rule editor), and finds nothing in a hospital the user cannot see', async () => {
    const res = await ops.get(`/api/kiosks/search?q=MZ-1F-07&hospitalId=${ids.hospitalB}`);
    expect(res.status).toBe(200);
    expect(res.body.items.map((h: Hit) => h.id)).toEqual([kioskOf['b-lobby']]);
    const staffA = await api.login('staff-a');
    expect((await staffA.get(`/api/kiosks/search?q=MZ-1F-07&hospitalId=${ids.hospitalB}`)).body.items).toEqual([]);
    const bad = await ops.get('/api/kiosks/search?q=MZ&hospitalId=nope');
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('hospitalId');
  });

  it('finds by name, IP and MAC in any notation; LIKE wildcards are text', async () => {
    expect((await search(ops, 'report PRINTER')).items.map((h) => h.id)).toEqual([kioskOf['a-other']]);
    expect((await search(ops, '127.0.2.')).items.map((h) => h.id)).toEqual([kioskOf['b-lobby']]);
    expect((await search(ops, '14-00-07')).items.map((h) => h.id)).toEqual([kioskOf['b-lobby']]);
    expect((await search(ops, '0A:00:08')).items.map((h) => h.id)).toEqual([kioskOf['a-pay']]);
    expect((await search(ops, '4b0a0009')).items.map((h) => h.id)).toEqual([kioskOf['a-other']]);
    expect((await search(ops, '50%')).items.map((h) => h.id)).toEqual([kioskOf['a-pay']]);
    expect((await search(ops, '%')).items.map((h) => h.id)).toEqual([kioskOf['a-pay']]);
    expect((await search(ops, '_')).items).toEqual([]);
  });

  it('is bounded: at most `limit` hits and whether there were more', async () => {
    const page = await search(ops, '127.0.', 2);
    expect(page.items).toHaveLength(2);
    expect(page.truncated).toBe(true);
    expect((await search(ops, '127.0.', 4)).truncated).toBe(false);
  });

  it('refuses an empty, long or malformed query with the field named; "search" is never taken for an id', async () => {
    for (const [query, field] of [
      ['', 'q'],
      ['?q=', 'q'],
      ['?q=%20%20', 'q'],
      [`?q=${'x'.repeat(101)}`, 'q'],
      ['?q=a&limit=0', 'limit'],
      ['?q=a&limit=51', 'limit'],
      ['?q=%E2%80%AEexe', 'q'],
    ]) {
      const res = await ops.get(`/api/kiosks/search${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error.field, query).toBe(field);
    }
    expect((await api.anonymous().get('/api/kiosks/search?q=MZ')).status).toBe(401);
  });
});

describe('macDigitsOf', () => {
  it.each([
    ['00:1A:2b', '001a2b'],
    ['1a-2b', '1a2b'],
    ['3c4d5e', '3c4d5e'],
    ['0a1b.2c3d', '0a1b2c3d'],
    ['cafe', null],
    ['bed', null],
    ['a:', null],
    ['MZ-1F-07', null],
    ['Lobby', null],
  ])('%s -> %s', (text, digits) => {
    expect(macDigitsOf(text)).toBe(digits);
  });
});
