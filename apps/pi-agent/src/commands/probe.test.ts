import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentConfigSchema } from '../config';
import type { ProbeReport } from '../protocol';
import { freePortRange } from '../sim/ports';
import { memoryLogger } from '../../testing/silent-log';
import { ProbeMonitor, tcpProbe } from './probe';

const servers: net.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

async function listen(port: number): Promise<net.Server> {
  const server = net.createServer((socket) => {
    socket.on('error', () => {});
    socket.end();
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  servers.push(server);
  return server;
}

const probeDefaults = AgentConfigSchema.parse({ apiUrl: 'http://127.0.0.1:1' }).probe;
/** Loopback kiosks, as the tests' simulated ones are. */
const loopback = { subnets: ['127.0.0.0/8'], allow: ['127.0.0.0/8'] };

describe('tcpProbe', () => {
  it('sees an open port as up and a closed one as down', async () => {
    const port = await freePortRange(2);
    await listen(port);
    expect(await tcpProbe('127.0.0.1', port, 1000)).toMatchObject({ up: true });
    expect(await tcpProbe('127.0.0.1', port + 1, 1000)).toMatchObject({ up: false });
  });
});

describe('ProbeMonitor', () => {
  it('sends a full snapshot first, then only changes, then a snapshot when due', async () => {
    const base = await freePortRange(2);
    const reports: ProbeReport[] = [];
    const monitor = new ProbeMonitor(
      {
        ...probeDefaults,
        address: '127.0.0.1',
        timeoutMs: 500,
        snapshotIntervalS: 300,
        portByKiosk: { A: base, B: base + 1 },
        kiosks: [{ kioskId: 'A' }, { kioskId: 'B' }],
      },
      loopback,
      async (r) => void reports.push(r),
      memoryLogger(),
    );
    const a = await listen(base);
    const t0 = Date.now();
    await monitor.runRound(t0);
    expect(reports[0]!.results).toEqual([
      { kioskId: 'A', up: true, method: `tcp:${base}`, latencyMs: expect.any(Number) },
      { kioskId: 'B', up: false, method: `tcp:${base + 1}` },
    ]);

    expect(await monitor.runRound(t0 + 30_000)).toBeUndefined(); // nothing changed

    await new Promise((r) => a.close(r));
    servers.splice(servers.indexOf(a), 1);
    await listen(base + 1);
    await monitor.runRound(t0 + 60_000);
    expect(reports[1]!.results.map((r) => [r.kioskId, r.up])).toEqual([
      ['A', false],
      ['B', true],
    ]);

    await monitor.runRound(t0 + 300_000); // snapshot due: both, although unchanged
    expect(reports[2]!.results).toHaveLength(2);
    expect(reports).toHaveLength(3);
  });

  it('owes a snapshot after a report could not be delivered', async () => {
    const base = await freePortRange(1);
    let fail = true;
    const reports: ProbeReport[] = [];
    const monitor = new ProbeMonitor(
      { ...probeDefaults, address: '127.0.0.1', timeoutMs: 500, portByKiosk: { A: base }, kiosks: [{ kioskId: 'A' }] },
      loopback,
      async (r) => {
        if (fail) throw new Error('API down');
        reports.push(r);
      },
      memoryLogger(),
    );
    await monitor.runRound(1_000);
    fail = false;
    await monitor.runRound(31_000);
    expect(reports).toHaveLength(1);
    expect(reports[0]!.results).toEqual([{ kioskId: 'A', up: false, method: `tcp:${base}` }]);
  });

  it('probes the configured port list when a kiosk has no port of its own', async () => {
    const base = await freePortRange(2);
    await listen(base + 1);
    const monitor = new ProbeMonitor(
      { ...probeDefaults, timeoutMs: 500, ports: [base, base + 1] },
      loopback,
      async () => {},
      memoryLogger(),
    );
    const [result] = await monitor.probeNow([{ kioskId: 'K', ip: '127.0.0.1' }]);
    expect(result).toMatchObject({ kioskId: 'K', up: true, method: `tcp:${base + 1}` });
  });

  it('connects to no address or port the agent may not reach for the API, and reports no state for it', async () => {
    const base = await freePortRange(1);
    let connections = 0;
    const server = net.createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(base, '127.0.0.1', resolve));
    servers.push(server);
    const reports: ProbeReport[] = [];
    const log = memoryLogger();
    const monitor = new ProbeMonitor(
      { ...probeDefaults, timeoutMs: 500 },
      { subnets: ['10.1.2.0/24'] },
      async (r) => void reports.push(r),
      log,
    );
    // The kiosk's address is loopback (outside the agent's subnets, and special): not probed.
    expect(await monitor.probeNow([{ kioskId: 'K', ip: '127.0.0.1', vncPort: base }])).toEqual([]);
    await monitor.runRound(1_000);
    expect(connections).toBe(0);
    expect(reports.flatMap((r) => r.results)).toEqual([]);
    expect(log.lines.some((l) => l.msg === 'kiosk not probed' && String(l.fields?.reason).includes('loopback'))).toBe(
      true,
    );

    // A loopback agent (tests, simulation) is still held to its allowed ports: 6379 becomes the default 5900.
    const loopbackMonitor = new ProbeMonitor(
      { ...probeDefaults, timeoutMs: 500 },
      loopback,
      async () => {},
      memoryLogger(),
    );
    const [redisPort] = await loopbackMonitor.probeNow([{ kioskId: 'R', ip: '127.0.0.1', vncPort: 6379 }]);
    expect(redisPort).toMatchObject({ method: 'tcp:5900' });
    loopbackMonitor.setPorts([6379, 5901]);
    const [noPort] = await loopbackMonitor.probeNow([{ kioskId: 'N', ip: '127.0.0.1' }]);
    expect(noPort).toMatchObject({ method: 'tcp:5901' });
  });
});

describe('ProbeMonitor kiosk set', () => {
  it('forgets learnt kiosks that left the plan but keeps configured ones', () => {
    const monitor = new ProbeMonitor(
      { ...probeDefaults, kiosks: [{ kioskId: 'CONFIGURED' }] },
      loopback,
      async () => {},
      memoryLogger(),
    );
    monitor.learn([{ kioskId: 'OLD' }, { kioskId: 'STAYS', ip: '127.0.0.1' }]);
    monitor.replaceLearned([{ kioskId: 'STAYS' }, { kioskId: 'NEW' }]);
    expect(monitor.knownKiosks.sort()).toEqual(['CONFIGURED', 'NEW', 'STAYS']);
  });
});
