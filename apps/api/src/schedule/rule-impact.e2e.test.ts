import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kiosk } from '../kiosks/kiosk.entity';
import { KiosksRepository } from '../kiosks/kiosks.repository';
import { seedTwoHospitals } from '../../testing/fixtures';
import { Client, startTestApi, TestApi } from '../../testing/test-app';

/**
 * The rule editor's impact preview over a 1,000-kiosk hospital: a Spring Festival
 * override months away, the kiosks with their own rules that escape it (with the
 * winning rule and why), the kiosk override that includes them, and the hours on
 * before and after.
 */
describe('rule impact preview', () => {
  let api: TestApi;
  let ids: Awaited<ReturnType<typeof seedTwoHospitals>>;
  let staffA: Client;
  let siteEast: string;
  const kiosks: Kiosk[] = [];
  const rules: Record<string, string> = {};
  const festival = {
    name: 'Spring Festival',
    scope: { kind: 'hospital' },
    layer: 'override',
    from: '2027-02-05',
    until: '2027-02-11',
    windows: [],
  };

  beforeAll(async () => {
    api = await startTestApi();
    ids = await seedTwoHospitals(api.db);
    siteEast = randomUUID();
    const now = new Date();
    await api.db.query(
      `INSERT INTO sites (id, hospital_id, name, time_zone, created_at, updated_at) VALUES (?, ?, 'A east', 'Asia/Shanghai', ?, ?)`,
      [siteEast, ids.hospitalA, now, now],
    );
    // 1,000 kiosks in two sites.
    for (let i = 0; i < 1000; i++) {
      kiosks.push(
        Object.assign(new Kiosk(), {
          id: randomUUID(),
          hospitalId: ids.hospitalA,
          siteId: i < 500 ? ids.siteA : siteEast,
          code: `${i < 500 ? 'K' : 'E'}-${String(i % 500).padStart(3, '0')}`,
          name: `Kiosk ${i}`,
          kind: 'registration',
          location: '',
          notes: '',
          ip: null,
          mac: `02:00:00:00:${((i >> 8) & 0xff).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`,
          subnet: null,
          vncPort: 5900,
          shutdownMethod: null,
        }),
      );
    }
    await api.app.get(KiosksRepository).insertMany(kiosks);
    // The objects keep the ids they were inserted with (TypeORM would write others back).
    expect(await api.db.query('SELECT code FROM kiosks WHERE id IN (?, ?) ORDER BY code', [kiosks[1].id, kiosks[501].id])).toEqual([{ code: 'E-001' }, { code: 'K-001' }]);
    staffA = await api.login('staff-a');
    const create = async (key: string, body: Record<string, unknown>) => {
      const res = await staffA.post('/api/rules', { hospitalId: ids.hospitalA, ...body });
      expect(res.status, res.text).toBe(201);
      rules[key] = res.body.id;
    };
    await create('weekdays', { name: 'Weekdays', scope: { kind: 'hospital' }, layer: 'regular', days: [1, 2, 3, 4, 5], windows: [{ start: '07:00', end: '20:00' }] });
    // Two kiosks with their own regular hours, and one with its own override of priority 5.
    await create('early', { name: 'Early birds', scope: { kind: 'kiosks', kioskIds: [kiosks[1].id, kiosks[501].id] }, layer: 'regular', days: [1, 2, 3, 4, 5], windows: [{ start: '07:10', end: '18:00' }] });
    await create('pharmacy', { name: 'Pharmacy duty', scope: { kind: 'kiosks', kioskIds: [kiosks[7].id] }, layer: 'override', priority: 5, from: '2027-01-01', until: '2027-03-31', windows: [{ start: '09:00', end: '12:00' }] });
  }, 120_000);
  afterAll(() => api?.close());

  it("lists the kiosks that escape an override on its own dates, with the winning rule and why, and the hours before and after", async () => {
    const started = Date.now();
    const res = await staffA.post('/api/rules/preview', { rule: { hospitalId: ids.hospitalA, ...festival }, impact: true });
    expect(res.status, res.text).toBe(200);
    // Bounded: a 1,000-kiosk hospital over 7 dates stays interactive.
    expect(Date.now() - started).toBeLessThan(5000);
    expect(res.body.kiosks).toEqual([]);
    const impact = res.body.impact;
    expect(impact.dates).toEqual(['2027-02-05', '2027-02-06', '2027-02-07', '2027-02-08', '2027-02-09', '2027-02-10', '2027-02-11']);
    expect(impact).toMatchObject({ datesTruncated: false, scopeKiosks: 1000, governed: 997, governedByOtherRules: 0, escapingTotal: 3 });
    const escaping = impact.escaping.map((e: { code: string; site: { name: string }; winner: { name: string }; reason: string; dates: string[] }) => ({
      code: e.code,
      site: e.site.name,
      winner: e.winner.name,
      reason: e.reason,
      dates: e.dates.length,
    }));
    expect(impact.escaping[2]).toMatchObject({
      reasonCode: 'losesTo.scope',
      reasonParams: { winnerScope: 'kiosk', loserScope: 'hospital', ruleName: 'Pharmacy duty' },
    });
    expect(escaping).toEqual([
      { code: 'E-001', site: 'A east', winner: 'Early birds', reason: 'loses to "Early birds": narrower scope (kiosk over hospital)', dates: 5 },
      { code: 'K-001', site: 'A main', winner: 'Early birds', reason: 'loses to "Early birds": narrower scope (kiosk over hospital)', dates: 5 },
      { code: 'K-007', site: 'A main', winner: 'Pharmacy duty', reason: 'loses to "Pharmacy duty": narrower scope (kiosk over hospital)', dates: 7 },
    ]);
    // Only a kiosk override can win over them; it must also outrank the priority-5 one.
    expect(impact.include).toEqual({ kioskIds: expect.arrayContaining([kiosks[1].id, kiosks[501].id, kiosks[7].id]), layer: 'override', priority: 6 });
    expect(impact.include.kioskIds).toHaveLength(3);

    const friday = impact.comparison[0];
    expect(friday).toMatchObject({ date: '2027-02-05', governed: 997, after: { windows: [], hours: 0 } });
    expect(friday.before).toEqual([{ rule: { id: rules.weekdays, name: 'Weekdays' }, windows: [{ start: '07:00', end: '20:00' }], hours: 13, kiosks: 997 }]);
    // On Saturday the early birds' weekday rule is not in force: the festival holds them too.
    const saturday = impact.comparison[1];
    expect(saturday.governed).toBe(999);
    expect(saturday.before).toEqual([{ rule: null, windows: null, hours: 0, kiosks: 999 }]);
  });

  it('after the including kiosk override is saved, no kiosk escapes; the timelines start at the rule\'s first date', async () => {
    const first = (await staffA.post('/api/rules/preview', { rule: { hospitalId: ids.hospitalA, ...festival }, impact: true })).body.impact;
    const include = await staffA.post('/api/rules', {
      ...festival,
      hospitalId: ids.hospitalA,
      name: 'Spring Festival (kiosks with their own rules)',
      scope: { kind: 'kiosks', kioskIds: first.include.kioskIds },
      priority: first.include.priority,
    });
    expect(include.status, include.text).toBe(201);
    const res = await staffA.post('/api/rules/preview', {
      rule: { hospitalId: ids.hospitalA, ...festival },
      impact: true,
      kioskIds: [kiosks[7].id],
      fromDate: '2027-02-05',
      days: 7,
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.impact).toMatchObject({ scopeKiosks: 1000, governed: 1000, governedByOtherRules: 3, escapingTotal: 0, escaping: [], include: null });
    const [timeline] = res.body.kiosks;
    expect(timeline.site.name).toBe('A main');
    expect(timeline.schedule.days.map((d: { date: string }) => d.date)[0]).toBe('2027-02-05');
    expect(timeline.schedule.days.every((d: { winner: { name: string } }) => d.winner.name === 'Spring Festival (kiosks with their own rules)')).toBe(true);
    await staffA.delete(`/api/rules/${include.body.id}`);
  });

  it('a regular rule is shown over its next occurrences; an edit of a stored rule compares with the rule as stored', async () => {
    const res = await staffA.post('/api/rules/preview', {
      ruleId: rules.weekdays,
      rule: { windows: [{ start: '08:00', end: '18:00' }] },
      impact: true,
    });
    expect(res.status, res.text).toBe(200);
    const impact = res.body.impact;
    expect(impact.dates).toHaveLength(14);
    expect(impact.datesTruncated).toBe(true);
    for (const d of impact.dates) expect([6, 0]).not.toContain(new Date(`${d}T12:00:00Z`).getUTCDay());
    // The two "Early birds" kiosks escape on every weekday; the pharmacy kiosk only within its period.
    expect(impact.escaping.filter((e: { winner: { name: string } }) => e.winner.name === 'Early birds')).toHaveLength(2);
    const day = impact.comparison[0];
    expect(day.after).toEqual({ windows: [{ start: '08:00', end: '18:00' }], hours: 10 });
    // "Before" is the schedule as stored: the rule as it was.
    expect(day.before).toEqual([{ rule: { id: rules.weekdays, name: 'Weekdays' }, windows: [{ start: '07:00', end: '20:00' }], hours: 13, kiosks: day.governed }]);
  });

  it('a kiosk that a kiosk override holds cannot be included by a regular rule: it is listed, not offered', async () => {
    const res = await staffA.post('/api/rules/preview', {
      rule: { hospitalId: ids.hospitalA, name: 'Late spring hours', scope: { kind: 'hospital' }, layer: 'regular', from: '2027-02-01', until: '2027-03-31', windows: [{ start: '06:00', end: '22:00' }] },
      impact: true,
    });
    expect(res.status, res.text).toBe(200);
    const impact = res.body.impact;
    expect(impact.dates[0] >= '2027-02-01').toBe(true);
    const byCode = (code: string) => impact.escaping.filter((e: { code: string }) => e.code === code);
    expect(byCode('K-007')).toMatchObject([{ includable: false, decidedBy: 'scope', winner: { name: 'Pharmacy duty', layer: 'override', scopeKind: 'kiosks' } }]);
    expect(byCode('K-001')).toMatchObject([{ includable: true, winner: { name: 'Early birds' } }]);
    expect(byCode('E-001')).toMatchObject([{ includable: true, winner: { name: 'Early birds' } }]);
    expect(impact.include).toEqual({ kioskIds: expect.arrayContaining([kiosks[1].id, kiosks[501].id]), layer: 'regular', priority: 1 });
    expect(impact.include.kioskIds).toHaveLength(2);
  });

  it('is bounded: a construction period of months over 1,000 kiosks shows its first 31 dates, quickly', async () => {
    const started = Date.now();
    const res = await staffA.post('/api/rules/preview', {
      rule: { hospitalId: ids.hospitalA, ...festival, name: 'Construction', from: '2027-03-01', until: '2027-08-31', windows: [{ start: '10:00', end: '14:00' }] },
      impact: true,
    });
    const elapsed = Date.now() - started;
    expect(res.status, res.text).toBe(200);
    expect(res.body.impact).toMatchObject({ datesTruncated: true, scopeKiosks: 1000 });
    expect(res.body.impact.dates).toHaveLength(31);
    expect(res.body.impact.comparison).toHaveLength(31);
    console.log(`impact of a 31-date override over 1,000 kiosks: ${elapsed} ms`);
    expect(elapsed).toBeLessThan(5000);
  });

  it('bad input is refused with a stable code and stores nothing', async () => {
    const before = JSON.stringify(await api.db.query('SELECT * FROM power_rules ORDER BY id'));
    const badDate = await staffA.post('/api/rules/preview', { rule: { hospitalId: ids.hospitalA, ...festival }, impact: true, fromDate: '2027-02-30' });
    expect(badDate.status).toBe(400);
    expect(badDate.body.error).toMatchObject({ code: 'VALIDATION_FAILED' });
    const inverted = await staffA.post('/api/rules/preview', { rule: { hospitalId: ids.hospitalA, ...festival, until: '2027-02-01' }, impact: true });
    expect(inverted.status).toBe(400);
    expect(inverted.body.error.field).toBe('until');
    const staffB = await api.login('staff-b');
    const foreign = await staffB.post('/api/rules/preview', { rule: { hospitalId: ids.hospitalA, ...festival }, impact: true });
    expect(foreign.status).toBe(404);
    expect(JSON.stringify(await api.db.query('SELECT * FROM power_rules ORDER BY id'))).toBe(before);
  });
});
