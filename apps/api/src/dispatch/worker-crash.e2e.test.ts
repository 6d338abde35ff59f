import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentClient, enrolAgent } from '../../testing/agent-kit';
import { until } from '../../testing/agent-processes';
import { seedTwoHospitals } from '../../testing/fixtures';
import { startTestApi, TestApi } from '../../testing/test-app';

/**
 * The dispatch worker is killed (SIGKILL) in the middle of a mass wake and
 * started again: every due wake is still sent, and each agent gets each kiosk in
 * exactly one command (MySQL's unique occurrence rows and the outbox order).
 * The worker is the compiled API in its own process (ROLE=worker), as in production.
 */
const root = resolve(__dirname, '../../../..');
const workerMain = join(root, 'apps/api/dist/apps/api/src/main.js');
const SITES = 40;
const KIOSKS_PER_SITE = 10;

describe('worker killed during a mass wake', () => {
  let api: TestApi;
  let worker: ChildProcess;
  let ids: Awaited<ReturnType<typeof seedTwoHospitals>>;
  const agents: { agentId: string; client: AgentClient; siteId: string }[] = [];

  const startWorker = () =>
    spawn(process.execPath, [workerMain], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        ROLE: 'worker',
        DB_HOST: api.config.db.host,
        DB_PORT: String(api.config.db.port),
        DB_USER: api.config.db.user,
        DB_PASSWORD: api.config.db.password,
        DB_NAME: api.config.db.database,
        REDIS_URL: api.config.redis.url,
        REDIS_PREFIX: api.config.redis.prefix,
        DISPATCH_LEAD_S: '30',
        REPAIR_INTERVAL_S: '3',
        VERIFY_AFTER_S: '600',
        LOG_LEVEL: 'warn',
      },
    });

  beforeAll(async () => {
    if (!existsSync(workerMain)) throw new Error(`build the API first (npx tsc -b apps/api): ${workerMain} is missing`);
    api = await startTestApi({ DISPATCH_LEAD_S: '30' });
    ids = await seedTwoHospitals(api.db);
    const ops = await api.login('ops');
    const now = new Date();
    for (let s = 0; s < SITES; s++) {
      const siteId = randomUUID();
      await api.db.query(`INSERT INTO sites (id, hospital_id, name, time_zone, created_at, updated_at) VALUES (?, ?, ?, 'Asia/Shanghai', ?, ?)`, [
        siteId, ids.hospitalA, `Campus ${s}`, now, now,
      ]);
      const values = Array.from({ length: KIOSKS_PER_SITE }, (_, k) => [
        randomUUID(), ids.hospitalA, siteId, `C${s}-K${k}`, `Kiosk ${k}`, 'registration', `10.1.2.${k + 10}`,
        `02:00:00:00:${s.toString(16).padStart(2, '0')}:${k.toString(16).padStart(2, '0')}`, '10.1.2.0/24', now, now,
      ]);
      await api.db.query(
        `INSERT INTO kiosks (id, hospital_id, site_id, code, name, kind, ip, mac, subnet, created_at, updated_at) VALUES ${values.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
        values.flat(),
      );
      agents.push({ ...(await enrolAgent(ops, siteId, 'pi-1')), siteId });
    }
    await Promise.all(agents.map((a) => a.client.post('/heartbeat', { version: '1.2.0', uptimeS: 1, time: new Date().toISOString(), buffered: 0 })));
    worker = startWorker();
  }, 120_000);

  afterAll(async () => {
    worker?.kill('SIGTERM');
    if (worker && worker.exitCode === null) await new Promise((r) => worker.once('exit', r));
    await api?.close();
  });

  it('every due wake is sent once per agent and kiosk, across the crash', async () => {
    const ops = await api.login('ops');
    const instant = DateTime.now().setZone('Asia/Shanghai').plus({ seconds: 45 }).startOf('minute').plus({ minutes: 1 });
    const end = instant.plus({ minutes: 30 });
    await ops.post('/api/rules', {
      hospitalId: ids.hospitalA,
      name: 'Mass wake',
      scope: { kind: 'hospital' },
      layer: 'override',
      windows: [{ start: instant.toFormat('HH:mm'), end: end.hasSame(instant, 'day') ? end.toFormat('HH:mm') : '24:00' }],
    });
    const total = SITES * KIOSKS_PER_SITE;
    const sent = async () => Number((await api.db.query(`SELECT COUNT(*) AS n FROM dispatches WHERE status = 'sent'`))[0].n);
    // Kill the worker as soon as the fan-out has begun.
    await until(async () => (await sent()) > 0, instant.toMillis() - Date.now(), 10);
    worker.kill('SIGKILL');
    await new Promise((r) => worker.once('exit', r));
    console.info(`worker killed with ${await sent()} of ${total} wakes sent`);
    worker = startWorker();

    await until(async () => (await sent()) === total, instant.toMillis() - Date.now() + 20_000);
    // Each agent holds its site's kiosks, each in exactly one command.
    for (const agent of agents) {
      const commands = (await agent.client.get('/commands?wait=0')).body.commands as { type: string; dueAt: string; targets: { kioskId: string }[] }[];
      const wakes = commands.filter((c) => c.type === 'wake');
      const kiosks = wakes.flatMap((c) => c.targets.map((t) => t.kioskId));
      expect(new Set(kiosks).size).toBe(KIOSKS_PER_SITE);
      expect(kiosks).toHaveLength(KIOSKS_PER_SITE);
      expect(wakes.every((c) => c.dueAt === new Date(instant.toMillis()).toISOString())).toBe(true);
    }
    const rows = await api.db.query(`SELECT COUNT(*) AS n, COUNT(DISTINCT kiosk_id) AS k FROM dispatches WHERE action = 'wake'`);
    expect(Number(rows[0].n)).toBe(total);
    expect(Number(rows[0].k)).toBe(total);
  }, 150_000);
});
