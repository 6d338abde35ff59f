import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { DateTime } from 'luxon';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentClient, enrolAgent } from '../../testing/agent-kit';
import type { AppConfig } from '../config/config';
import { dropDatabase } from '../database/data-source';
import { seedTwoHospitals } from '../../testing/fixtures';
import { ServiceProcess, startRedisServer, startServiceProcess } from '../../testing/service-processes';
import { Client, migratedDatabase, testConfig } from '../../testing/test-app';
import { until } from '../../testing/wait';

/**
 * Redis stops for 30 s across the delivery window of a mass wake (300 kiosks, 30
 * sites, one agent each) and comes back empty (it persists nothing): the API and the
 * worker are real processes on a redis-server of this test's own, killed and started
 * again on the same port. The repair pass re-plans from MySQL: every kiosk is woken
 * once per agent, nothing twice, and no later than one repair period after Redis is
 * back; the API said it was not ready meanwhile and the worker logged the late run.
 */
const SITES = 30;
const KIOSKS_PER_SITE = 10;
const REPAIR_INTERVAL_S = 10;
const OUTAGE_MS = 30_000;

type Command = { id: string; type: string; dueAt: string; targets: { kioskId: string }[] };

describe('Redis stopped for 30 s during a mass wake', () => {
  let redis: Awaited<ReturnType<typeof startRedisServer>>;
  let config: AppConfig;
  let db: DataSource;
  let api: ServiceProcess & { url: string };
  let worker: ServiceProcess;
  let ids: Awaited<ReturnType<typeof seedTwoHospitals>>;
  const agents: { agentId: string; client: AgentClient; siteId: string; kioskIds: string[] }[] = [];
  let polling = true;

  beforeAll(async () => {
    redis = await startRedisServer();
    config = testConfig({ REDIS_URL: redis.url });
    db = await migratedDatabase(config);
    ids = await seedTwoHospitals(db);
    const dispatch = { DISPATCH_LEAD_S: '20', REPAIR_INTERVAL_S: String(REPAIR_INTERVAL_S), VERIFY_AFTER_S: '600' };
    api = await startServiceProcess(config, { ROLE: 'api', ...dispatch });
    const ops = new Client(api.url);
    const login = await ops.post('/api/auth/login', { username: 'ops', password: 'test-password-1' });
    ops.cookie = login.headers.get('set-cookie')!.split(';')[0];
    const now = new Date();
    for (let s = 0; s < SITES; s++) {
      const siteId = randomUUID();
      await db.query(`INSERT INTO sites (id, hospital_id, name, time_zone, created_at, updated_at) VALUES (?, ?, ?, 'Asia/Shanghai', ?, ?)`, [
        siteId, ids.hospitalA, `Campus ${s}`, now, now,
      ]);
      const kioskIds = Array.from({ length: KIOSKS_PER_SITE }, () => randomUUID());
      const values = kioskIds.map((id, k) => [
        id, ids.hospitalA, siteId, `C${s}-K${k}`, `Kiosk ${k}`, 'registration', `10.1.2.${k + 10}`,
        `02:00:00:01:${s.toString(16).padStart(2, '0')}:${k.toString(16).padStart(2, '0')}`, '10.1.2.0/24', now, now,
      ]);
      await db.query(
        `INSERT INTO kiosks (id, hospital_id, site_id, code, name, kind, ip, mac, subnet, created_at, updated_at) VALUES ${values.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
        values.flat(),
      );
      agents.push({ ...(await enrolAgent(ops, siteId, 'pi-1')), siteId, kioskIds });
    }
    worker = await startServiceProcess(config, { ROLE: 'worker', ...dispatch });
  }, 120_000);

  afterAll(async () => {
    polling = false;
    await worker?.kill();
    await api?.kill();
    await db?.destroy();
    if (config) await dropDatabase(config.db);
    await redis?.kill('SIGKILL');
  });

  it('every kiosk is woken once per agent, at most one repair period after Redis is back', async () => {
    const ops = new Client(api.url);
    ops.cookie = (await ops.post('/api/auth/login', { username: 'ops', password: 'test-password-1' })).headers.get('set-cookie')!.split(';')[0];
    const instant = DateTime.now().setZone('Asia/Shanghai').plus({ seconds: 40 }).startOf('minute').plus({ minutes: 1 });
    const end = instant.plus({ minutes: 30 });
    const rule = await ops.post('/api/rules', {
      hospitalId: ids.hospitalA,
      name: 'Mass wake',
      scope: { kind: 'hospital' },
      layer: 'override',
      windows: [{ start: instant.toFormat('HH:mm'), end: end.hasSame(instant, 'day') ? end.toFormat('HH:mm') : '24:00' }],
    });
    expect(rule.status).toBe(201);

    // The agents: heartbeats and long polls as a Pi sends them, through the outage
    // (failed calls are retried); each command id is kept once, as an agent runs it once.
    const received = new Map<string, Map<string, { command: Command; at: number }>>();
    const runAgent = async (agent: (typeof agents)[number]) => {
      const mine = new Map<string, { command: Command; at: number }>();
      received.set(agent.agentId, mine);
      let lastHeartbeat = 0;
      while (polling) {
        try {
          if (Date.now() - lastHeartbeat > 10_000) {
            const hb = await agent.client.post('/heartbeat', { version: '1.2.0', uptimeS: 1, time: new Date().toISOString(), buffered: 0 });
            if (hb.status === 200) lastHeartbeat = Date.now();
          }
          const res = await agent.client.get('/commands?wait=3', undefined, AbortSignal.timeout(8000));
          for (const command of (res.body?.commands ?? []) as Command[]) {
            if (command.type !== 'wake' || mine.has(command.id)) continue;
            mine.set(command.id, { command, at: Date.now() });
            const now = new Date().toISOString();
            await agent.client.post(`/commands/${command.id}/result`, {
              status: 'done',
              startedAt: now,
              finishedAt: now,
              targets: command.targets.map((t) => ({ kioskId: t.kioskId, ok: true, error: null })),
            });
          }
          if (res.status >= 500) await new Promise((r) => setTimeout(r, 500));
        } catch {
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    };
    const running = agents.map(runAgent);

    // Planned while Redis is up (the rule's change re-plans at once)...
    const peek = new Redis(redis.url);
    await until(async () => (await peek.keys(`${config.redis.prefix}bull:dispatch:t_*`)).length >= SITES, 15_000);
    peek.disconnect();
    // ...then Redis dies 25 s before the instant (before the 20 s lead: nothing was delivered) and stays away 30 s.
    await sleepUntil(instant.toMillis() - 25_000);
    const sentBefore = Number((await db.query(`SELECT COUNT(*) AS n FROM dispatches`))[0].n);
    await redis.kill('SIGKILL');
    const downAt = Date.now();
    // Meanwhile the API says it is not ready, naming Redis.
    const readyz = await fetch(`${api.url}/readyz`).then(async (r) => ({ status: r.status, body: (await r.json()) as { checks: { redis: string } } }));
    await sleepUntil(downAt + OUTAGE_MS);
    redis = await startRedisServer(redis.port);
    const backAt = Date.now();

    const total = SITES * KIOSKS_PER_SITE;
    await until(async () => [...received.values()].reduce((n, m) => n + [...m.values()].reduce((k, c) => k + c.command.targets.length, 0), 0) >= total, 60_000, 250);
    // A little longer, so that a duplicate would have time to arrive.
    await new Promise((r) => setTimeout(r, REPAIR_INTERVAL_S * 1000));
    polling = false;
    await Promise.all(running);

    expect(sentBefore, 'nothing had been dispatched when Redis died').toBe(0);
    expect(readyz.status).toBe(503);
    expect(readyz.body.checks.redis).toBe('failing');
    let lastAt = 0;
    for (const agent of agents) {
      const commands = [...received.get(agent.agentId)!.values()];
      const kiosks = commands.flatMap((c) => c.command.targets.map((t) => t.kioskId));
      expect(kiosks.sort(), 'each kiosk of its site exactly once').toEqual([...agent.kioskIds].sort());
      expect(commands.every((c) => c.command.dueAt === new Date(instant.toMillis()).toISOString())).toBe(true);
      lastAt = Math.max(lastAt, ...commands.map((c) => c.at));
    }
    const lateMs = lastAt - backAt;
    console.info(`Redis down ${Math.round((backAt - downAt) / 1000)} s from T-25 s; last wake delivered ${lateMs} ms after Redis was back (${lastAt - instant.toMillis()} ms after its instant)`);
    // Within one repair period: reconnecting (ioredis backs off up to 2 s), the repair pass and the fan-out.
    expect(lateMs).toBeLessThanOrEqual(REPAIR_INTERVAL_S * 1000);
    const rows = await db.query(`SELECT status, COUNT(*) AS n, COUNT(DISTINCT kiosk_id) AS k FROM dispatches WHERE action = 'wake' GROUP BY status`);
    expect(rows.map((r: { status: string; n: string; k: string }) => [r.status, Number(r.n), Number(r.k)])).toEqual([['sent', total, total]]);
    // Late but within CATCH_UP_S: run, not missed, so no missed-transition alert; the worker's log says it ran late.
    const alerts = await db.query(`SELECT kind FROM alerts`);
    expect(alerts.filter((a: { kind: string }) => a.kind !== 'agent_offline')).toEqual([]);
    expect(worker.output()).toMatch(/ran \d+ s late/);
    // Once, although the check ran every period while Redis was down.
    expect(worker.output().match(/repair pass was missing from Redis/g)).toHaveLength(1);
    // The outage is one warning and one all-clear per connection, not a stack trace per reconnection attempt.
    for (const process of [worker, api]) {
      expect(process.output()).toMatch(/Redis unreachable \(connect ECONNREFUSED/);
      expect(process.output()).toMatch(/Redis reachable again/);
      expect(process.output()).not.toMatch(/Unhandled error event|^Error: connect/m);
    }
  }, 150_000);
});

const sleepUntil = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms - Date.now())));
