/**
 * Remote screens relay benchmark: 20 concurrent viewers of one kiosk through one
 * agent (API viewer WebSocket -> agent relay channel -> TCP to the VNC server), and
 * the same workload through Debian's websockify relaying the same VNC server in the
 * same run. Also the API's direct route. Kiosk: x11vnc on Xvfb on loopback.
 *
 * - latency: one viewer, sequential 16x16 non-incremental update requests, the time
 *   from request to complete answer (p50/p95); "added" = minus websockify's.
 * - throughput: 20 viewers at once, each fetching full frames in Raw encoding
 *   (640x480x4 bytes), total bytes / wall time.
 *
 * The API runs in a child process of its own (built with tsc, as bench/agent-longpoll.ts),
 * like websockify and the agent, so that the viewers' event loop measures nothing of it.
 *
 * Run: npx tsx bench/remote-relay.ts   (needs MySQL, Redis, xvfb, x11vnc, websockify)
 */
import { execSync, fork, spawn } from 'node:child_process';
import net from 'node:net';
import { join, resolve } from 'node:path';
import { enrolAgent } from '../apps/api/testing/agent-kit';
import type { Client as ApiClient, TestApi } from '../apps/api/testing/test-app';
import { loopbackRelayAgentConfig, startAgentProcess } from '../apps/api/testing/agent-processes';
import { RfbClient } from '../apps/api/testing/remote/rfb-client';
import { freeTcpPort, startVncKiosk } from '../apps/api/testing/remote/vnc-kiosk';

const VIEWERS = 20;
const FRAMES_PER_VIEWER = 10;
const LATENCY_SAMPLES = 300;
const WIDTH = 640;
const HEIGHT = 480;

type Opener = () => Promise<RfbClient>;

async function latency(open: Opener): Promise<{ p50: number; p95: number; mean: number }> {
  const viewer = await open();
  for (let i = 0; i < 20; i++) await viewer.frame({ x: 0, y: 0, w: 16, h: 16 }); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < LATENCY_SAMPLES; i++) {
    const t0 = process.hrtime.bigint();
    await viewer.frame({ x: (i * 16) % (WIDTH - 16), y: 0, w: 16, h: 16 });
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  viewer.close();
  samples.sort((a, b) => a - b);
  return { p50: samples[Math.floor(samples.length / 2)], p95: samples[Math.floor(samples.length * 0.95)], mean: samples.reduce((a, b) => a + b, 0) / samples.length };
}

async function throughput(open: Opener): Promise<{ mb: number; seconds: number; mbPerS: number; framesPerS: number }> {
  const viewers = await Promise.all(Array.from({ length: VIEWERS }, () => open()));
  await Promise.all(viewers.map((v) => v.frame()));
  const t0 = Date.now();
  const bytes = await Promise.all(
    viewers.map(async (v) => {
      let n = 0;
      for (let i = 0; i < FRAMES_PER_VIEWER; i++) n += (await v.frame()).bytes;
      return n;
    }),
  );
  const seconds = (Date.now() - t0) / 1000;
  for (const v of viewers) v.close();
  const mb = bytes.reduce((a, b) => a + b, 0) / 1e6;
  return { mb, seconds, mbPerS: mb / seconds, framesPerS: (VIEWERS * FRAMES_PER_VIEWER) / seconds };
}

function waitPort(port: number, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve()));
      s.once('error', () => (Date.now() > until ? reject(new Error(`port ${port} did not open`)) : setTimeout(attempt, 50)));
    };
    attempt();
  });
}

