/**
 * Telemetry chart query and retention benchmark (apps/api/src/telemetry/README.md).
 *
 *   npx tsx bench/telemetry-query.ts      (BENCH_AGENTS=200 BENCH_DAYS=30 BENCH_QUERIES=100)
 *
 * Builds the API (tsc -b apps/api/tsconfig.testing.json), migrates a database of its own and fills it
 * with one reading a minute from 200 agents (20 sites of 10) for 30 days plus the
 * day that is past its age, generated inside MariaDB (INSERT ... SELECT from the
 * sequence engine), with the day partitions made by the partition job and the
 * 5-minute and hourly rollups aggregated from the raw rows. The data is dated in
 * the future (ending 35 days from today) so that the partition job, which only
 * works ahead of time, makes every day's partition. Then, in the API (in process,
 * ROLE=api):
 *   - GET /api/sites/:id/environment for 30 days of one site, BENCH_QUERIES times
 *     (p50/p95; target p95 < 100 ms), plus 1 day (raw) and 7 days for reference;
 *   - baselines in the same run: the hourly rollup read with one SQL query, and
 *     the same 30-day hourly chart aggregated from the raw rows (no rollups);
 *   - the retention pass (RetentionService.run) with the oldest day past its age:
 *     rows removed and the longest single transaction; for comparison, the next
 *     day deleted in batches of 5,000 and the day after in one DELETE.
 */
import { execSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';

const AGENTS = Number(process.env.BENCH_AGENTS ?? 200);
const DAYS = Number(process.env.BENCH_DAYS ?? 30);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 100);
const SITES = Math.max(1, Math.floor(AGENTS / 10));
const TARGET_P95_MS = 100;
const ROOT = resolve(__dirname, '..');
const DIST = join(ROOT, 'apps/api/dist-testing/apps/api/src');
const DAY = 86_400_000;

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `p50 ${pct(s, 50).toFixed(1)} ms, p95 ${pct(s, 95).toFixed(1)} ms, max ${s[s.length - 1].toFixed(1)} ms`;
};
async function timeIt(n: number, fn: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    await fn();
    out.push(performance.now() - s);
  }
  return out;
}

