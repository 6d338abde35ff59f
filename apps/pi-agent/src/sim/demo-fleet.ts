/**
 * The demo's fleet: simulated kiosks for every kiosk the API knows, and two
 * simulated agents per site (pi-1 and pi-2, one per VLAN as in the demo data),
 * all in this one process. `npm start` runs it next to the API.
 *
 * Network safety: every magic packet, probe and shutdown goes to 127.0.0.1, and every
 * demo kiosk's address is a loopback one (127.x, demo-data.ts) where its simulated
 * screen listens; the fleet switches the sites' screens to the agent route, so a
 * screen opened in the console goes through these agents' relay channel. Demo
 * kiosks name the shutdown method `simulated`, which these agents define (as every
 * agent defines its own methods) as a POST to the simulator's control URL with
 * {kioskId}; it is also their default, for demo databases loaded before methods
 * were names (migrated to `http-post`).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Agent } from '../agent';
import { loadEnrolment, saveEnrolment } from '../buffer/token-store';
import { AgentApiClient } from '../client';
import { loadConfig } from '../config';
import { configureLogging, createLogger } from '../log';
import { freePortRange } from './ports';
import { AGENT_VERSION } from '../version';
import { KioskSimulator } from './kiosks';

interface DemoSite {
  id: string;
  name: string;
}
interface DemoKiosk {
  id: string;
  code: string;
  mac: string;
  ip: string | null;
  vncPort: number;
}
interface DemoAgent {
  id: string;
  name: string;
  subnets: string[];
}

const AGENTS_PER_SITE = ['pi-1', 'pi-2'];

/** A console session as ops, to look up the fleet and create enrolment codes. */
class ConsoleSession {
  private cookie = '';
  constructor(private readonly apiUrl: string) {}

