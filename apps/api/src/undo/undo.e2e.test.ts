import type Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveEventsService } from '../live/live-events.service';
import { kioskBody, seedTwoHospitals } from '../../testing/fixtures';
import { Client, startTestApi, TestApi } from '../../testing/test-app';

describe('undo from the audit log', () => {
  let api: TestApi;
  let ids: Awaited<ReturnType<typeof seedTwoHospitals>>;
  let staffA: Client;
  const lastEntry = async (entityId: string) =>
    (await staffA.get(`/api/audit?entityId=${entityId}&pageSize=1`)).body.items[0] as { id: string; action: string };

  beforeAll(async () => {
    api = await startTestApi();
    ids = await seedTwoHospitals(api.db);
    staffA = await api.login('staff-a');
  });
  afterAll(() => api?.close());

  const rule = () => ({
    hospitalId: ids.hospitalA,
    name: 'Weekdays',
    scope: { kind: 'hospital' },
    layer: 'regular',
    days: [1, 2, 3, 4, 5],
    windows: [{ start: '07:00', end: '20:00' }],
  });

  it('undoes an update, then refuses to undo it twice; the undo is audited', async () => {
    const { body: created } = await staffA.post('/api/rules', rule());
    await staffA.patch(`/api/rules/${created.id}`, { windows: [{ start: '09:00', end: '17:00' }] });
    const update = await lastEntry(created.id);
    expect(update.action).toBe('update');

    const undone = await staffA.post(`/api/audit/${update.id}/undo`);
    expect(undone.status).toBe(200);
    expect((await staffA.get(`/api/rules/${created.id}`)).body.windows).toEqual([{ start: '07:00', end: '20:00' }]);
    expect((await lastEntry(created.id)).action).toBe('undo');

    const again = await staffA.post(`/api/audit/${update.id}/undo`);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('UNDO_CONFLICT');
  });

  it('undoes a create (deletes) and a delete (recreates)', async () => {
    const { body: created } = await staffA.post('/api/rules', rule());
    const createEntry = await lastEntry(created.id);
    expect((await staffA.post(`/api/audit/${createEntry.id}/undo`)).status).toBe(200);
    expect((await staffA.get(`/api/rules/${created.id}`)).status).toBe(404);

    const ops = await api.login('ops');
    const { body: kiosk } = await ops.post('/api/kiosks', kioskBody(ids.siteA, 5));
    await ops.delete(`/api/kiosks/${kiosk.id}`);
    const deleteEntry = await lastEntry(kiosk.id);
    expect(deleteEntry.action).toBe('delete');
    // Recreating a kiosk sets its network coordinates: ops' work, as adding it was.
    expect((await staffA.post(`/api/audit/${deleteEntry.id}/undo`)).body.error.code).toBe('KIOSK_FIELD_FORBIDDEN');
    expect((await ops.post(`/api/audit/${deleteEntry.id}/undo`)).status).toBe(200);
    expect((await staffA.get(`/api/kiosks/${kiosk.id}`)).body).toMatchObject({ code: 'MZ-1F-05', mac: kiosk.mac });
  });

  it('will not overwrite a later change, and staff of B cannot undo A\'s changes', async () => {
    const { body: created } = await staffA.post('/api/rules', rule());
    await staffA.patch(`/api/rules/${created.id}`, { priority: 1 });
    const first = await lastEntry(created.id);
    await staffA.patch(`/api/rules/${created.id}`, { priority: 2 });
    expect((await staffA.post(`/api/audit/${first.id}/undo`)).body.error.code).toBe('UNDO_CONFLICT');
    expect((await staffA.get(`/api/rules/${created.id}`)).body.priority).toBe(2);

    const latest = await lastEntry(created.id);
    const staffB = await api.login('staff-b');
    expect((await staffB.post(`/api/audit/${latest.id}/undo`)).status).toBe(404);
    expect((await (await api.login('viewer')).post(`/api/audit/${latest.id}/undo`)).status).toBe(403);
    expect((await staffA.get(`/api/rules/${created.id}`)).body.priority).toBe(2);
  });

  it("an undo is a change like any other: staff put back only a kiosk's description, never its address", async () => {
    const ops = await api.login('ops');
    const { body: kiosk } = await ops.post('/api/kiosks', kioskBody(ids.siteA, 6, { vncPort: 6379 }));
    // Ops correct a bad VNC port; staff undoing that would put the bad one back.
    await ops.patch(`/api/kiosks/${kiosk.id}`, { vncPort: 5900 });
    const fix = await lastEntry(kiosk.id);
    const refused = await staffA.post(`/api/audit/${fix.id}/undo`);
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ code: 'KIOSK_FIELD_FORBIDDEN', field: 'vncPort' });
    expect((await staffA.get(`/api/kiosks/${kiosk.id}`)).body.vncPort).toBe(5900);

    await staffA.patch(`/api/kiosks/${kiosk.id}`, { name: 'Renamed by staff' });
    const rename = await lastEntry(kiosk.id);
    expect((await staffA.post(`/api/audit/${rename.id}/undo`)).status).toBe(200);
    expect((await staffA.get(`/api/kiosks/${kiosk.id}`)).body.name).toBe('Registration 6');
  });

  it("a kiosk snapshot that today's checks refuse is not restored", async () => {
    const ops = await api.login('ops');
    const { body: kiosk } = await ops.post('/api/kiosks', kioskBody(ids.siteA, 8));
    await ops.patch(`/api/kiosks/${kiosk.id}`, { name: 'Renamed' });
    const entry = await lastEntry(kiosk.id);
    // An entry written before the checks tightened: an inline program as shutdown method.
    const [row] = await api.db.query('SELECT `before` FROM audit_entries WHERE id = ?', [entry.id]);
    const before = typeof row.before === 'string' ? JSON.parse(row.before) : row.before;
    before.shutdownMethod = { method: 'command', argv: [] };
    await api.db.query('UPDATE audit_entries SET `before` = ? WHERE id = ?', [JSON.stringify(before), entry.id]);
    const res = await ops.post(`/api/audit/${entry.id}/undo`);
    expect(res.status).toBe(409);
    expect(res.body.error.message).toContain('shutdownMethod');
    expect((await ops.get(`/api/kiosks/${kiosk.id}`)).body).toMatchObject({ name: 'Renamed', shutdownMethod: null });
  });

  it('an undo re-plans the hospital once it has committed; a refused undo announces nothing', async () => {
    const subscriber: Redis = api.redis.duplicate();
    const heard: Array<{ type: string; hospitalId: string }> = [];
    await subscriber.subscribe(api.app.get(LiveEventsService).channel);
    subscriber.on('message', (_: string, m: string) => heard.push(JSON.parse(m)));
    try {
      const { body: created } = await staffA.post('/api/rules', rule());
      await staffA.patch(`/api/rules/${created.id}`, { priority: 3 });
      const update = await lastEntry(created.id);
      await expect.poll(() => heard.filter((e) => e.type === 'schedule.changed').length).toBe(2);
      expect(heard.every((e) => e.type !== 'schedule.changed' || e.hospitalId === ids.hospitalA)).toBe(true);

      expect((await staffA.post(`/api/audit/${update.id}/undo`)).status).toBe(200);
      await expect.poll(() => heard.filter((e) => e.type === 'schedule.changed').length).toBe(3);
      expect(heard.filter((e) => e.type === 'schedule.changed').at(-1)).toMatchObject({ hospitalId: ids.hospitalA });

      // Undone already: refused, rolled back, and no re-plan. Events arrive in order, so once a
      // later change of hospital B is heard, one of A from the refused undo would have been too.
      expect((await staffA.post(`/api/audit/${update.id}/undo`)).body.error.code).toBe('UNDO_CONFLICT');
      const staffB = await api.login('staff-b');
      expect((await staffB.post('/api/rules', { ...rule(), hospitalId: ids.hospitalB })).status).toBe(201);
      await expect.poll(() => heard.some((e) => e.type === 'schedule.changed' && e.hospitalId === ids.hospitalB)).toBe(true);
      expect(heard.filter((e) => e.type === 'schedule.changed' && e.hospitalId === ids.hospitalA).length).toBe(3);
    } finally {
      subscriber.disconnect();
    }
  });
});
