import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kioskBody, seedTwoHospitals } from '../../testing/fixtures';
import { Client, startTestApi, TestApi } from '../../testing/test-app';

interface Bar { start: string; end: string; startLocal: string; endLocal: string; ruleId: string }
interface Day { date: string; start: string; end: string; state: string; ruleId: string | null; bars: Bar[] }
interface Group { id: string; timeZone: string; kioskCount: number; kiosks: { id: string; code: string }[]; siteIds: string[]; days: Day[] }

const FESTIVAL = ['2027-02-06', '2027-02-07', '2027-02-08', '2027-02-09', '2027-02-10', '2027-02-11', '2027-02-12'];

describe('schedule calendar of a site or a hospital', () => {
  let api: TestApi;
  let ids: Awaited<ReturnType<typeof seedTwoHospitals>>;
  let ops: Client;
  let staffA: Client;
  let kiosksA: string[];
  let secondSite: string;
  let everyDay: string;
  let festival: string;
  let pairHours: string;

  beforeAll(async () => {
    api = await startTestApi();
    ids = await seedTwoHospitals(api.db);
    ops = await api.login('ops');
    staffA = await api.login('staff-a');
    secondSite = (await ops.post('/api/sites', { hospitalId: ids.hospitalA, name: 'A east', timeZone: 'Asia/Shanghai' })).body.id;
    kiosksA = [];
    for (let n = 1; n <= 6; n++) {
      const res = await ops.post('/api/kiosks', kioskBody(n <= 4 ? ids.siteA : secondSite, n));
      expect(res.status).toBe(201);
      kiosksA.push(res.body.id);
    }
    const rule = async (body: Record<string, unknown>) => {
      const res = await staffA.post('/api/rules', { hospitalId: ids.hospitalA, ...body });
      expect(res.status).toBe(201);
      return res.body.id as string;
    };
    everyDay = await rule({ name: 'Opening hours', scope: { kind: 'hospital' }, layer: 'regular', windows: [{ start: '07:00', end: '20:00' }] });
    festival = await rule({
      name: 'Spring Festival',
      scope: { kind: 'hospital' },
      layer: 'override',
      from: FESTIVAL[0],
      until: FESTIVAL[6],
      windows: [],
    });
    // The precedence trap on purpose: a kiosk rule outranks the hospital override.
    pairHours = await rule({
      name: '=Lobby pair',
      scope: { kind: 'kiosks', kioskIds: [kiosksA[0], kiosksA[4]] },
      layer: 'regular',
      windows: [{ start: '08:00', end: '16:00' }],
    });
    // Different rules, same hours over the festival: must not split the others' group.
    await rule({ name: 'Maintenance day', scope: { kind: 'kiosks', kioskIds: [kiosksA[2]] }, layer: 'override', from: '2027-05-01', until: '2027-05-01', windows: [] });
  });
  afterAll(() => api?.close());

  const calendar = (client: Client, query: string) => client.get(`/api/schedule/calendar?${query}`);

  it('Spring Festival: the whole hospital off except two kiosks with their own rule on 08:00-16:00', async () => {
    const res = await calendar(staffA, `hospitalId=${ids.hospitalA}&from=${FESTIVAL[0]}&to=${FESTIVAL[6]}`);
    expect(res.status).toBe(200);
    expect(res.body.scope).toMatchObject({ kind: 'hospital', id: ids.hospitalA, name: 'Hospital A' });
    const groups: Group[] = res.body.groups;
    expect(groups.map((g) => g.kioskCount)).toEqual([4, 2]);
    const [others, pair] = groups;
    expect(others.kiosks.map((k) => k.id).sort()).toEqual([kiosksA[1], kiosksA[2], kiosksA[3], kiosksA[5]].sort());
    expect(others.siteIds.sort()).toEqual([ids.siteA, secondSite].sort());
    expect(pair.kiosks.map((k) => k.code)).toEqual(['MZ-1F-01', 'MZ-1F-05']);
    expect(others.days.map((d) => d.date)).toEqual(FESTIVAL);
    for (const day of others.days) expect(day).toMatchObject({ state: 'managed', ruleId: festival, bars: [] });
    for (const day of pair.days) {
      expect(day.ruleId).toBe(pairHours);
      expect(day.bars).toHaveLength(1);
    }
    // Shanghai is UTC+8: 08:00-16:00 local is 00:00-08:00Z of the same date.
    expect(pair.days[0].bars[0]).toEqual({
      start: '2027-02-06T00:00:00.000Z',
      end: '2027-02-06T08:00:00.000Z',
      startLocal: '08:00',
      endLocal: '16:00',
      ruleId: pairHours,
    });
    expect(res.body.legend.map((r: { name: string }) => r.name)).toEqual(['Spring Festival', '=Lobby pair']);
    expect(res.body.legend[1]).toMatchObject({ id: pairHours, layer: 'regular', scopeKind: 'kiosks' });
    expect(new Set(res.body.legend.map((r: { colorKey: number }) => r.colorKey)).size).toBe(2);
  });

  it('a range across the festival\'s start: ordinary days, then off; a site alone lists only its kiosks', async () => {
    const res = await calendar(staffA, `siteId=${secondSite}&from=2027-02-04&to=2027-02-07`);
    expect(res.status).toBe(200);
    expect(res.body.sites).toEqual([{ id: secondSite, name: 'A east', timeZone: 'Asia/Shanghai' }]);
    const groups: Group[] = res.body.groups;
    // Equal sizes: ordered by their first kiosk's code.
    expect(groups.map((g) => g.kiosks.map((k) => k.code))).toEqual([['MZ-1F-05'], ['MZ-1F-06']]);
    const days = groups[1].days;
    expect(days.map((d) => [d.date, d.ruleId, d.bars.map((b) => `${b.startLocal}-${b.endLocal}`)])).toEqual([
      ['2027-02-04', everyDay, ['07:00-20:00']],
      ['2027-02-05', everyDay, ['07:00-20:00']],
      ['2027-02-06', festival, []],
      ['2027-02-07', festival, []],
    ]);
    expect(days[0]).toMatchObject({ start: '2027-02-03T16:00:00.000Z', end: '2027-02-04T16:00:00.000Z' });
  });

  it('Europe/London: the spring-forward date has 23 hours, the fall-back date 25, and bars across the jump are right', async () => {
    const staffB = await api.login('staff-b');
    await ops.post('/api/kiosks', kioskBody(ids.siteB, 7));
    const night = await staffB.post('/api/rules', {
      hospitalId: ids.hospitalB,
      name: 'Night printing',
      scope: { kind: 'hospital' },
      layer: 'regular',
      windows: [{ start: '00:00', end: '04:00' }, { start: '20:00', end: '24:00' }],
    });
    expect(night.status).toBe(201);

    const spring = await calendar(staffB, `siteId=${ids.siteB}&from=2027-03-27&to=2027-03-28`);
    expect(spring.status).toBe(200);
    const [saturday, sunday] = (spring.body.groups as Group[])[0].days;
    expect(saturday).toMatchObject({ start: '2027-03-27T00:00:00.000Z', end: '2027-03-28T00:00:00.000Z' });
    expect(sunday).toMatchObject({ date: '2027-03-28', start: '2027-03-28T00:00:00.000Z', end: '2027-03-28T23:00:00.000Z' });
    // 01:00 GMT jumps to 02:00 BST: 00:00-04:00 local lasts 3 hours; 20:00 BST is 19:00Z.
    expect(sunday.bars.map((b) => [b.startLocal, b.endLocal, b.start, b.end])).toEqual([
      ['00:00', '04:00', '2027-03-28T00:00:00.000Z', '2027-03-28T03:00:00.000Z'],
      ['20:00', '24:00', '2027-03-28T19:00:00.000Z', '2027-03-28T23:00:00.000Z'],
    ]);

    const autumn = await calendar(staffB, `siteId=${ids.siteB}&from=2027-10-31&to=2027-10-31`);
    const [fallBack] = (autumn.body.groups as Group[])[0].days;
    expect(fallBack).toMatchObject({ start: '2027-10-30T23:00:00.000Z', end: '2027-11-01T00:00:00.000Z' });
    // 02:00 BST falls back to 01:00 GMT: 00:00-04:00 local lasts 5 hours.
    expect(fallBack.bars.map((b) => [b.startLocal, b.endLocal, b.start, b.end])).toEqual([
      ['00:00', '04:00', '2027-10-30T23:00:00.000Z', '2027-10-31T04:00:00.000Z'],
      ['20:00', '24:00', '2027-10-31T20:00:00.000Z', '2027-11-01T00:00:00.000Z'],
    ]);
  });

  it('refuses a range over 62 dates, a reversed range, a missing or double scope and an impossible date, with stable codes', async () => {
    const ok = await calendar(staffA, `siteId=${ids.siteA}&from=2027-03-01&to=2027-05-01`);
    expect(ok.status).toBe(200);
    expect(ok.body.groups[0].days).toHaveLength(62);
    const cases: [string, string, string?][] = [
      [`siteId=${ids.siteA}&from=2027-03-01&to=2027-05-02`, 'CALENDAR_RANGE_TOO_LONG', 'to'],
      [`siteId=${ids.siteA}&from=2027-03-02&to=2027-03-01`, 'CALENDAR_RANGE_INVALID', 'to'],
      [`from=2027-03-01&to=2027-03-07`, 'CALENDAR_SCOPE_REQUIRED'],
      [`siteId=${ids.siteA}&hospitalId=${ids.hospitalA}&from=2027-03-01&to=2027-03-07`, 'CALENDAR_SCOPE_REQUIRED'],
      [`siteId=${ids.siteA}&from=2027-02-30&to=2027-03-07`, 'VALIDATION_FAILED', 'from'],
      [`siteId=${ids.siteA}&from=2027-03-01`, 'VALIDATION_FAILED', 'to'],
    ];
    for (const [query, code, field] of cases) {
      const res = await calendar(staffA, query);
      expect(res.status, query).toBe(400);
      expect(res.body.error.code, query).toBe(code);
      if (field) expect(res.body.error.field, query).toBe(field);
    }
  });

  it('staff of another hospital get 404 as for a missing site or hospital, and the refusal is audited', async () => {
    const staffB = await api.login('staff-b');
    const range = 'from=2027-02-06&to=2027-02-12';
    const site = await calendar(staffB, `siteId=${ids.siteA}&${range}`);
    const missingSite = await calendar(staffB, `siteId=00000000-0000-4000-8000-000000000000&${range}`);
    expect([site.status, missingSite.status]).toEqual([404, 404]);
    expect(site.body.error.code).toBe(missingSite.body.error.code);
    const hospital = await calendar(staffB, `hospitalId=${ids.hospitalA}&${range}`);
    const missingHospital = await calendar(staffB, `hospitalId=00000000-0000-4000-8000-000000000000&${range}`);
    expect([hospital.status, missingHospital.status]).toEqual([404, 404]);
    expect(hospital.body.error.code).toBe('HOSPITAL_NOT_FOUND');
    expect(missingHospital.body.error.code).toBe('HOSPITAL_NOT_FOUND');
    const denied = await api.db.query(`SELECT entity_type FROM audit_entries WHERE action = 'access_denied' AND hospital_id = ?`, [ids.hospitalA]);
    expect(denied.map((r: { entity_type: string }) => r.entity_type).sort()).toEqual(['hospital', 'site']);
    const viewer = await api.login('viewer-a');
    expect((await calendar(viewer, `hospitalId=${ids.hospitalA}&${range}`)).status).toBe(200);
  });

  it('CSV (format=csv or Accept: text/csv): one row per group, date and bar, local times with the zone, formula cells guarded', async () => {
    const query = `hospitalId=${ids.hospitalA}&from=${FESTIVAL[0]}&to=${FESTIVAL[1]}`;
    const res = await calendar(staffA, `${query}&format=csv`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toMatch(/schedule-2027-02-06-2027-02-07\.csv/);
    const rows: Record<string, string>[] = parse(res.text, { columns: true });
    expect(rows).toHaveLength(4); // 2 groups x 2 dates, one bar or none each
    expect(rows[0]).toMatchObject({
      date: '2027-02-06', timeZone: 'Asia/Shanghai', group: 'g1', kioskCount: '4', state: 'off', start: '', end: '', rule: 'Spring Festival',
    });
    expect(rows[0].kiosks.split(' ')).toEqual(['MZ-1F-02', 'MZ-1F-03', 'MZ-1F-04', 'MZ-1F-06']);
    expect(rows[0].sites.split('; ').sort()).toEqual(['A east', 'A main']);
    expect(rows[2]).toMatchObject({
      date: '2027-02-06', group: 'g2', kioskCount: '2', kiosks: 'MZ-1F-01 MZ-1F-05', state: 'on', start: '08:00', end: '16:00',
      startUtc: '2027-02-06T00:00:00.000Z', endUtc: '2027-02-06T08:00:00.000Z', rule: "'=Lobby pair", layer: 'regular', scope: 'kiosks',
    });
    const byAccept = await staffA.request('GET', `/api/schedule/calendar?${query}`, undefined, { accept: 'text/csv' });
    expect(byAccept.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(byAccept.text).toBe(res.text);
    const refused = await staffA.request('GET', `/api/schedule/calendar?hospitalId=${ids.hospitalA}&from=2027-01-01&to=2027-12-31`, undefined, { accept: 'text/csv' });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('CALENDAR_RANGE_TOO_LONG');
  });
});
