import type { AddressInfo } from 'node:net';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KioskSimulator } from '../../../pi-agent/src/sim/kiosks';
import { freePortRange } from '../../../pi-agent/src/sim/ports';
import { AgentProcess, startAgentProcess, until } from '../../testing/agent-processes';
import { kioskBody, seedTwoHospitals } from '../../testing/fixtures';
import { LineCutProxy } from '../../testing/line-cut-proxy';
import { startTestApi, TestApi } from '../../testing/test-app';

/**
 * The leased line is cut across a due instant, before the commands were
 * delivered: the agents wake the kiosks from their cached 48-hour plan, on time,
 * and report it through POST /offline-actions once the line is back.
 */
describe('agents act on their cached plan while the API is unreachable', () => {
  let api: TestApi;
  let proxy: LineCutProxy;
  let sim: KioskSimulator;
  const agents: AgentProcess[] = [];
  const kioskIds: string[] = [];
  const firstPacketAt = new Map<string, number>();
  let ids: Awaited<ReturnType<typeof seedTwoHospitals>>;

  beforeAll(async () => {
    api = await startTestApi({ ROLE: 'all', DISPATCH_LEAD_S: '5', AGENT_PROBE_INTERVAL_S: '1', VERIFY_AFTER_S: '300' });
    ids = await seedTwoHospitals(api.db);
    const ops = await api.login('ops');
    const base = await freePortRange(8);
    for (let i = 0; i < 2; i++) kioskIds.push((await ops.post('/api/kiosks', kioskBody(ids.siteA, i + 1, { mac: KioskSimulator.macFor(i) }))).body.id);
    sim = new KioskSimulator({
      kiosks: kioskIds.map((kioskId, i) => ({ kioskId, mac: KioskSimulator.macFor(i) })),
      udpBasePort: base,
      vncBasePort: base + 3,
      controlPort: base + 6,
      bootDelayMs: 300,
    });
    sim.on('packet', (id: string, ok: boolean) => ok && !firstPacketAt.has(id) && firstPacketAt.set(id, Date.now()));
    await sim.start();
    proxy = new LineCutProxy((api.app.getHttpServer().address() as AddressInfo).port);
    await proxy.start();
    for (const name of ['pi-1', 'pi-2']) {
      agents.push(
        await startAgentProcess({
          ops,
          siteId: ids.siteA,
          name,
          apiUrl: proxy.url,
          config: {
            subnets: ['10.1.2.0/24'],
            heartbeatIntervalS: 1,
            http: { longPollWaitS: 2, requestTimeoutMs: 2000, backoffInitialMs: 200, backoffMaxMs: 1000 },
            plan: { refreshIntervalS: 1, offlineAfterS: 3 },
            sensors: { kind: 'none' },
            wake: { address: '127.0.0.1', portByKiosk: Object.fromEntries(kioskIds.map((id, i) => [id, base + i])), repeat: 2, intervalMs: 50 },
            probe: { address: '127.0.0.1', portByKiosk: Object.fromEntries(kioskIds.map((id, i) => [id, base + 3 + i])), intervalS: 1, timeoutMs: 300 },
          },
        }),
      );
    }
  }, 120_000);

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await sim?.stop();
    await proxy?.stop();
    await api?.close();
  });

  it('wakes from the cached plan at the instant and reports the offline actions afterwards', async () => {
    const ops = await api.login('ops');
    const instant = DateTime.now().setZone('Asia/Shanghai').plus({ seconds: 35 }).startOf('minute').plus({ minutes: 1 });
    const end = instant.plus({ minutes: 30 });
    await ops.post('/api/rules', {
      hospitalId: ids.hospitalA,
      name: 'Wake soon',
      scope: { kind: 'site', siteId: ids.siteA },
      layer: 'override',
      windows: [{ start: instant.toFormat('HH:mm'), end: end.hasSame(instant, 'day') ? end.toFormat('HH:mm') : '24:00' }],
    });
    const at = instant.toMillis();
    // The agents' plans carry the wake before the line goes down.
    await until(async () => {
      const rows = await api.db.query(`SELECT COUNT(*) AS n FROM agents WHERE site_id = ? AND last_heartbeat_at > ?`, [ids.siteA, new Date(Date.now() - 3000)]);
      return Number(rows[0].n) === 2;
    }, 20_000);
    await new Promise((r) => setTimeout(r, Math.max(0, at - 20_000 - Date.now())));
    await proxy.cut();

    await until(async () => kioskIds.every((id) => firstPacketAt.has(id)), at - Date.now() + 10_000);
    const lateness = kioskIds.map((id) => firstPacketAt.get(id)! - at);
    console.info(`offline wake, first packet after the instant, ms: ${lateness.join(', ')}`);
    for (const ms of lateness) {
      expect(ms).toBeGreaterThanOrEqual(-5);
      // The offline plan waits for the instant on a timer (apps/pi-agent offline-plan.ts): milliseconds, plus load.
      expect(ms).toBeLessThan(1000);
    }
    for (const id of kioskIds) await sim.waitForState(id, 'on', 5000);

    await proxy.restore();
    // All agents send, one alive is enough: both were cut off at the instant, so both
    // woke the kiosks themselves, and each reports it once the line is back.
    const reporters = async () => Number((await api.db.query('SELECT COUNT(DISTINCT agent_id) AS n FROM agent_offline_actions'))[0].n);
    await until(async () => (await reporters()) === 2, 60_000);
    const actions = await api.db.query('SELECT type, at, kiosk_ids FROM agent_offline_actions');
    expect(actions).toHaveLength(2);
    for (const a of actions) {
      expect(a.type).toBe('wake');
      expect(new Date(a.at).getTime()).toBe(at);
      const kiosks = typeof a.kiosk_ids === 'string' ? JSON.parse(a.kiosk_ids) : a.kiosk_ids;
      expect([...kiosks].sort()).toEqual([...kioskIds].sort());
    }
  }, 150_000);
});
