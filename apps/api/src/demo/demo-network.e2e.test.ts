import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RfbClient } from '../../testing/remote/rfb-client';
import { Client, startTestApi, TestApi } from '../../testing/test-app';
import { until } from '../../testing/wait';
import { DEMO_PASSWORD, demoId, loadDemoData } from './demo-data';

/**
 * The demo's network rule, measured by the kernel: `npm start`'s simulated fleet (20
 * agents, 300 kiosks with their screens) runs in a network namespace this test
 * creates, whose only ways out are loopback and a "sink": a veth pair that carries the
 * default route and goes nowhere. The API stays outside and is reached through a Unix
 * socket, so nothing in the namespace needs an address beyond 127.0.0.0/8. A wake, a
 * shutdown now, a scheduled wake and shutdown (both verified, no alert), a screen
 * session, probes, heartbeats and readings run for a few minutes; every
 * packet aimed anywhere but loopback (a magic packet to a broadcast address, an ARP
 * for a hospital address, a connect to 10.x) would be counted on the sink. It must
 * count nothing, and the test first proves that it would.
 */
const root = resolve(__dirname, '../../../..');
const NS = `wk-demo-${process.pid}`;
// Network namespaces need root and iproute2, as on the project's machines and CI.
const canMakeNamespaces = (() => {
  try {
    return process.getuid?.() === 0 && execFileSync('ip', ['-V']).length > 0;
  } catch {
    return false;
  }
})();

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
const inNs = (...args: string[]) => ip('netns', 'exec', NS, ...args);
/** Packets the namespace sent towards anything but loopback (sink0's transmit counters). */
const sinkPackets = () => Number(inNs('cat', '/sys/class/net/sink0/statistics/tx_packets').trim());

/** Inside the namespace: 127.0.0.1:<port> piped to the Unix socket, one connection per connection. */
const NS_BRIDGE = `
const net = require('node:net');
const [port, socketPath] = process.argv.slice(1);
net.createServer((c) => { const u = net.connect(socketPath); c.pipe(u).pipe(c); c.on('error', () => u.destroy()); u.on('error', () => c.destroy()); })
  .listen(Number(port), '127.0.0.1', () => console.log('bridge ready'));
`;

