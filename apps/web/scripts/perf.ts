/**
 * Console performance, printed:
 *   - the initial JavaScript (index.html's entry script and its modulepreloads), gzipped;
 *   - time to interactive of the fleet page for a site of 1,000 kiosks: from the
 *     start of navigation until the tiles are on screen and a filter answers input;
 *   - the schedule calendar of a hospital of 1,000 kiosks over one month: the API's
 *     answer time, the page's time to interactive (navigation start until the month's
 *     groups are on screen and a group's kiosk list opens on a click) and the
 *     JavaScript that page loads, gzipped.
 *   - the environment page of a site with an agent's day of readings: the JavaScript
 *     a visit loads (gzipped) and the time until its tiles and three charts are drawn.
 *
 *   npx tsx apps/web/scripts/perf.ts          (PERF_RUNS=5 by default)
 *
 * Builds the console (Vite) and the API (tsc -b apps/api), runs the API in a child
 * process on its own MySQL database and Redis prefix with the demo data, imports a
 * site of 1,000 kiosks through the CSV endpoint, and drives Debian's headless
 * Chromium. Targets (issue 7): interactive within 1,500 ms, initial JS under 400 KB.
 */
import { execSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import Redis from 'ioredis';
import mysql from 'mysql2/promise';
import { Browser, chromium } from 'playwright-core';
import { build } from 'vite';

const root = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const webRoot = join(root, 'apps/web');
const dist = join(webRoot, 'dist');
const RUNS = Number(process.env.PERF_RUNS ?? 5);
const KIOSKS = 1000;
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

async function buildConsole() {
  process.env.NODE_ENV = 'production';
  await build({ root: webRoot, configFile: join(webRoot, 'vite.config.ts'), mode: 'production', logLevel: 'warn' });
}

/** The scripts a first visit downloads before anything renders: the entry and its preloads. */
function initialJs(): { files: { file: string; raw: number; gzip: number }[]; gzip: number; cssGzip: number } {
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  const scripts = [
    ...html.matchAll(/<script[^>]+src="([^"]+)"/g),
    ...html.matchAll(/<link[^>]+rel="modulepreload"[^>]+href="([^"]+)"/g),
  ].map((m) => m[1]);
  const css = [...html.matchAll(/<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"/g)].map((m) => m[1]);
  const size = (f: string) => {
    const buf = readFileSync(join(dist, f));
    return { file: f, raw: buf.length, gzip: gzipSync(buf, { level: 9 }).length };
  };
  const files = [...new Set(scripts)].map(size);
  return { files, gzip: files.reduce((a, f) => a + f.gzip, 0), cssGzip: css.map(size).reduce((a, f) => a + f.gzip, 0) };
}

type Call = (method: string, path: string, body?: string, type?: string) => Promise<any>;

/**
 * The environment page of the demo's first site, with one more agent that sent a day
 * of readings (one a minute): JavaScript loaded by a visit from a blank page, gzipped,
 * and the time until the tiles and the three charts are drawn (median of RUNS).
 */
async function environmentPage(context: import('playwright-core').BrowserContext, url: string, call: Call) {
  const site = (await call('GET', '/api/sites')).items[0];
  const { code } = await call('POST', `/api/sites/${site.id}/enrolment-codes`);
  const enrolled = await (
    await fetch(`${url}/api/agent/v1/enroll`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code, name: 'pi-perf', hostname: 'pi-perf.sim', version: '1.0.0-sim', subnets: [] }),
    })
  ).json();
  const now = Date.now();
  const readings = Array.from({ length: 1440 }, (_, i) => ({
    seq: i + 1,
    at: new Date(now - (1440 - i) * 60_000).toISOString(),
    temperatureC: 24 + 4 * Math.sin(i / 90),
    humidityPct: 45 + 10 * Math.cos(i / 120),
    smokeRaw: 300 + (i % 50),
    smokeAlarm: false,
  }));
  const sent = await fetch(`${url}/api/agent/v1/readings`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${enrolled.token}` },
    body: JSON.stringify({ readings }),
  });
  if (!sent.ok) throw new Error(`readings: ${sent.status} ${await sent.text()}`);
  const day = `from=${new Date(now - 86_400_000).toISOString()}&to=${new Date(now).toISOString()}`;
  for (let i = 0; ; i++) {
    const chart = await call('GET', `/api/sites/${site.id}/environment?${day}`);
    const agent = chart.agents.find((a: { name: string }) => a.name === 'pi-perf');
    if (agent?.series.temperature.length > 250) break;
    if (i > 60) throw new Error('the worker made no rollups of the readings');
    await new Promise((r) => setTimeout(r, 1000));
  }

  const page = await context.newPage();
  const times: number[] = [];
  let js: { file: string; gzip: number }[] = [];
  for (let run = 0; run < RUNS; run++) {
    await page.goto('about:blank');
    const loaded: Promise<{ file: string; gzip: number }>[] = [];
    const onResponse = (res: import('playwright-core').Response) => {
      if (res.url().endsWith('.js')) loaded.push(res.body().then((b) => ({ file: new URL(res.url()).pathname, gzip: gzipSync(b, { level: 9 }).length })));
    };
    page.on('response', onResponse);
    const started = Date.now();
    await page.goto(`/environment?site=${site.id}&range=day`, { waitUntil: 'commit' });
    await page.waitForSelector('[data-testid=reading-tile][data-agent=pi-perf]');
    for (const m of ['temperature', 'humidity', 'smoke']) await page.waitForSelector(`[data-testid=environment-chart-${m}] canvas`);
    times.push(Date.now() - started);
    page.off('response', onResponse);
    js = await Promise.all(loaded);
  }
  await page.close();
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const own = js.filter((f) => /EnvironmentPage-/.test(f.file));
  console.log(`environment page, ${RUNS} navigations (a day of one-a-minute readings, 5-minute rollups):`);
  console.log(`  JavaScript loaded: ${(js.reduce((a, f) => a + f.gzip, 0) / 1024).toFixed(1)} KB gzipped in ${js.length} files; the page's own chunk ${(own.reduce((a, f) => a + f.gzip, 0) / 1024).toFixed(1)} KB (target < 100 KB)`);
  console.log(`  tiles and charts drawn: median ${median(times)} ms, runs ${times.join(', ')}`);
}

