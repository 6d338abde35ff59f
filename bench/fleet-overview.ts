/**
 * The cross-site overview (GET /api/fleet/overview) for a fleet of BENCH_SITES sites
 * of BENCH_KIOSKS kiosks, against the baseline of what a console would do without
 * it: one site's fleet view (GET /api/fleet?siteId=) for every site.
 *
 *   npx tsx bench/fleet-overview.ts      (BENCH_SITES=50 BENCH_KIOSKS=500 BENCH_QUERIES=20)
 *
 * Builds the API (tsc -b apps/api/tsconfig.testing.json), migrates a database of its own and fills it:
 * 10 hospitals sharing the sites, a weekday and a weekend rule per hospital, ~10% of
 * kiosks with a kiosk rule of their own, 4 agents per site (each kiosk probed by two,
 * one sighting in five stale, every 20th kiosk unknown), an hour of readings per agent (one a minute), and
 * 20,000 resolved alerts beside 200 open ones. Then, in the API (in process, ROLE=api),
 * as ops: the overview BENCH_QUERIES times (p50/p95; target p95 < 500 ms), and the
 * per-site baseline 3 times, each with the API's CPU time (steadier than wall time on
 * a shared machine). Both are checked to agree on every site's counts.
 * BENCH_KEEP_DB=1 keeps the database (its name is printed) for EXPLAIN.
 */
import { execSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';

const SITES = Number(process.env.BENCH_SITES ?? 50);
const KIOSKS = Number(process.env.BENCH_KIOSKS ?? 500);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 20);
const HOSPITALS = Math.min(10, SITES);
const AGENTS_PER_SITE = 4;
const TARGET_P95_MS = 500;
const ROOT = resolve(__dirname, '..');
const DIST = join(ROOT, 'apps/api/dist-testing/apps/api/src');

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: pct(s, 50), p95: pct(s, 95), text: `p50 ${pct(s, 50).toFixed(0)} ms, p95 ${pct(s, 95).toFixed(0)} ms, max ${s[s.length - 1].toFixed(0)} ms` };
};
const uuid = (kind: number, n: number) => `00000000-0000-4000-8${kind}00-${n.toString(16).padStart(12, '0')}`;
const hex = (n: number) => n.toString(16).padStart(2, '0');

