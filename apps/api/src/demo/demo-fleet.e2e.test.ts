import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ipv4InSubnet } from '@wakeward/wol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RfbClient } from '../../testing/remote/rfb-client';
import { Client, startTestApi, TestApi } from '../../testing/test-app';
import { until } from '../../testing/wait';
import { DEMO_PASSWORD, demoId, loadDemoData } from './demo-data';

/**
 * `npm start`'s demo, end to end: the demo data and the simulated fleet (its kiosks
 * and agents, one process as `npm start` runs it) against a test API. Nothing in it
 * may leave loopback, and a demo kiosk's screen, opened through the agent route,
 * shows the simulated kiosk's picture.
 */
const root = resolve(__dirname, '../../../..');
const loopback = (ip: string) => ipv4InSubnet(ip, '127.0.0.0/8');
const loopbackSubnet = (cidr: string) => loopback(cidr.split('/')[0]!) && Number(cidr.split('/')[1]) >= 8;

describe('demo on loopback', () => {
  let api: TestApi;
  let ops: Client;
  let fleet: ChildProcess | undefined;
  let stateDir: string;

  beforeAll(async () => {
    api = await startTestApi();
    await loadDemoData(api.db);
    ops = await api.login('ops', DEMO_PASSWORD);
    stateDir = mkdtempSync(join(tmpdir(), 'wk-demo-fleet-'));
  }, 60_000);

  afterAll(async () => {
    if (fleet && fleet.exitCode === null) {
      const exited = new Promise((r) => fleet!.once('exit', r));
      fleet.kill('SIGKILL');
      await exited;
    }
    rmSync(stateDir, { recursive: true, force: true });
    await api?.close();
  });

  it('gives every kiosk, site and agent a loopback address or subnet', async () => {
    const kiosks = (await ops.get('/api/kiosks?pageSize=500')).body.items as { ip: string; subnet: string }[];
    const sites = (await ops.get('/api/sites?pageSize=500')).body.items as { subnets: string[] }[];
    const agents = (await ops.get('/api/agents?pageSize=500')).body.items as { subnets: string[] }[];
    expect(kiosks).toHaveLength(300);
    expect(kiosks.filter((k) => !loopback(k.ip) || !loopbackSubnet(k.subnet))).toEqual([]);
    expect(sites).toHaveLength(5);
    expect(sites.flatMap((s) => s.subnets).filter((c) => !loopbackSubnet(c))).toEqual([]);
    expect(agents).toHaveLength(20);
    expect(agents.flatMap((a) => a.subnets).filter((c) => !loopbackSubnet(c))).toEqual([]);
  });

  it('moves the rows of a demo database loaded before the move (10.x) to loopback, and leaves edited ones', async () => {
    const moved = demoId('kiosk:BJRS-MAIN:MZ-1F-01');
    const edited = demoId('kiosk:BJRS-MAIN:SF-1F-01');
    const site = demoId('site:BJRS-MAIN');
    await api.db.query(`UPDATE kiosks SET ip = '10.10.1.10', subnet = '10.10.1.0/24' WHERE id = ?`, [moved]);
    await api.db.query(`UPDATE kiosks SET ip = '10.99.1.11' WHERE id = ?`, [edited]);
    await api.db.query(`UPDATE sites SET subnets = ? WHERE id = ?`, [
      JSON.stringify(['10.10.1.0/24', '10.10.2.0/24']),
      site,
    ]);
    expect(await loadDemoData(api.db)).toMatch(/2 rows moved/);
    expect((await ops.get(`/api/kiosks/${moved}`)).body).toMatchObject({ ip: '127.10.1.10', subnet: '127.10.1.0/24' });
    expect((await ops.get(`/api/kiosks/${edited}`)).body.ip).toBe('10.99.1.11');
    expect((await ops.get(`/api/sites/${site}`)).body.subnets).toEqual(['127.10.1.0/24', '127.10.2.0/24']);
    await api.db.query(`UPDATE kiosks SET ip = '127.10.2.11' WHERE id = ?`, [edited]);
  });

  it("shows a demo kiosk's simulated screen through a simulated agent's relay channel", async () => {
    fleet = spawn(
      process.execPath,
      ['--import', 'tsx', 'apps/pi-agent/src/main.ts', 'demo-fleet', '--api-url', api.url, '--state-dir', stateDir],
      { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let output = '';
    fleet.stdout!.on('data', (chunk) => (output += chunk));
    await until(async () => output.includes('simulated agents'), 90_000, 250);
    expect(output).not.toMatch(/show no screen/);

    // Emergency department kiosks are on around the clock, so the fleet starts them on.
    const site = demoId('site:BJRS-MAIN');
    const kioskId = demoId('kiosk:BJRS-MAIN:JZ-1F-01');
    await until(async () => (await ops.get(`/api/sites/${site}/remote-route`)).body.relayAgents.length === 2, 30_000);
    expect((await ops.get(`/api/sites/${site}/remote-route`)).body.route).toBe('agent');

    const ticket = await ops.post(`/api/kiosks/${kioskId}/screen-tickets`);
    expect(ticket.status, ticket.text).toBe(201);
    const rfb = await RfbClient.open(api.url.replace(/^http/, 'ws') + ticket.body.path, {
      headers: { cookie: ops.cookie! },
    });
    try {
      expect([rfb.width, rfb.height, rfb.name]).toEqual([320, 120, 'JZ-1F-01']);
      const { rgb } = await rfb.frame();
      expect([...rgb.subarray(0, 3)]).toEqual([0x1b, 0x5e, 0x20]); // "on"
      let lit = 0;
      for (let i = 0; i < rgb.length; i += 3) if (rgb[i] === 0xff && rgb[i + 1] === 0xff && rgb[i + 2] === 0xff) lit++;
      expect(lit).toBeGreaterThan(500); // its code and clock
    } finally {
      rfb.close();
    }
    const sessions = (await ops.get(`/api/remote-sessions?kioskId=${kioskId}`)).body;
    expect(JSON.stringify(sessions)).toContain('127.10.');
  }, 150_000);
});