const freePort = () =>
  new Promise<number>((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });

async function main() {
  await buildConsole();
  const js = initialJs();
  console.log('initial JavaScript (gzip -9):');
  for (const f of js.files)
    console.log(`  ${f.file}  ${(f.raw / 1024).toFixed(1)} KB raw, ${(f.gzip / 1024).toFixed(1)} KB gzipped`);
  console.log(
    `  total ${(js.gzip / 1024).toFixed(1)} KB gzipped (target < 400 KB); CSS ${(js.cssGzip / 1024).toFixed(1)} KB gzipped`,
  );

  execSync('npx tsc -b apps/api', { cwd: root, stdio: 'inherit' });
  const suffix = randomBytes(4).toString('hex');
  const port = await freePort();
  const env = {
    ...process.env,
    NODE_ENV: 'development',
    DEMO: 'true',
    DB_NAME: `wk_perf_${suffix}`,
    REDIS_PREFIX: `wk_perf_${suffix}:`,
    PORT: String(port),
    HOST: '127.0.0.1',
    WEB_DIST: dist,
    LOG_LEVEL: 'warn',
    // The environment page draws a day from 5-minute rollups: have the worker make them at once.
    TELEMETRY_ROLLUP_INTERVAL_S: '2',
  };
  const cli = join(root, 'apps/api/dist/apps/api/src/cli.js');
  execSync(`node ${cli} migrate && node ${cli} seed-demo`, { cwd: root, env, stdio: 'ignore' });
  const api = spawn('node', [join(root, 'apps/api/dist/apps/api/src/main.js')], {
    cwd: root,
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0; ; i++) {
      if ((await fetch(`${url}/healthz`).catch(() => null))?.ok) break;
      if (i > 100) throw new Error('the API did not start');
      await new Promise((r) => setTimeout(r, 200));
    }
    const login = await fetch(`${url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'ops', password: 'demo-password' }),
    });
    const cookie = login.headers.get('set-cookie')!.split(';')[0];
    const call = async (method: string, path: string, body?: string, type = 'application/json') => {
      // The API takes changes with the session cookie only from the console's own origin.
      const res = await fetch(`${url}${path}`, { method, headers: { cookie, 'content-type': type, origin: url }, body });
      if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
      return res.json();
    };
    const hospital = (await call('GET', '/api/hospitals')).items[0];
    const site = await call(
      'POST',
      '/api/sites',
      JSON.stringify({ hospitalId: hospital.id, name: 'Perf campus (1,000 kiosks)', timeZone: 'Asia/Shanghai' }),
    );
    const kinds = ['registration', 'payment', 'report-printer', 'self-service', 'information'];
    const rows = ['code,name,kind,location,ip,mac,subnet,vncPort'];
    for (let i = 0; i < KIOSKS; i++) {
      const hex = (n: number) => n.toString(16).padStart(2, '0');
      rows.push(
        `PF-${String(i).padStart(4, '0')},Perf kiosk ${i},${kinds[i % 5]},Hall ${i % 20},10.99.${i >> 8}.${i & 255 || 1},02:99:00:00:${hex(i >> 8)}:${hex(i & 255)},10.99.0.0/16,5900`,
      );
    }
    await call('POST', `/api/sites/${site.id}/kiosks/import`, rows.join('\n'), 'text/csv');

    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    const context = await browser.newContext({ baseURL: url, viewport: { width: 1400, height: 900 } });
    await context.addCookies([{ name: cookie.split('=')[0], value: cookie.split('=').slice(1).join('='), url }]);
    const page = await context.newPage();
    await page.goto('/fleet');
    await page.waitForSelector('[data-testid=kiosk-tile]');
    const times: { tiles: number; interactive: number }[] = [];
    for (let run = 0; run < RUNS; run++) {
      await page.goto('about:blank');
      const started = Date.now();
      await page.goto(`/fleet?site=${site.id}`, { waitUntil: 'commit' });
      await page.waitForSelector(`[data-testid=fleet-grid][data-count="${KIOSKS}"]`);
      const tiles = Date.now() - started;
      // Interactive: typing in the search box filters the 1,000 kiosks and the grid shows it.
      await page.fill('[data-testid=fleet-search]', 'PF-0999');
      await page.waitForSelector('[data-testid=fleet-grid][data-count="1"]');
      times.push({ tiles, interactive: Date.now() - started });
    }
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    await measureCalendar(url, call, browser, cookie, median);
    console.log(`fleet page, site of ${KIOSKS} kiosks, ${RUNS} navigations (headless Chromium, cold page each time):`);
    console.log(
      `  tiles on screen:  median ${median(times.map((t) => t.tiles))} ms, runs ${times.map((t) => t.tiles).join(', ')}`,
    );
    console.log(
      `  interactive:      median ${median(times.map((t) => t.interactive))} ms, runs ${times.map((t) => t.interactive).join(', ')} (target < 1500 ms)`,
    );
    await environmentPage(context, url, call);
    await browser.close();
  } finally {
    api.kill('SIGTERM');
    const db = await mysql.createConnection({
      host: process.env.DB_HOST ?? '127.0.0.1',
      user: process.env.DB_USER ?? 'root',
      password: process.env.DB_PASSWORD ?? '',
    });
    await db.query(`DROP DATABASE IF EXISTS \`wk_perf_${suffix}\``);
    await db.end();
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `wk_perf_${suffix}:*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    redis.disconnect();
  }
}

type Call = (method: string, path: string, body?: string, type?: string) => Promise<any>;

/**
 * A hospital of 1,000 kiosks on two campuses with the rules a real one has (weekday and
 * weekend hours, a festival override, 24/7 emergency kiosks, two festival duty kiosks,
 * a campus with its own Saturday clinic), read as the calendar of February 2027.
 */
async function measureCalendar(url: string, call: Call, browser: Browser, cookie: string, median: (xs: number[]) => number) {
  const hospital = await call('POST', '/api/hospitals', JSON.stringify({ code: 'PERF-CAL', name: 'Perf hospital (1,000 kiosks)' }));
  const kioskIds: string[] = [];
  for (const [n, campus] of [[600, 'West'], [400, 'East']] as const) {
    const site = await call('POST', '/api/sites', JSON.stringify({ hospitalId: hospital.id, name: `Perf ${campus}`, timeZone: 'Asia/Shanghai' }));
    const rows = ['code,name,kind,location,ip,mac,subnet,vncPort'];
    for (let i = 0; i < n; i++) {
      const k = kioskIds.length + i;
      const hex = (v: number) => v.toString(16).padStart(2, '0');
      rows.push(`CAL-${campus[0]}${String(i).padStart(4, '0')},Calendar kiosk ${k},registration,Hall ${i % 20},10.98.${k >> 8}.${k & 255 || 1},02:98:00:00:${hex(k >> 8)}:${hex(k & 255)},10.98.0.0/16,5900`);
    }
    await call('POST', `/api/sites/${site.id}/kiosks/import`, rows.join('\n'), 'text/csv');
    for (let pageNo = 1; pageNo <= Math.ceil(n / 500); pageNo++) {
      const listed = await call('GET', `/api/kiosks?siteId=${site.id}&pageSize=500&page=${pageNo}`);
      kioskIds.push(...listed.items.map((k: { id: string }) => k.id));
    }
    if (campus === 'East') {
      await call('POST', '/api/rules', JSON.stringify({ hospitalId: hospital.id, name: 'East Saturday clinic', scope: { kind: 'site', siteId: site.id }, layer: 'regular', days: [6], windows: [{ start: '09:00', end: '13:00' }] }));
    }
  }
  const rule = (body: object) => call('POST', '/api/rules', JSON.stringify({ hospitalId: hospital.id, ...body }));
  await rule({ name: 'Weekday hours', scope: { kind: 'hospital' }, layer: 'regular', days: [1, 2, 3, 4, 5], windows: [{ start: '07:00', end: '20:00' }] });
  await rule({ name: 'Weekend hours', scope: { kind: 'hospital' }, layer: 'regular', days: [6, 7], windows: [{ start: '08:00', end: '17:00' }] });
  await rule({ name: 'Spring Festival', scope: { kind: 'hospital' }, layer: 'override', from: '2027-02-06', until: '2027-02-12', windows: [] });
  await rule({ name: 'Emergency 24/7', scope: { kind: 'kiosks', kioskIds: kioskIds.slice(0, 30) }, layer: 'regular', windows: [{ start: '00:00', end: '24:00' }] });
  await rule({ name: 'Festival duty', scope: { kind: 'kiosks', kioskIds: kioskIds.slice(100, 102) }, layer: 'override', from: '2027-02-06', until: '2027-02-12', windows: [{ start: '08:00', end: '16:00' }] });
  const query = `hospitalId=${hospital.id}&from=2027-02-01&to=2027-02-28`;

  const apiTimes: number[] = [];
  let groups = 0;
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now();
    groups = (await call('GET', `/api/schedule/calendar?${query}`)).groups.length;
    apiTimes.push(Math.round(performance.now() - started));
  }

  const context = await browser.newContext({ baseURL: url, viewport: { width: 1400, height: 900 } });
  await context.addCookies([{ name: cookie.split('=')[0], value: cookie.split('=').slice(1).join('='), url }]);
  const page = await context.newPage();
  const pagePath = `/calendar?hospital=${hospital.id}&view=month&date=2027-02-10`;
  // The JavaScript of a first visit to the calendar: the entry, its preloads and the page's chunk.
  const scripts = new Map<string, number>();
  page.on('response', async (res) => {
    if (res.request().resourceType() === 'script') scripts.set(new URL(res.url()).pathname, gzipSync(await res.body(), { level: 9 }).length);
  });
  const times: { shown: number; interactive: number }[] = [];
  for (let run = 0; run < RUNS; run++) {
    await page.goto('about:blank');
    const started = Date.now();
    await page.goto(pagePath, { waitUntil: 'commit' });
    await page.waitForSelector('[data-testid=calendar][data-from="2027-02-01"] [data-testid=calendar-group]');
    const shown = Date.now() - started;
    // Interactive: the largest group's kiosk list opens on a click.
    await page.click('[data-testid=group-kiosks-toggle] >> nth=0');
    await page.waitForSelector('[data-testid=group-kiosks] li');
    times.push({ shown, interactive: Date.now() - started });
  }
  await context.close();
  const kb = (n: number) => (n / 1024).toFixed(1);
  console.log(`calendar, hospital of ${kioskIds.length} kiosks, February 2027 (${groups} groups), ${RUNS} runs:`);
  console.log(`  API answer:       median ${median(apiTimes)} ms, runs ${apiTimes.join(', ')}`);
  console.log(`  calendar shown:   median ${median(times.map((t) => t.shown))} ms, runs ${times.map((t) => t.shown).join(', ')}`);
  console.log(`  interactive:      median ${median(times.map((t) => t.interactive))} ms, runs ${times.map((t) => t.interactive).join(', ')}`);
  console.log(`  JavaScript loaded: ${kb([...scripts.values()].reduce((a, b) => a + b, 0))} KB gzipped`);
  for (const [file, size] of scripts) console.log(`    ${file}  ${kb(size)} KB gzipped`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
