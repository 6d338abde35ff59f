import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KioskSimulator } from '../../../pi-agent/src/sim/kiosks';
import { freePortRange } from '../../../pi-agent/src/sim/ports';
import { AgentProcess, startAgentProcess, until } from '../../testing/agent-processes';
import { kioskBody, seedTwoHospitals } from '../../testing/fixtures';
import { Client, startTestApi, TestApi } from '../../testing/test-app';

/**
 * The whole chain with nothing faked but the hospital network: the real API and
 * dispatch worker (MySQL, Redis, BullMQ), two real agent processes enrolled with
 * codes, and simulated kiosks on loopback that boot on their magic packet and
 * answer probes while on. A rule edited to switch kiosks on at the next minute
 * makes both agents fire at that instant by their own clocks; verification runs
 * at compressed offsets (+4, +8, +12 s instead of +5, +10, +15 min).
 */
const ZONE = 'Asia/Shanghai';

describe('dispatch with real agents and simulated kiosks', () => {
  let api: TestApi;
  let ops: Client;
  let ids: Awaited<ReturnType<typeof seedTwoHospitals>>;
  let sim: KioskSimulator;
  const agents: AgentProcess[] = [];
  const kioskIds: string[] = [];
  let deafKiosk: string;
  const firstPacketAt = new Map<string, number>();

  beforeAll(async () => {
    api = await startTestApi({
      ROLE: 'all',
      DISPATCH_LEAD_S: '15',
      VERIFY_AFTER_S: '4,8,12',
      REPAIR_INTERVAL_S: '5',
      AGENT_PROBE_INTERVAL_S: '1',
    });
    ids = await seedTwoHospitals(api.db);
    ops = await api.login('ops');
    const base = await freePortRange(24);
    const controlPort = base + 20;
    // The kiosks name a method the agents define (below): a POST to the simulator's control port.
    const shutdownMethod = 'simulated';
    for (let i = 0; i < 3; i++) {
      const res = await ops.post('/api/kiosks', kioskBody(ids.siteA, i + 1, { mac: KioskSimulator.macFor(i), shutdownMethod }));
      kioskIds.push(res.body.id);
    }
    // A kiosk that ignores its packets: nothing listens for it.
    deafKiosk = (await ops.post('/api/kiosks', kioskBody(ids.siteA, 9, { mac: KioskSimulator.macFor(9), shutdownMethod }))).body.id;

    sim = new KioskSimulator({
      kiosks: kioskIds.map((kioskId, i) => ({ kioskId, mac: KioskSimulator.macFor(i) })),
      udpBasePort: base,
      vncBasePort: base + 10,
      controlPort,
      bootDelayMs: 500,
      shutdownDelayMs: 200,
    });
    sim.on('packet', (kioskId: string, ok: boolean) => {
      if (ok && !firstPacketAt.has(kioskId)) firstPacketAt.set(kioskId, Date.now());
    });
    await sim.start();

    const wakePorts = Object.fromEntries([...kioskIds.map((id, i) => [id, base + i]), [deafKiosk, base + 3]]);
    const probePorts = Object.fromEntries([...kioskIds.map((id, i) => [id, base + 10 + i]), [deafKiosk, base + 13]]);
    for (const name of ['pi-1', 'pi-2']) {
      agents.push(
        await startAgentProcess({
          ops,
          siteId: ids.siteA,
          name,
          apiUrl: api.url,
          config: {
            subnets: ['10.1.2.0/24'],
            heartbeatIntervalS: 1,
            http: { longPollWaitS: 5 },
            sensors: { kind: 'simulated' },
            // Network safety: every packet and probe goes to loopback.
            wake: { address: '127.0.0.1', portByKiosk: wakePorts, repeat: 3, intervalMs: 50 },
            probe: { address: '127.0.0.1', portByKiosk: probePorts, intervalS: 1, timeoutMs: 300, kiosks: [...kioskIds, deafKiosk].map((kioskId) => ({ kioskId })) },
            shutdown: { methods: { simulated: { kind: 'http', url: `http://127.0.0.1:${controlPort}/kiosks/{kioskId}/shutdown` } } },
          },
        }),
      );
    }
    // Both agents online (heartbeat within 90 s) before anything is due.
    await until(async () => {
      const list = await ops.get(`/api/agents?siteId=${ids.siteA}`);
      return list.body.items.filter((a: { online: boolean }) => a.online).length === 2;
    }, 30_000);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await sim?.stop();
    await api?.close();
  });

  it('wakes the kiosks at the instant a rule edit sets, verifies them, retries and alerts the one that ignores its packets, and shuts them down', async () => {
    // The next minute boundary at least 25 s away: the job is delivered 15 s ahead.
    const instant = DateTime.now().setZone(ZONE).plus({ seconds: 25 }).startOf('minute').plus({ minutes: 1 });
    const end = instant.plus({ minutes: 30 });
    const rule = await ops.post('/api/rules', {
      hospitalId: ids.hospitalA,
      name: 'Test window',
      scope: { kind: 'site', siteId: ids.siteA },
      layer: 'override',
      windows: [{ start: instant.toFormat('HH:mm'), end: end.hasSame(instant, 'day') ? end.toFormat('HH:mm') : '24:00' }],
    });
    expect(rule.status).toBe(201);
    const at = instant.toMillis();

    // Magic packets arrive within 1 s of the instant, never before it.
    await until(async () => kioskIds.every((id) => firstPacketAt.has(id)), at - Date.now() + 10_000);
    console.info(`first magic packet after the instant, ms: ${kioskIds.map((id) => firstPacketAt.get(id)! - at).join(', ')}`);
    for (const id of kioskIds) {
      const lateness = firstPacketAt.get(id)! - at;
      expect(lateness, `kiosk ${id}`).toBeGreaterThanOrEqual(-5);
      expect(lateness, `kiosk ${id}`).toBeLessThan(1000);
    }
    // Both agents sent (each sends `repeat` = 3 packets per kiosk).
    await until(async () => kioskIds.every((id) => sim.state(id).packetsAccepted >= 6), 5000);
    for (const id of kioskIds) await sim.waitForState(id, 'on', 5000);

    // Verification at +4 s: the three are up; the deaf one is woken again (+4, +8) and alerted (+12).
    const listsDeaf = (a: { kind: string; details: { kiosks?: { id: string }[] } | null }) =>
      a.kind === 'kiosk_state' && (a.details?.kiosks ?? []).some((k) => k.id === deafKiosk);
    await until(async () => (await ops.get('/api/alerts?status=open')).body.items.some(listsDeaf), 30_000);
    const dispatches = await api.db.query(`SELECT kiosk_id, status, commands, verifications FROM dispatches WHERE action = 'wake' AND planned_at = ?`, [new Date(at)]);
    expect(dispatches).toHaveLength(4);
    const byKiosk = new Map(dispatches.map((d: { kiosk_id: string }) => [d.kiosk_id, d]));
    for (const id of kioskIds) {
      const row = byKiosk.get(id) as { status: string; commands: unknown[] };
      expect(row.status).toBe('verified');
      expect(row.commands).toHaveLength(2); // one command per agent
    }
    const deaf = byKiosk.get(deafKiosk) as { status: string; commands: { attempt: number }[]; verifications: { action: string }[] };
    expect(deaf.status).toBe('failed');
    expect(deaf.verifications.map((v) => v.action)).toEqual(['woken-again', 'woken-again', 'alerted']);
    expect(deaf.commands.map((c) => c.attempt).sort()).toEqual([0, 0, 1, 1, 2, 2]);
    // Every command was reported done by the agent that ran it, once.
    const results = await api.db.query(`SELECT command_id, agent_id, COUNT(*) AS n FROM command_results GROUP BY command_id, agent_id`);
    expect(results.every((r: { n: number }) => Number(r.n) === 1)).toBe(true);

    // The fleet view agrees: up, expected on.
    const fleet = await ops.get(`/api/fleet?siteId=${ids.siteA}`);
    for (const id of kioskIds) {
      expect(fleet.body.kiosks.find((k: { id: string }) => k.id === id)).toMatchObject({ observed: 'up', expected: 'on' });
    }

    // Shutdown through both agents with the method the kiosks name; probes then see them down.
    const sent = await ops.post(`/api/sites/${ids.siteA}/commands`, { type: 'shutdown', kioskIds });
    expect(sent.status).toBe(201);
    expect(sent.body.commands).toHaveLength(2);
    for (const id of kioskIds) await sim.waitForState(id, 'off', 10_000);
    await until(async () => {
      const f = await ops.get(`/api/fleet?siteId=${ids.siteA}`);
      return kioskIds.every((id) => f.body.kiosks.find((k: { id: string }) => k.id === id).observed === 'down');
    }, 10_000);
  }, 150_000);
});