async function main() {
  console.log('building the API (tsc -b apps/api/tsconfig.testing.json) ...');
  execSync('npx tsc -b apps/api/tsconfig.testing.json', { cwd: ROOT, stdio: 'inherit' });
  /* eslint-disable @typescript-eslint/no-require-imports */
  require('reflect-metadata');
  const { createApiApp } = require(join(DIST, 'app.js'));
  const { createLogger } = require(join(DIST, 'common/logger.js'));
  const { testConfig, migratedDatabase, deleteKeys } = require(join(DIST, '../testing/test-app.js'));
  const { dropDatabase } = require(join(DIST, 'database/data-source.js'));
  const { RetentionService } = require(join(DIST, 'telemetry/retention.service.js'));
  const { hashPassword } = require(join(DIST, 'users/passwords.js'));
  const { fiveMinuteBucket, hourBucket } = require(join(DIST, 'telemetry/sql-buckets.js'));
  const Redis = require('ioredis');
  /* eslint-enable @typescript-eslint/no-require-imports */

  const config = testConfig({ TELEMETRY_DELETE_PAUSE_MS: '0' });
  const db = await migratedDatabase(config);
  const app = await createApiApp(config, createLogger('silent'));
  try {
    await app.listen(0, '127.0.0.1');
    const url = `http://127.0.0.1:${app.getHttpServer().address().port}`;
    const retention = app.get(RetentionService);
    const today = Math.floor(Date.now() / DAY) * DAY;
    const now = new Date(today + 35 * DAY);
    const firstDay = now.getTime() - (DAYS + 1) * DAY; // the day past its age
    const dataEnd = now.getTime();

    // Sites, agents, an ops account.
    const t = new Date();
    const uuid = (n: number, kind: number) => `00000000-0000-4000-8${kind}00-${n.toString(16).padStart(12, '0')}`;
    await db.query(`INSERT INTO hospitals (id, code, name, created_at, updated_at) VALUES (?, 'BENCH', 'Bench', ?, ?)`, [uuid(1, 1), t, t]);
    for (let s = 0; s < SITES; s++) await db.query(`INSERT INTO sites (id, hospital_id, name, time_zone, created_at, updated_at) VALUES (?, ?, ?, 'Asia/Shanghai', ?, ?)`, [uuid(s + 1, 2), uuid(1, 1), `Site ${s}`, t, t]);
    for (let a = 0; a < AGENTS; a++) {
      await db.query(`INSERT INTO agents (id, site_id, name, location, subnets, token_hash, created_at, updated_at) VALUES (?, ?, ?, '', '[]', ?, ?, ?)`, [
        uuid(a + 1, 3), uuid((a % SITES) + 1, 2), `pi-${a}`, createHash('sha256').update(`t${a}`).digest('hex'), t, t,
      ]);
    }
    await db.query(`INSERT INTO users (id, username, display_name, password_hash, role, disabled, created_at, updated_at) VALUES (?, 'ops', '', ?, 'ops', 0, ?, ?)`, [uuid(1, 4), await hashPassword('bench-password'), t, t]);

    // Day partitions: the partition job, stepped through the data's days.
    for (let d = firstDay - DAY; d <= dataEnd; d += 3 * DAY) await retention.ensurePartitions(new Date(d));
    await retention.ensurePartitions(now);

    console.log(`filling: ${AGENTS} agents x ${DAYS + 1} days x 1,440 readings (+ rollups) ...`);
    const f0 = performance.now();
    await db.query(`CREATE TABLE bench_agents (n INT NOT NULL PRIMARY KEY, id CHAR(36) NOT NULL)`);
    await db.query(`INSERT INTO bench_agents (n, id) SELECT seq, id FROM seq_0_to_${AGENTS - 1} JOIN agents ON agents.name = CONCAT('pi-', seq)`);
    for (let d = firstDay; d < dataEnd; d += DAY) {
      const minutes = Math.min(1440, Math.floor((dataEnd - d) / 60_000));
      const dayStart = new Date(d);
      await db.query(
        `INSERT INTO readings (agent_id, seq, at, temperature_c, humidity_pct, smoke_raw, smoke_alarm, received_at)
         SELECT a.id, ? + m.seq, TIMESTAMPADD(MINUTE, m.seq, ?),
                ROUND(22 + 6 * SIN((m.seq + a.n * 7) / 229.0) + (a.n % 5) / 2, 1),
                ROUND(45 + 15 * COS((m.seq + a.n) / 300.0), 1),
                250 + ((m.seq * 13 + a.n * 7) % 200), 0, TIMESTAMPADD(MINUTE, m.seq, ?)
           FROM bench_agents a CROSS JOIN seq_0_to_${minutes - 1} m`,
        [(d - firstDay) / 60_000, dayStart, dayStart],
      );
      const dayEnd = new Date(d + DAY);
      await db.query(
        `INSERT INTO readings_5m (agent_id, bucket, temperature_min, temperature_max, temperature_sum, temperature_count, humidity_min, humidity_max, humidity_sum, humidity_count,
                                  smoke_min, smoke_max, smoke_sum, smoke_count, smoke_alarm_count, reading_count)
         SELECT agent_id, ${fiveMinuteBucket('at')}, MIN(temperature_c), MAX(temperature_c), SUM(temperature_c), COUNT(temperature_c),
                MIN(humidity_pct), MAX(humidity_pct), SUM(humidity_pct), COUNT(humidity_pct), MIN(smoke_raw), MAX(smoke_raw), SUM(smoke_raw), COUNT(smoke_raw), SUM(smoke_alarm), COUNT(*)
           FROM readings WHERE at >= ? AND at < ? GROUP BY agent_id, ${fiveMinuteBucket('at')}`,
        [dayStart, dayEnd],
      );
      await db.query(
        `INSERT INTO readings_1h (agent_id, bucket, temperature_min, temperature_max, temperature_sum, temperature_count, humidity_min, humidity_max, humidity_sum, humidity_count,
                                  smoke_min, smoke_max, smoke_sum, smoke_count, smoke_alarm_count, reading_count)
         SELECT agent_id, ${hourBucket('bucket')}, MIN(temperature_min), MAX(temperature_max), SUM(temperature_sum), SUM(temperature_count),
                MIN(humidity_min), MAX(humidity_max), SUM(humidity_sum), SUM(humidity_count), MIN(smoke_min), MAX(smoke_max), SUM(smoke_sum), SUM(smoke_count), SUM(smoke_alarm_count), SUM(reading_count)
           FROM readings_5m WHERE bucket >= ? AND bucket < ? GROUP BY agent_id, ${hourBucket('bucket')}`,
        [dayStart, dayEnd],
      );
    }
    const [{ n: rawRows }] = await db.query('SELECT COUNT(*) AS n FROM readings');
    console.log(`filled ${rawRows} raw readings in ${((performance.now() - f0) / 1000).toFixed(0)} s`);
    // Let InnoDB write back the fill (dirty pages, purge) before measuring, as a database in service would have.
    await db.query('ANALYZE TABLE readings, readings_5m, readings_1h');
    const s0 = performance.now();
    for (;;) {
      const [{ Value: dirty }] = await db.query("SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_pages_dirty'");
      if (Number(dirty) < 500 || performance.now() - s0 > 120_000) break;
      await new Promise((r) => setTimeout(r, 2000));
    }
    console.log(`settled (dirty pages written back) in ${((performance.now() - s0) / 1000).toFixed(0)} s`);

    // Session.
    const login = await fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'ops', password: 'bench-password' }) });
    const cookie = login.headers.get('set-cookie')!.split(';')[0];
    const site = uuid(1, 2);
    const siteAgents = (await db.query('SELECT id FROM agents WHERE site_id = ?', [site])).map((r: { id: string }) => r.id);
    const chart = async (fromMs: number, toMs: number) => {
      const res = await fetch(`${url}/api/sites/${site}/environment?from=${new Date(fromMs).toISOString()}&to=${new Date(toMs).toISOString()}`, { headers: { cookie } });
      if (res.status !== 200) throw new Error(`chart: ${res.status} ${await res.text()}`);
      return res.json() as Promise<{ resolution: string; agents: Array<{ series: Record<string, unknown[]> }> }>;
    };
    const month = [dataEnd - 30 * DAY, dataEnd] as const;
    const sample = await chart(...month);
    const points = sample.agents.reduce((s, a) => s + a.series.temperature.length, 0);
    await timeIt(5, () => chart(...month)); // warm-up
    const chart30 = await timeIt(QUERIES, () => chart(...month));
    const chart7 = await timeIt(20, () => chart(dataEnd - 7 * DAY, dataEnd));
    const chart1 = await timeIt(20, () => chart(dataEnd - DAY + 3_600_000 * 8, dataEnd));
    const sqlRollup = await timeIt(QUERIES, () =>
      db.query('SELECT agent_id, bucket, temperature_sum / temperature_count FROM readings_1h WHERE agent_id IN (?) AND bucket >= ? AND bucket < ?', [siteAgents, new Date(month[0]), new Date(month[1])]),
    );
    const sqlRaw = await timeIt(3, () =>
      db.query(
        `SELECT agent_id, ${hourBucket('at')} AS h, MIN(temperature_c), MAX(temperature_c), AVG(temperature_c), MIN(humidity_pct), MAX(humidity_pct), AVG(humidity_pct), MIN(smoke_raw), MAX(smoke_raw), AVG(smoke_raw)
           FROM readings WHERE agent_id IN (?) AND at >= ? AND at < ? GROUP BY agent_id, h`,
        [siteAgents, new Date(month[0]), new Date(month[1])],
      ),
    );

    // Retention: exactly the first day is past its age at `now`.
    const report = await retention.run(now);
    const batched = await deleteDay(db, firstDay + DAY, 5000);
    const single = await deleteDay(db, firstDay + 2 * DAY, 1e9);

    console.log('');
    console.log(`machine: ${cpus().length} cores, Node ${process.version}, MariaDB innodb_buffer_pool_size ${(await db.query("SELECT @@innodb_buffer_pool_size AS b"))[0].b / 2 ** 20} MB`);
    console.log(`data: ${rawRows} raw readings (${AGENTS} agents, ${SITES} sites, ${DAYS + 1} days, 1/min), rollups 5-minute and hourly`);
    console.log(`chart 30 days, one site (${siteAgents.length} agents, resolution ${sample.resolution}, ${points} temperature points): n=${QUERIES} ${stats(chart30)}`);
    console.log(`chart 7 days (${(await chart(dataEnd - 7 * DAY, dataEnd)).resolution}): n=20 ${stats(chart7)}; chart 16 h (${(await chart(dataEnd - DAY + 8 * 3_600_000, dataEnd)).resolution}): n=20 ${stats(chart1)}`);
    console.log(`baseline, hourly rollup rows by one SQL query: n=${QUERIES} ${stats(sqlRollup)}`);
    console.log(`baseline, the same 30 days aggregated from raw rows (no rollups): n=3 ${stats(sqlRaw)}`);
    console.log(
      `retention pass (1 day past its age): ${report.raw.rowsInDroppedPartitions} rows in ${report.raw.droppedPartitions.length} dropped partition(s) + ${report.raw.rowsDeleted} deleted, ` +
        `5-minute ${report.fiveMinute}, longest single transaction ${report.longestTransactionMs.toFixed(1)} ms`,
    );
    console.log(`comparison, next day by DELETE in batches of 5,000: ${batched.rows} rows in ${batched.statements} transactions, longest ${batched.longest.toFixed(1)} ms, total ${batched.total.toFixed(0)} ms`);
    console.log(`comparison, the day after in one DELETE: ${single.rows} rows, one transaction of ${single.longest.toFixed(1)} ms`);
    console.log(`target 30-day chart p95 < ${TARGET_P95_MS} ms: ${pct([...chart30].sort((a, b) => a - b), 95) < TARGET_P95_MS ? 'met' : 'missed'}`);
  } finally {
    await app.close();
    await db.destroy();
    await dropDatabase(config.db);
    const redis = new Redis(config.redis.url);
    await deleteKeys(redis, config.redis.prefix);
    redis.disconnect();
  }
}

async function deleteDay(db: { query: (sql: string, p?: unknown[]) => Promise<any> }, day: number, batch: number) {
  let rows = 0;
  let statements = 0;
  let longest = 0;
  const t0 = performance.now();
  for (;;) {
    const s = performance.now();
    const r = await db.query(`DELETE FROM readings WHERE at >= ? AND at < ? ${batch < 1e9 ? `LIMIT ${batch}` : ''}`, [new Date(day), new Date(day + DAY)]);
    longest = Math.max(longest, performance.now() - s);
    statements++;
    rows += r.affectedRows;
    if (r.affectedRows < batch) break;
  }
  return { rows, statements, longest, total: performance.now() - t0 };
}

void main().catch((e) => {
  console.error(e);
  process.exit(1);
});