describe.skipIf(!canMakeNamespaces)('demo network: nothing leaves loopback', () => {
  let api: TestApi;
  let ops: Client;
  let stateDir: string;
  let hostBridge: net.Server;
  const children: ChildProcess[] = [];

  const spawnInNs = (args: string[], ready: string, timeoutMs: number) => {
    const child = spawn('ip', ['netns', 'exec', NS, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(child);
    let output = '';
    child.stdout!.on('data', (chunk) => (output += chunk));
    return until(async () => output.includes(ready), timeoutMs, 100).then(() => () => output);
  };

  beforeAll(async () => {
    // The worker runs too (the schedule's transitions and their verifications), with
    // short verification offsets: the agents probe every 30 s, the demo's kiosks boot in 3 s.
    api = await startTestApi({ ROLE: 'all', DISPATCH_LEAD_S: '5', VERIFY_AFTER_S: '40,70' });
    await loadDemoData(api.db);
    ops = await api.login('ops', DEMO_PASSWORD);
    stateDir = mkdtempSync(join(tmpdir(), 'wk-demo-net-'));

    ip('netns', 'add', NS);
    // No IPv6 autoconfiguration: its router and neighbour solicitations would be counted.
    inNs('sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1');
    inNs('ip', 'link', 'set', 'lo', 'up');
    inNs('ip', 'link', 'add', 'sink0', 'type', 'veth', 'peer', 'name', 'sink1');
    inNs('ip', 'link', 'set', 'sink0', 'up');
    inNs('ip', 'link', 'set', 'sink1', 'up');
    // An address from TEST-NET-1 (RFC 5737) so that sends have a source; the default route is the sink.
    inNs('ip', 'addr', 'add', '192.0.2.1/32', 'dev', 'sink0');
    inNs('ip', 'route', 'add', 'default', 'dev', 'sink0');
    // The control packet's neighbour, known in advance: no ARP retries to count later.
    inNs('ip', 'neigh', 'add', '192.0.2.2', 'lladdr', '02:00:00:00:00:02', 'dev', 'sink0', 'nud', 'permanent');

    const socketPath = join(stateDir, 'api.sock');
    const apiPort = Number(new URL(api.url).port);
    hostBridge = net.createServer((c) => {
      const upstream = net.connect(apiPort, '127.0.0.1');
      c.pipe(upstream).pipe(c);
      c.on('error', () => upstream.destroy());
      upstream.on('error', () => c.destroy());
    });
    await new Promise<void>((r) => hostBridge.listen(socketPath, r));
    // The same port inside: the fleet's requests then name the API's own origin.
    await spawnInNs([process.execPath, '-e', NS_BRIDGE, String(apiPort), socketPath], 'bridge ready', 10_000);
  }, 60_000);

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
    try {
      ip('netns', 'del', NS);
    } catch {
      // never created
    }
    hostBridge?.close();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
    await api?.close();
  });

  it('the sink counts a packet sent towards a non-loopback address', async () => {
    const before = sinkPackets();
    inNs(process.execPath, '-e', `require('node:dgram').createSocket('udp4').send('x', 9, '192.0.2.2', (e, n) => process.exit(e ? 1 : 0))`);
    await until(async () => sinkPackets() > before, 5_000, 50);
    expect(sinkPackets() - before).toBe(1);
  });

  it('runs the fleet with a wake and a shutdown now, a scheduled wake and shutdown, a screen session, and sends nothing outside loopback', async () => {
    const sinkAtStart = sinkPackets();
    const startedAt = Date.now();
    const fleetOutput = await spawnInNs(
      [process.execPath, '--import', 'tsx', 'apps/pi-agent/src/main.ts', 'demo-fleet', '--api-url', api.url, '--state-dir', stateDir],
      'simulated agents',
      120_000,
    );

    const site = demoId('site:BJRS-MAIN');
    const fleet = async () => (await ops.get(`/api/fleet?siteId=${site}`)).body.kiosks as { id: string; code: string; expected: string; observed: string }[];
    await until(async () => (await fleet()).filter((k) => k.observed !== 'unknown').length >= 50, 90_000, 1000);

    // A kiosk that is off: wake it, see it up, shut it down, see it down (through the agents' probes).
    const off = (await fleet()).find((k) => k.observed === 'down')!;
    expect(off, 'a kiosk the demo starts off').toBeDefined();
    const wake = await ops.post('/api/power-commands', { action: 'wake', kioskIds: [off.id] });
    expect(wake.status, wake.text).toBe(201);
    await until(async () => (await fleet()).find((k) => k.id === off.id)!.observed === 'up', 60_000, 1000);
    const shutdown = await ops.post('/api/power-commands', { action: 'shutdown', kioskIds: [off.id], confirm: true });
    expect(shutdown.status, shutdown.text).toBe(201);
    await until(async () => (await fleet()).find((k) => k.id === off.id)!.observed === 'down', 60_000, 1000);

    // A scheduled wake and shutdown, a minute apart, of a kiosk that is off: a rule of its own.
    const scheduled = (await fleet()).find((k) => k.id !== off.id && k.expected === 'off' && k.observed === 'down')!;
    expect(scheduled, 'another kiosk the schedule wants off').toBeDefined();
    let wakeAt = DateTime.now().setZone('Asia/Shanghai').plus({ seconds: 45 }).startOf('minute').plus({ minutes: 1 });
    if (wakeAt.plus({ minutes: 1 }).day !== wakeAt.day) wakeAt = wakeAt.plus({ minutes: 2 }); // not across local midnight
    const shutdownAt = wakeAt.plus({ minutes: 1 });
    const rule = await ops.post('/api/rules', {
      hospitalId: demoId('hospital:BJRS'),
      name: 'Demo network test: one minute on',
      scope: { kind: 'kiosks', kioskIds: [scheduled.id] },
      layer: 'override',
      from: wakeAt.toISODate(),
      until: wakeAt.toISODate(),
      windows: [{ start: wakeAt.toFormat('HH:mm'), end: shutdownAt.toFormat('HH:mm') }],
      priority: 1000,
    });
    expect(rule.status, rule.text).toBe(201);
    const dispatchesOf = async () =>
      ((await ops.get(`/api/kiosks/${scheduled.id}/dispatches?source=schedule`)).body.items as { action: string; plannedAt: string; status: string }[]).filter(
        (d) => d.plannedAt === wakeAt.toUTC().toISO() || d.plannedAt === shutdownAt.toUTC().toISO(),
      );
    await until(async () => (await fleet()).find((k) => k.id === scheduled.id)!.observed === 'up', shutdownAt.toMillis() - Date.now(), 1000);
    await until(async () => (await dispatchesOf()).filter((d) => d.status === 'verified').length === 2, shutdownAt.toMillis() - Date.now() + 120_000, 2000);
    expect((await dispatchesOf()).map((d) => [d.action, d.status]).sort()).toEqual([
      ['shutdown', 'verified'],
      ['wake', 'verified'],
    ]);
    const alerts = (await ops.get(`/api/alerts?siteId=${site}&pageSize=100`)).body.items as { kind: string; message: string }[];
    expect(alerts.filter((a) => ['kiosk_state', 'dispatch_missed', 'no_agent', 'agent_offline'].includes(a.kind))).toEqual([]);

    // A screen through an agent's relay channel.
    await until(async () => (await ops.get(`/api/sites/${site}/remote-route`)).body.relayAgents.length === 2, 30_000);
    const kioskId = demoId('kiosk:BJRS-MAIN:JZ-1F-01');
    const ticket = await ops.post(`/api/kiosks/${kioskId}/screen-tickets`);
    expect(ticket.status, ticket.text).toBe(201);
    const rfb = await RfbClient.open(api.url.replace(/^http/, 'ws') + ticket.body.path, { headers: { cookie: ops.cookie! } });
    try {
      expect(rfb.name).toBe('JZ-1F-01');
      await rfb.frame();
    } finally {
      rfb.close();
    }

    // Heartbeats, readings and probes of 20 agents for at least a minute and a half in all.
    const ranFor = Date.now() - startedAt;
    if (ranFor < 90_000) await new Promise((r) => setTimeout(r, 90_000 - ranFor));
    const simulatedAgents = Number(/(\d+) simulated agents/.exec(fleetOutput())?.[1]);
    const agents = (await ops.get('/api/agents?pageSize=50')).body.items as { online: boolean }[];
    expect(simulatedAgents).toBeGreaterThan(0);
    expect(agents.filter((a) => a.online)).toHaveLength(simulatedAgents);
    expect(sinkPackets() - sinkAtStart).toBe(0);
  }, 480_000);
});