  async login(username: string, password: string): Promise<void> {
    const res = await fetch(`${this.apiUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    if (!res.ok) throw new Error(`demo fleet: login as ${username} failed (${res.status}): ${await res.text()}`);
    this.cookie = (res.headers.get('set-cookie') ?? '').split(';')[0];
  }

  async get<T>(p: string): Promise<T> {
    const res = await fetch(`${this.apiUrl}${p}`, { headers: { cookie: this.cookie } });
    if (!res.ok) throw new Error(`demo fleet: GET ${p} failed (${res.status})`);
    return (await res.json()) as T;
  }

  async post<T>(p: string): Promise<T> {
    // A change made with the session cookie names the console's origin, as a browser does.
    const headers = { cookie: this.cookie, origin: new URL(this.apiUrl).origin };
    const res = await fetch(`${this.apiUrl}${p}`, { method: 'POST', headers });
    if (!res.ok) throw new Error(`demo fleet: POST ${p} failed (${res.status})`);
    return (await res.json()) as T;
  }

  async put(p: string, body: unknown): Promise<void> {
    const headers = { cookie: this.cookie, origin: new URL(this.apiUrl).origin, 'content-type': 'application/json' };
    const res = await fetch(`${this.apiUrl}${p}`, { method: 'PUT', headers, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`demo fleet: PUT ${p} failed (${res.status})`);
  }
}

export async function runDemoFleet(options: { apiUrl: string; stateDir: string; username: string; password: string }) {
  configureLogging({ level: 'warn' });
  const log = createLogger({ service: 'demo-fleet' });
  const session = new ConsoleSession(options.apiUrl);
  await session.login(options.username, options.password);

  const sites = (await session.get<{ items: DemoSite[] }>('/api/sites?pageSize=500')).items;
  const kiosksBySite = new Map<string, DemoKiosk[]>();
  for (const site of sites) {
    kiosksBySite.set(site.id, (await session.get<{ items: DemoKiosk[] }>(`/api/kiosks?siteId=${site.id}&pageSize=500`)).items);
  }
  const allKiosks = [...kiosksBySite.values()].flat();
  // Kiosks the schedule wants on right now start on, so the demo opens on a plausible fleet.
  const expectedOn = new Set<string>();
  for (const site of sites) {
    const fleet = await session.get<{ kiosks: { id: string; expected: string }[] }>(`/api/fleet?siteId=${site.id}`);
    for (const k of fleet.kiosks) if (k.expected === 'on') expectedOn.add(k.id);
  }
  const base = await freePortRange(2 * allKiosks.length + 1);
  const simulator = new KioskSimulator({
    kiosks: allKiosks.map((k) => ({
      kioskId: k.id,
      mac: k.mac,
      code: k.code,
      initiallyOn: expectedOn.has(k.id),
      // Its screen where the relay will look for it; a kiosk someone moved off loopback gets none.
      ...(k.ip && LOOPBACK.test(k.ip) && { screen: { ip: k.ip, port: k.vncPort } }),
    })),
    udpBasePort: base,
    vncBasePort: base + allKiosks.length,
    controlPort: base + 2 * allKiosks.length,
    bootDelayMs: 3000,
    shutdownDelayMs: 1000,
  });
  await simulator.start();
  const fragment = simulator.agentConfigFragment() as {
    wake: Record<string, unknown>;
    probe: Record<string, unknown>;
    shutdown: Record<string, unknown>;
  };

  const agents: Agent[] = [];
  for (const site of sites) {
    await session.put(`/api/sites/${site.id}/remote-route`, { route: 'agent' });
    const registered = (await session.get<{ items: DemoAgent[] }>(`/api/agents?siteId=${site.id}&pageSize=50`)).items;
    for (const name of AGENTS_PER_SITE) {
      const subnets = registered.find((a) => a.name === name)?.subnets ?? [];
      const stateDir = path.join(options.stateDir, site.id, name);
      fs.mkdirSync(stateDir, { recursive: true });
      const configFile = path.join(stateDir, 'agent.json');
      const siteKiosks = new Set((kiosksBySite.get(site.id) ?? []).map((k) => k.id));
      fs.writeFileSync(
        configFile,
        JSON.stringify({
          apiUrl: options.apiUrl,
          stateDir,
          name,
          subnets,
          logLevel: 'warn',
          sensors: { kind: 'simulated', simulated: { seed: hashSeed(`${site.id}/${name}`) } },
          wake: fragment.wake,
          probe: { ...fragment.probe, kiosks: (fragment.probe.kiosks as { kioskId: string }[]).filter((k) => siteKiosks.has(k.kioskId)) },
          shutdown: { ...fragment.shutdown, defaultMethod: 'simulated' },
          // The simulated kiosks' screens are on loopback, which the relay refuses otherwise.
          relay: { allowTargets: ['127.0.0.0/8'] },
        }),
      );
      const config = loadConfig({ configFile, env: {} });
      if (!loadEnrolment(stateDir)) {
        const { code } = await session.post<{ code: string }>(`/api/sites/${site.id}/enrolment-codes`);
        const client = new AgentApiClient({ baseUrl: options.apiUrl, requestTimeoutMs: 15_000 });
        const res = await client.enroll({ code, name, hostname: os.hostname(), version: AGENT_VERSION, subnets });
        saveEnrolment(stateDir, { agentId: res.agentId, token: res.token, enrolledAt: new Date().toISOString() });
      }
      const agent = new Agent(config, createLogger({ service: 'demo-agent', site: site.name, agent: name }));
      agent.start();
      agents.push(agent);
    }
  }
  console.log(
    `[demo] ${allKiosks.length} simulated kiosks on 127.0.0.1 (UDP ${base}-${base + allKiosks.length - 1}, state at ${simulator.controlUrl}/kiosks), ${agents.length} simulated agents`,
  );
  const noScreen = simulator.states().filter((s) => s.screenError);
  if (noScreen.length)
    console.warn(`[demo] ${noScreen.length} kiosks show no screen: their address and port are taken (${noScreen[0]!.screen}: ${noScreen[0]!.screenError})`);
  log.info('demo fleet running', { kiosks: allKiosks.length, agents: agents.length });
  return {
    async stop() {
      await Promise.all(agents.map((a) => a.stop()));
      await simulator.stop();
    },
  };
}

const LOOPBACK = /^127\.\d+\.\d+\.\d+$/;

function hashSeed(s: string): number {
  let h = 0;
  for (const c of s) h = (h * 31 + c.charCodeAt(0)) | 0;
  return Math.abs(h);
}
