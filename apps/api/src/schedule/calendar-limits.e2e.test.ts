import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kioskBody, seedTwoHospitals } from '../../testing/fixtures';
import { Client, startTestApi, TestApi } from '../../testing/test-app';

/** 48 quarter-hour windows: the most a rule may have. */
const SHORT_WINDOWS = Array.from({ length: 48 }, (_, i) => {
  const hour = String(Math.floor(i / 2)).padStart(2, '0');
  return i % 2 ? { start: `${hour}:30`, end: `${hour}:45` } : { start: `${hour}:00`, end: `${hour}:15` };
});
const KIOSKS = 32;

/**
 * The review's attack: one hospital rule of 48 short windows and one-day overrides
 * scoped to the kiosks whose index has bit b set, so that every kiosk has a rule set
 * of its own and nothing merges. Unguarded, a 62-date hospital calendar of 32 kiosks
 * costs seconds of CPU and ~12 MB of JSON; of 1,000 kiosks, a minute and >1.5 GB.
 */
describe('schedule calendar limits: work budget, answer cap, one request at a time', () => {
  let api: TestApi;
  let ids: Awaited<ReturnType<typeof seedTwoHospitals>>;
  let ops: Client;
  let staffB: Client;

  beforeAll(async () => {
    api = await startTestApi();
    ids = await seedTwoHospitals(api.db);
    ops = await api.login('ops');
    staffB = await api.login('staff-b');
    const kiosks: string[] = [];
    for (let n = 1; n <= KIOSKS; n++) {
      const res = await ops.post('/api/kiosks', kioskBody(ids.siteB, n));
      expect(res.status).toBe(201);
      kiosks.push(res.body.id);
    }
    const rule = async (body: Record<string, unknown>) =>
      expect((await staffB.post('/api/rules', { hospitalId: ids.hospitalB, ...body })).status).toBe(201);
    await rule({ name: 'Many windows', scope: { kind: 'hospital' }, layer: 'regular', windows: SHORT_WINDOWS });
    for (let bit = 0; 1 << bit < KIOSKS; bit++) {
      const date = `2027-01-${String(bit + 2).padStart(2, '0')}`;
      const kioskIds = kiosks.filter((_, i) => (i >> bit) & 1);
      await rule({ name: `Bit ${bit}`, scope: { kind: 'kiosks', kioskIds }, layer: 'override', from: date, until: date, windows: SHORT_WINDOWS });
    }
  }, 120_000);
  afterAll(() => api?.close());

  it('refuses a hospital calendar too detailed to compute, before computing it, with a stable code', async () => {
    const auditBefore = (await ops.get('/api/audit?pageSize=1')).body.total;
    const started = Date.now();
    const res = await staffB.get(`/api/schedule/calendar?hospitalId=${ids.hospitalB}&from=2027-01-01&to=2027-03-03`);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('CALENDAR_TOO_DETAILED');
    expect(res.body.error.message).toMatch(/site|fewer dates/);
    // Refused from the estimate: nowhere near the seconds the computation takes.
    expect(Date.now() - started).toBeLessThan(1000);
    expect((await ops.get('/api/audit?pageSize=1')).body.total).toBe(auditBefore);
    // CSV is refused the same way.
    const csv = await staffB.get(`/api/schedule/calendar?hospitalId=${ids.hospitalB}&from=2027-01-01&to=2027-03-03&format=csv`);
    expect(csv.status).toBe(400);
    expect(csv.body.error.code).toBe('CALENDAR_TOO_DETAILED');
  });

  it('the same kiosks over fewer dates are answered', async () => {
    const res = await staffB.get(`/api/schedule/calendar?hospitalId=${ids.hospitalB}&from=2027-01-01&to=2027-01-07`);
    expect(res.status).toBe(200);
    expect(res.body.groups.length).toBe(KIOSKS);
    expect(res.body.groups.every((g: { days: unknown[] }) => g.days.length === 7)).toBe(true);
  });

  it('one calendar request at a time per user: 409 CALENDAR_IN_PROGRESS while one runs, others unaffected', async () => {
    const key = `${api.config.redis.prefix}calendar:${ids.users['staff-b']}`;
    await api.redis.set(key, 'held', 'PX', 5000);
    try {
      // Waits ~2 s for the user's running calendar, then refuses.
      const held = await staffB.get(`/api/schedule/calendar?siteId=${ids.siteB}&from=2027-01-01&to=2027-01-02`);
      expect(held.status).toBe(409);
      expect(held.body.error.code).toBe('CALENDAR_IN_PROGRESS');
      // The lock is the user's: ops is answered meanwhile.
      expect((await ops.get(`/api/schedule/calendar?siteId=${ids.siteB}&from=2027-01-01&to=2027-01-02`)).status).toBe(200);
    } finally {
      await api.redis.del(key);
    }
    // Two at once, as the console's quick navigation sends them: the second waits for the first instead of failing.
    const both = await Promise.all(
      ['2027-01-01', '2027-01-08'].map((from) => staffB.get(`/api/schedule/calendar?siteId=${ids.siteB}&from=${from}&to=${from}`)),
    );
    expect(both.map((r) => r.status)).toEqual([200, 200]);
    // Released after each request: two in a row both pass.
    for (let i = 0; i < 2; i++) {
      expect((await staffB.get(`/api/schedule/calendar?siteId=${ids.siteB}&from=2027-01-01&to=2027-01-02`)).status).toBe(200);
    }
  });
});