/** A small cookie client (the API's test Client would load the Nest app into this process). */
async function signIn(baseUrl: string, username: string): Promise<ApiClient> {
  let cookie = '';
  const request = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(baseUrl + path, {
      method,
      headers: { cookie, origin: new URL(baseUrl).origin, ...(body !== undefined && { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: any = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* text */
    }
    return { status: res.status, body: parsed, headers: res.headers, text };
  };
  const login = await request('POST', '/api/auth/login', { username, password: 'test-password-1' });
  cookie = login.headers.get('set-cookie')!.split(';')[0];
  return {
    baseUrl,
    cookie,
    request,
    get: (path: string) => request('GET', path),
    post: (path: string, body?: unknown) => request('POST', path, body),
    patch: (path: string, body: unknown) => request('PATCH', path, body),
    delete: (path: string) => request('DELETE', path),
  } as unknown as ApiClient;
}

const ROOT = resolve(__dirname, '..');
const DIST = join(ROOT, 'apps/api/dist-testing/apps/api/src');

/** Child process: the API on its own database and Redis prefix, seeded; answers its URL and ids. */
async function apiChild() {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startTestApi } = require(join(DIST, '../testing/test-app.js'));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { seedTwoHospitals } = require(join(DIST, '../testing/fixtures.js'));
  // The stand-in kiosk's port (argv), for the relay's port allowlist.
  const api: TestApi = await startTestApi({ REMOTE_MAX_VIEWERS_PER_SITE: String(VIEWERS + 5), REMOTE_IDLE_TIMEOUT_S: '600', REMOTE_VNC_PORTS: process.argv[3] });
  const ids = await seedTwoHospitals(api.db);
  await api.db.query(`UPDATE sites SET subnets = JSON_ARRAY('127.0.0.0/8') WHERE id = ?`, [ids.siteA]);
  process.send!({ url: api.url, siteId: ids.siteA });
  process.on('message', async () => {
    await api.close();
    process.exit(0);
  });
}

async function main() {
  execSync('npx tsc -b apps/api/tsconfig.testing.json', { cwd: ROOT, stdio: 'inherit' });
  const vnc = await startVncKiosk({ width: WIDTH, height: HEIGHT, responsive: true });
  const child = fork(__filename, ['api-child', String(vnc.port)], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  const started = await new Promise<{ url: string; siteId: string }>((ok, fail) => {
    child.once('message', (m) => ok(m as { url: string; siteId: string }));
    child.once('exit', (code) => fail(new Error(`API child exited with ${code}`)));
  });
  const api = { url: started.url, close: () => new Promise((r) => (child.send('stop'), child.once('exit', r))) };
  const ids = { siteA: started.siteId };
  const wsPort = await freeTcpPort();
  const websockify = spawn('websockify', [`127.0.0.1:${wsPort}`, `127.0.0.1:${vnc.port}`], { stdio: 'ignore' });
  let agent: { stop(): Promise<void> } | undefined;
  try {
    const ops = await signIn(api.url, 'ops');
    const kiosk = await ops.post('/api/kiosks', { siteId: ids.siteA, code: 'BENCH-01', name: 'Bench', kind: 'registration', ip: '127.0.0.1', mac: '02:00:00:00:71:01', vncPort: vnc.port });
    if (kiosk.status !== 201) throw new Error(kiosk.text);
    const enrolled = await enrolAgent(ops, ids.siteA, 'pi-bench', ['127.0.0.0/8']);
    agent = await startAgentProcess({ apiUrl: api.url, token: enrolled.token, name: 'pi-bench', config: loopbackRelayAgentConfig([vnc.port]) });
    await waitPort(wsPort);
    for (let i = 0; (await ops.get(`/api/sites/${ids.siteA}/remote-route`)).body.relayAgents.length === 0; i++) {
      if (i > 300) throw new Error('agent relay channel did not open');
      await new Promise((r) => setTimeout(r, 100));
    }
    const viaApi: Opener = async () => {
      const t = await ops.post(`/api/kiosks/${kiosk.body.id}/screen-tickets`);
      if (t.status !== 201) throw new Error(t.text);
      return RfbClient.open(api.url.replace(/^http/, 'ws') + t.body.path, { headers: { cookie: ops.cookie! } });
    };
    const viaWebsockify: Opener = () => RfbClient.open(`ws://127.0.0.1:${wsPort}/`);
    const setRoute = (route: string) => ops.request('PUT', `/api/sites/${ids.siteA}/remote-route`, { route });

    console.log(`kiosk: x11vnc (-defer 1 -wait 1) on Xvfb ${WIDTH}x${HEIGHT}x24, loopback; API, agent and websockify in processes of their own; Node ${process.version}; ${VIEWERS} viewers x ${FRAMES_PER_VIEWER} raw full frames`);
    const results: Record<string, { lat: Awaited<ReturnType<typeof latency>>; tp: Awaited<ReturnType<typeof throughput>> }> = {};
    for (const [name, open, route] of [
      ['websockify', viaWebsockify, null],
      ['api direct', viaApi, 'direct'],
      ['api via agent', viaApi, 'agent'],
    ] as const) {
      if (route) await setRoute(route);
      const lat = await latency(open);
      const tp = await throughput(open);
      results[name] = { lat, tp };
      console.log(
        `${name.padEnd(14)} latency p50 ${lat.p50.toFixed(2)} ms, p95 ${lat.p95.toFixed(2)} ms | throughput ${tp.mbPerS.toFixed(1)} MB/s (${tp.mb.toFixed(0)} MB in ${tp.seconds.toFixed(2)} s, ${tp.framesPerS.toFixed(1)} frames/s)`,
      );
    }
    const base = results['websockify'];
    for (const name of ['api direct', 'api via agent']) {
      const r = results[name];
      console.log(
        `${name} vs websockify: added latency p50 ${(r.lat.p50 - base.lat.p50).toFixed(2)} ms, p95 ${(r.lat.p95 - base.lat.p95).toFixed(2)} ms; latency ratio p50 x${(r.lat.p50 / base.lat.p50).toFixed(2)}; throughput ratio x${(r.tp.mbPerS / base.tp.mbPerS).toFixed(2)}`,
      );
    }
    const sessions = (await ops.get('/api/remote-sessions?limit=500')).body.items.filter((s: any) => s.route === 'agent');
    console.log(`audited sessions via agent: ${sessions.length}, all through ${new Set(sessions.map((s: any) => s.agentId)).size} agent`);
  } finally {
    await agent?.stop();
    websockify.kill('SIGTERM');
    await api.close();
    await vnc.stop();
  }
}

(process.argv[2] === 'api-child' ? apiChild() : main()).then(
  () => process.argv[2] === 'api-child' || process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
