import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kioskBody, seedTwoHospitals } from '../testing/fixtures';
import { Client, startTestApi, TestApi } from '../testing/test-app';

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

    const { body: kiosk } = await staffA.post('/api/kiosks', kioskBody(ids.siteA, 5));
    await staffA.delete(`/api/kiosks/${kiosk.id}`);
    const deleteEntry = await lastEntry(kiosk.id);
    expect(deleteEntry.action).toBe('delete');
    expect((await staffA.post(`/api/audit/${deleteEntry.id}/undo`)).status).toBe(200);
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
});
