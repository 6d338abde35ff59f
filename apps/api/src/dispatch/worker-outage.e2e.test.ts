import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentClient, enrolAgent } from '../../testing/agent-kit';
import type { AppConfig } from '../config/config';
import { dropDatabase } from '../database/data-source';
import { seedTwoHospitals } from '../../testing/fixtures';
import { ServiceProcess, startServiceProcess } from '../../testing/service-processes';
import { Client, deleteKeys, migratedDatabase, testConfig } from '../../testing/test-app';
import { until } from '../../testing/wait';

/**
 * The dispatch worker (a real process, ROLE=worker) plans a site's evening, is
 * killed, and comes back 2.5 hours later. Time is compressed with
 * TEST_CLOCK_OFFSET_S: the API and the worker that come back run with their clocks
 * 2.5 h ahead, so BullMQ finds every delayed job due at once, as it would after a
 * real outage. With the default CATCH_UP_S (15 min):
 *  - transitions older than 15 min are recorded as missed and alerted once each;
 *  - a wake inside the window runs once, with its own dueAt;
 *  - a shutdown inside the window whose kiosk should now be on again is skipped;
 *  - a second crash and restart changes nothing.
 */
const DOWN_MS = 150 * 60_000;
const REPAIR_INTERVAL_S = 2;
const min = 60_000;

type Command = { id: string; type: string; dueAt: string; targets: { kioskId: string }[] };