async function main() {
  console.log('building the API (tsc -b apps/api/tsconfig.testing.json) ...');
  execSync('npx tsc -b apps/api/tsconfig.testing.json', { cwd: ROOT, stdio: 'inherit' });
  /* eslint-disable @typescript-eslint/no-require-imports */
  require('reflect-metadata');
  const { createApiApp } = require(join(DIST, 'app.js'));
  const { createLogger } = require(join(DIST, 'common/logger.js'));
  const { testConfig, migratedDatabase, deleteKeys } = require(join(DIST, '../testing/test-app.js'));
  const { dropDatabase } = require(join(DIST, 'database/data-source.js'));
  const { hashPassword } = require(join(DIST, 'users/passwords.js'));
  const Redis = require('ioredis');
  /* eslint-enable @typescript-eslint/no-require-imports */

  const config = testConfig();
  const db = await migratedDatabase(config);
  const app = await createApiApp(config, createLogger('silent'));
  try {
    await app.listen(0, '127.0.0.1');
    const url = `http://127.0.0.1:${app.getHttpServer().address().port}`;
    const now = Date.now();
    const t = new Date(now);
    const insert = async (sql: string, rows: unknown[][]) => {
      for (let i = 0; i < rows.length; i += 1000) {
        const chunk = rows.slice(i, i + 1000);
        await db.query(`${sql} VALUES ${chunk.map((r) => `(${r.map(() => '?').join(', ')})`).join(', ')}`, chunk.flat());
      }
    };

    console.log(`filling: ${SITES} sites x ${KIOSKS} kiosks (${SITES * KIOSKS} kiosks), ${SITES * AGENTS_PER_SITE} agents ...`);
    const f0 = performance.now();
    await insert('INSERT INTO hospitals (id, code, name, created_at, updated_at)', Array.from({ length: HOSPITALS }, (_, h) => [uuid(1, h), `H${h}`, `Hospital ${h}`, t, t]));
    const hospitalOf = (s: number) => s % HOSPITALS;
    await insert(
      'INSERT INTO sites (id, hospital_id, name, time_zone, subnets, created_at, updated_at)',
      Array.from({ length: SITES }, (_, s) => [uuid(2, s), uuid(1, hospitalOf(s)), `Site ${s}`, s % 5 === 4 ? 'Europe/London' : 'Asia/Shanghai', '[]', t, t]),
    );
    const kiosks: unknown[][] = [];
    for (let s = 0; s < SITES; s++) {
      for (let k = 0; k < KIOSKS; k++) {
        const n = s * KIOSKS + k;
        kiosks.push([uuid(3, n), uuid(1, hospitalOf(s)), uuid(2, s), `K-${s}-${k}`, `Kiosk ${k}`, 'registration', '', '', `127.${s % 250}.${k >> 8}.${k & 255}`, `02:00:${hex(s)}:${hex(n >> 16)}:${hex((n >> 8) & 255)}:${hex(n & 255)}`, null, 5900, t, t]);
      }
    }
    await insert('INSERT INTO kiosks (id, hospital_id, site_id, code, name, kind, location, notes, ip, mac, subnet, vnc_port, created_at, updated_at)', kiosks);
    const rules: unknown[][] = [];
    for (let h = 0; h < HOSPITALS; h++) {
      rules.push([uuid(4, h * 2), uuid(1, h), 'Weekdays', 'hospital', null, null, 'regular', '[1,2,3,4,5]', '[{"start":"07:00","end":"20:00"}]', 0, t, t]);
      rules.push([uuid(4, h * 2 + 1), uuid(1, h), 'Weekend', 'hospital', null, null, 'regular', '[6,7]', '[{"start":"08:00","end":"17:00"}]', 0, t, t]);
    }
    // ~10% of kiosks with their own rule, in rules of 5 kiosks of a site.
    for (let s = 0; s < SITES; s++) {
      for (let k = 0; k < KIOSKS / 10; k += 5) {
        const ids = [0, 1, 2, 3, 4].map((i) => uuid(3, s * KIOSKS + k * 10 + i));
        rules.push([uuid(4, 1000 + s * KIOSKS + k), uuid(1, hospitalOf(s)), `Own hours ${s}-${k}`, 'kiosks', null, JSON.stringify(ids), 'override', null, `[{"start":"0${k % 6}:00","end":"2${k % 4}:00"}]`, 1, t, t]);
      }
    }
    await insert('INSERT INTO power_rules (id, hospital_id, name, scope_kind, site_id, kiosk_ids, layer, days, windows, priority, created_at, updated_at)', rules);
    const agents: unknown[][] = [];
    for (let s = 0; s < SITES; s++) {
      for (let a = 0; a < AGENTS_PER_SITE; a++) {
        agents.push([uuid(5, s * AGENTS_PER_SITE + a), uuid(2, s), `pi-${a}`, '', '[]', a === 3 ? null : new Date(now - 10_000), t, t]);
      }
    }
    await insert('INSERT INTO agents (id, site_id, name, location, subnets, last_heartbeat_at, created_at, updated_at)', agents);
    const probes: unknown[][] = [];
    for (let s = 0; s < SITES; s++) {
      for (let k = 0; k < KIOSKS; k++) {
        const n = s * KIOSKS + k;
        for (const a of [k % 2, 2 + (k % 2)]) {
          // One sighting in five is stale; every 20th kiosk has no fresh one (unknown).
          const stale = (n + a) % 5 === 0 || n % 20 === 0;
          probes.push([uuid(3, n), uuid(5, s * AGENTS_PER_SITE + a), (n * 7 + a) % 3 === 0 ? 0 : 1, 'tcp:5900', 3, new Date(now - (stale ? 900_000 : 60_000)), t]);
        }
      }
    }
    await insert('INSERT INTO kiosk_probes (kiosk_id, agent_id, up, method, latency_ms, observed_at, received_at)', probes);
    const readings: unknown[][] = [];
    for (let a = 0; a < SITES * AGENTS_PER_SITE; a++) {
      for (let m = 0; m < 60; m++) readings.push([uuid(5, a), m + 1, new Date(now - (60 - m) * 60_000), (22 + (a % 7) + m / 60).toFixed(2), '45.00', 250, 0, t]);
    }
    await insert('INSERT INTO readings (agent_id, seq, at, temperature_c, humidity_pct, smoke_raw, smoke_alarm, received_at)', readings);
    const alerts: unknown[][] = [];
    for (let i = 0; i < 20_200; i++) {
      const s = i % SITES;
      const open = i < 200;
      alerts.push([uuid(1, hospitalOf(s)), uuid(2, s), 'kiosk_state', open ? `bench:${i}` : null, open ? 'open' : 'resolved', `alert ${i}`, new Date(now - i * 60_000), t]);
    }
    await insert('INSERT INTO alerts (hospital_id, site_id, kind, open_key, status, message, opened_at, last_seen_at)', alerts);
    await db.query(`INSERT INTO users (id, username, display_name, password_hash, role, disabled, created_at, updated_at) VALUES (?, 'ops', '', ?, 'ops', 0, ?, ?)`, [uuid(6, 1), await hashPassword('bench-password'), t, t]);
    await db.query('ANALYZE TABLE kiosks, kiosk_probes, agents, alerts, readings, power_rules');
    console.log(`filled in ${((performance.now() - f0) / 1000).toFixed(0)} s: ${probes.length} sightings, ${readings.length} readings, ${alerts.length} alerts, ${rules.length} rules`);

    const login = await fetch(`${url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: url },
      body: JSON.stringify({ username: 'ops', password: 'bench-password' }),
    });
    const cookie = login.headers.get('set-cookie')!.split(';')[0];
    const get = async (path: string) => {
      const res = await fetch(`${url}${path}`, { headers: { cookie } });
      if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as any;
    };

    await get('/api/fleet/overview'); // warm-up: rules parsed, zone caches filled
    // Wall time suffers from whatever else runs on the machine; the API's own CPU time
    // (this process: Nest, mysql2's parsing, the states) much less. MySQL's is not in it.
    const cpuMs = () => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1000;
    };
    const overviewMs: number[] = [];
    const overviewCpuMs: number[] = [];
    let overview: { hospitals: { sites: { id: string; kiosks: number; up: number; down: number; unknown: number; mismatched: number }[] }[] } | null = null;
    for (let i = 0; i < QUERIES; i++) {
      const s0 = performance.now();
      const c0 = cpuMs();
      overview = await get('/api/fleet/overview');
      overviewCpuMs.push(cpuMs() - c0);
      overviewMs.push(performance.now() - s0);
    }
    const baselineMs: number[] = [];
    const baselineCpuMs: number[] = [];
    const perSite = new Map<string, { kiosks: number; up: number; down: number; unknown: number; mismatched: number }>();
    for (let i = 0; i < 3; i++) {
      const s0 = performance.now();
      const c0 = cpuMs();
      for (let s = 0; s < SITES; s++) {
        const fleet = await get(`/api/fleet?siteId=${uuid(2, s)}`);
        const ks = fleet.kiosks as { observed: string; mismatch: boolean }[];
        perSite.set(uuid(2, s), {
          kiosks: ks.length,
          up: ks.filter((k) => k.observed === 'up').length,
          down: ks.filter((k) => k.observed === 'down').length,
          unknown: ks.filter((k) => k.observed === 'unknown').length,
          mismatched: ks.filter((k) => k.mismatch).length,
        });
      }
      baselineCpuMs.push(cpuMs() - c0);
      baselineMs.push(performance.now() - s0);
    }
    const sites = overview!.hospitals.flatMap((h) => h.sites);
    const agree = sites.filter((s) => {
      const b = perSite.get(s.id)!;
      return b.kiosks === s.kiosks && b.up === s.up && b.down === s.down && b.unknown === s.unknown && b.mismatched === s.mismatched;
    }).length;
    const o = stats(overviewMs);
    const b = stats(baselineMs);
    const totals = sites.reduce((acc, s) => ({ up: acc.up + s.up, unknown: acc.unknown + s.unknown, mismatched: acc.mismatched + s.mismatched }), { up: 0, unknown: 0, mismatched: 0 });
    console.log(`fleet: ${SITES} sites, ${SITES * KIOSKS} kiosks (${totals.up} up, ${totals.unknown} unknown, ${totals.mismatched} mismatched now)`);
    console.log(`overview (GET /api/fleet/overview, ${QUERIES} runs): ${o.text}; API CPU ${stats(overviewCpuMs).text}`);
    console.log(`baseline (GET /api/fleet?siteId= for each of the ${SITES} sites, 3 runs): ${b.text}; API CPU ${stats(baselineCpuMs).text}`);
    console.log(`machine load average (1 min) at the end: ${loadavg()[0].toFixed(1)} on ${cpus().length} cores`);
    console.log(`speed-up: x${(b.p50 / o.p50).toFixed(1)} (p50)`);
    console.log(`check: overview and per-site views agree on ${agree}/${sites.length} sites`);
    console.log(`target: p95 < ${TARGET_P95_MS} ms -> ${o.p95 < TARGET_P95_MS ? 'met' : 'NOT met'}`);
  } finally {
    await app.close();
    await db.destroy();
    if (!process.env.BENCH_KEEP_DB) await dropDatabase(config.db);
    else console.log(`kept database ${config.db.database}`);
    const redis = new Redis(config.redis.url);
    await deleteKeys(redis, config.redis.prefix);
    redis.disconnect();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
