import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from '../agents/agent.entity';
import { NotificationChannel } from '../notifications/notification-channel.entity';
import { PowerRuleRecord } from '../rules/power-rule.entity';
import { kioskBody, seedTwoHospitals } from '../../testing/fixtures';
import { Client, startTestApi, TestApi } from '../../testing/test-app';
import { AuditService } from './audit.service';
import { NAMED_ENTITY_TYPES } from './entity-names.service';

/**
 * The audit log names what its entries are about by asking the domain that owns each
 * entity type: every type is named as people know it, a name search finds it, and
 * names stay within the reader's hospitals.
 */
describe('the audit log names every kind of entity through its owning domain', () => {
  let api: TestApi;
  let ids: Awaited<ReturnType<typeof seedTwoHospitals>>;
  let ops: Client;
  let staffA: Client;
  /** Per entity type: the entity's id and the name the audit log must show for it. */
  const named = new Map<string, { id: string; name: string }>();

  beforeAll(async () => {
    api = await startTestApi();
    ids = await seedTwoHospitals(api.db);
    ops = await api.login('ops');
    staffA = await api.login('staff-a');
    const kiosk = (await ops.post('/api/kiosks', kioskBody(ids.siteA, 7, { name: 'Lobby west' }))).body;
    const agent = await api.db.getRepository(Agent).save(api.db.getRepository(Agent).create({ id: randomUUID(), siteId: ids.siteA, name: 'pi-lobby', subnets: [] }));
    const rule = await api.db.getRepository(PowerRuleRecord).save(
      api.db.getRepository(PowerRuleRecord).create({
        id: randomUUID(),
        hospitalId: ids.hospitalA,
        name: 'Weekday hours',
        scopeKind: 'hospital',
        siteId: null,
        kioskIds: null,
        layer: 'regular',
        days: [1, 2, 3, 4, 5],
        fromDate: null,
        untilDate: null,
        windows: [],
        priority: 0,
      }),
    );
    const channel = await api.db.getRepository(NotificationChannel).save(
      api.db.getRepository(NotificationChannel).create({
        id: randomUUID(),
        hospitalId: ids.hospitalA,
        name: 'Night desk',
        type: 'webhook-json',
        target: 'http://127.0.0.1:9/hook',
        secret: null,
        language: 'en',
        siteIds: [],
        kinds: [],
        graceS: 0,
        enabled: true,
      }),
    );
    await api.db.query(`UPDATE users SET display_name = 'Li Na' WHERE id = ?`, [ids.users['staff-b']]);

    named.set('hospital', { id: ids.hospitalA, name: 'Hospital A' });
    named.set('site', { id: ids.siteA, name: 'A main' });
    named.set('kiosk', { id: kiosk.id, name: 'Lobby west (MZ-1F-07)' });
    named.set('power_rule', { id: rule.id, name: 'Weekday hours' });
    named.set('user', { id: ids.users['staff-b'], name: 'Li Na (staff-b)' });
    named.set('agent', { id: agent.id, name: 'pi-lobby' });
    named.set('notification_channel', { id: channel.id, name: 'Night desk' });
    // Entries that recorded no name of their own: whatever name they show is the current one.
    const audit = api.app.get(AuditService);
    for (const [entityType, { id }] of named) {
      if (entityType !== 'kiosk') await audit.record({ action: 'update', entityType, entityId: id, hospitalId: ids.hospitalA });
    }
  });
  afterAll(() => api?.close());

  it('every named type is named as people know it', async () => {
    expect([...named.keys()].sort()).toEqual([...NAMED_ENTITY_TYPES].sort());
    for (const [entityType, { id, name }] of named) {
      const { body } = await ops.get(`/api/audit?entityType=${entityType}&entityId=${id}`);
      expect(body.items.length, entityType).toBeGreaterThan(0);
      for (const e of body.items) expect(e, entityType).toMatchObject({ entityName: name, entityNameSource: 'current', hospitalName: 'Hospital A' });
    }
  });

  it('a name search finds each type by its current name', async () => {
    for (const [entityType, { id, name }] of named) {
      const text = name.slice(0, 6);
      const { body } = await ops.get(`/api/audit?entityType=${entityType}&entity=${encodeURIComponent(text)}`);
      expect(
        body.items.map((e: { entityId: string }) => e.entityId),
        `${entityType} by "${text}"`,
      ).toContain(id);
    }
    // A kiosk is found by its code too.
    expect((await ops.get('/api/audit?entityType=kiosk&entity=1F-07')).body.items.map((e: { entityId: string }) => e.entityId)).toContain(named.get('kiosk')!.id);
  });

  it("staff see their hospital's entities named, and no account's name (accounts belong to no one hospital)", async () => {
    for (const [entityType, { id, name }] of named) {
      const { body } = await staffA.get(`/api/audit?entityType=${entityType}&entityId=${id}`);
      expect(body.items.length, entityType).toBe(1);
      if (entityType === 'user') expect(body.items[0]).toMatchObject({ entityName: null, entityNameSource: null });
      else expect(body.items[0], entityType).toMatchObject({ entityName: name, entityNameSource: 'current' });
    }
    expect((await staffA.get('/api/audit?entityType=user&entity=Li%20Na')).body.total).toBe(0);
  });
});