describe('worker down for 2.5 hours across several transitions', () => {
  let config: AppConfig;
  let db: DataSource;
  let api: ServiceProcess & { url: string };
  let worker: ServiceProcess;
  let agent: { agentId: string; token: string };
  const kiosks: string[] = [];
  let siteId: string;
  let zone: string;
  let base: DateTime;
  const settings = { CATCH_UP_S: '900', REPAIR_INTERVAL_S: String(REPAIR_INTERVAL_S), VERIFY_AFTER_S: '3600', DISPATCH_LEAD_S: '60' };

  beforeAll(async () => {
    config = testConfig();
    db = await migratedDatabase(config);
    const ids = await seedTwoHospitals(db);
    // A fixed-offset zone in which it is now about 02:00, so that the 2.5 h evening fits one local date whatever the hour of the run.
    const utcHour = new Date().getUTCHours();
    let shift = (((2 - utcHour) % 24) + 24) % 24;
    if (shift > 14) shift -= 24;
    zone = shift === 0 ? 'Etc/GMT' : `Etc/GMT${shift > 0 ? '-' : '+'}${Math.abs(shift)}`;
    siteId = randomUUID();
    const now = new Date();
    await db.query(`INSERT INTO sites (id, hospital_id, name, time_zone, created_at, updated_at) VALUES (?, ?, 'Night campus', ?, ?, ?)`, [siteId, ids.hospitalA, zone, now, now]);
    for (let k = 0; k < 5; k++) {
      const id = randomUUID();
      kiosks.push(id);
      await db.query(
        `INSERT INTO kiosks (id, hospital_id, site_id, code, name, kind, ip, mac, subnet, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'registration', ?, ?, '10.1.2.0/24', ?, ?)`,
        [id, ids.hospitalA, siteId, `N-${k}`, `Night ${k}`, `10.1.2.${k + 10}`, `02:00:00:02:00:${k.toString(16).padStart(2, '0')}`, now, now],
      );
    }
    api = await startServiceProcess(config, { ROLE: 'api', ...settings });
    worker = await startServiceProcess(config, { ROLE: 'worker', ...settings });
    const ops = new Client(api.url);
    ops.cookie = (await ops.post('/api/auth/login', { username: 'ops', password: 'test-password-1' })).headers.get('set-cookie')!.split(';')[0];
    const enrolled = await enrolAgent(ops, siteId, 'pi-1');
    agent = { agentId: enrolled.agentId, token: enrolled.token };

    // The evening, in minutes after `base` (the first whole minute 2 min from now):
    //   kiosks 0, 1: on [+10, +40)              -> wake +10, shutdown +40: both 2 h old on return, missed
    //   kiosks 2, 3: on [+145, +200)            -> wake +145: 5.5 min old on return, runs
    //   kiosk 4:     on [+5, +140), [+147, +200) -> wake +5 missed; shutdown +140 stale (on again since +147), skipped; wake +147 runs
    base = DateTime.now().setZone(zone).plus({ minutes: 2 }).startOf('minute').plus({ minutes: 1 });
    const hhmm = (m: number) => base.plus({ minutes: m }).toFormat('HH:mm');
    const date = base.toISODate();
    const rule = async (name: string, kioskIds: string[], windows: [number, number][]) => {
      const res = await ops.post('/api/rules', {
        hospitalId: ids.hospitalA,
        name,
        scope: { kind: 'kiosks', kioskIds },
        layer: 'override',
        from: date,
        until: date,
        windows: windows.map(([s, e]) => ({ start: hhmm(s), end: hhmm(e) })),
      });
      expect(res.status, res.text).toBe(201);
    };
    await rule('Short morning', kiosks.slice(0, 2), [[10, 40]]);
    await rule('Late start', kiosks.slice(2, 4), [[145, 200]]);
    await rule('Split day', kiosks.slice(4), [[5, 140], [147, 200]]);
  }, 120_000);

  afterAll(async () => {
    await worker?.kill();
    await api?.kill();
    await db?.destroy();
    if (config) {
      await dropDatabase(config.db);
      const Redis = (await import('ioredis')).default;
      const redis = new Redis(config.redis.url);
      await deleteKeys(redis, config.redis.prefix);
      redis.disconnect();
    }
  });

  it('runs what is within CATCH_UP_S once, records and alerts the older ones once, and skips the stale shutdown', async () => {
    // Every transition of the evening is planned (7 jobs), then the worker dies.
    const { default: Redis } = await import('ioredis');
    const redis = new Redis(config.redis.url);
    await until(async () => (await redis.keys(`${config.redis.prefix}bull:dispatch:t_${siteId}_*`)).length === 7, 20_000);
    redis.disconnect();
    await worker.kill('SIGKILL');
    await api.kill();
    expect(Number((await db.query(`SELECT COUNT(*) AS n FROM dispatches`))[0].n)).toBe(0);

    // 2.5 h later: the world comes back with clocks 2.5 h ahead (measured from `base`).
    const returnAt = base.toMillis() + DOWN_MS + 30_000;
    const offsetS = () => String((returnAt - Date.now()) / 1000);
    api = await startServiceProcess(config, { ROLE: 'api', ...settings, TEST_CLOCK_OFFSET_S: offsetS() });
    const pi = new AgentClient(api.url, agent.token);
    expect((await pi.post('/heartbeat', { version: '1.2.0', uptimeS: 1, time: new Date().toISOString(), buffered: 0 })).status).toBe(200);
    worker = await startServiceProcess(config, { ROLE: 'worker', ...settings, TEST_CLOCK_OFFSET_S: offsetS() });

    const at = (m: number) => base.plus({ minutes: m }).toJSDate();
    const outcomes = async () =>
      (await db.query(`SELECT kiosk_id, planned_at, action, status FROM dispatches ORDER BY planned_at, kiosk_id`)).map(
        (r: { kiosk_id: string; planned_at: Date; action: string; status: string }) => `${kiosks.indexOf(r.kiosk_id)} ${Math.round((r.planned_at.getTime() - base.toMillis()) / min)} ${r.action} ${r.status}`,
      );
    const expected = [
      '4 5 wake missed',
      '0 10 wake missed',
      '1 10 wake missed',
      '0 40 shutdown missed',
      '1 40 shutdown missed',
      '4 140 shutdown skipped',
      '2 145 wake sent',
      '3 145 wake sent',
      '4 147 wake sent',
    ];
    // Each row is written `planned` first, then given its outcome.
    await until(async () => {
      const now = await outcomes();
      return now.length === expected.length && !now.some((o: string) => o.endsWith('planned'));
    }, 30_000);
    expect((await outcomes()).sort()).toEqual([...expected].sort());

    const received = new Map<string, Command>();
    const poll = async () => {
      for (const c of (await pi.get('/commands?wait=0')).body.commands as Command[]) received.set(c.id, c);
    };
    await poll();
    const wakes = () => [...received.values()].flatMap((c) => c.targets.map((t) => `${kiosks.indexOf(t.kioskId)} ${c.type} ${c.dueAt}`)).sort();
    const wanted = [`2 wake ${at(145).toISOString()}`, `3 wake ${at(145).toISOString()}`, `4 wake ${at(147).toISOString()}`];
    expect(wakes()).toEqual(wanted);

    const missedAlerts = async () =>
      (await db.query(`SELECT details FROM alerts WHERE kind = 'dispatch_missed' ORDER BY id`)) as { details: string | Record<string, unknown> }[];
    // One alert per missed occurrence, naming its kiosks: +5 (kiosk 4), +10 and +40 (kiosks 0 and 1).
    const counts = (await missedAlerts()).map((a) => (typeof a.details === 'string' ? JSON.parse(a.details) : a.details).kioskCount as number);
    expect(counts.sort()).toEqual([1, 2, 2]);

    // A second crash and return (later still): nothing is sent or alerted again.
    await worker.kill('SIGKILL');
    worker = await startServiceProcess(config, { ROLE: 'worker', ...settings, TEST_CLOCK_OFFSET_S: String((returnAt + 60_000 - Date.now()) / 1000) });
    await until(async () => /worker started/.test(worker.output()), 10_000);
    await new Promise((r) => setTimeout(r, 3 * REPAIR_INTERVAL_S * 1000));
    await poll();
    expect(wakes()).toEqual(wanted);
    expect((await outcomes()).sort()).toEqual([...expected].sort());
    expect(await missedAlerts()).toHaveLength(3);
  }, 150_000);
});
