/**
 * Wake now / shut down now in a real browser, against the real API and a real
 * agent process (apps/pi-agent) that fires magic packets and shutdowns at
 * simulated kiosks on loopback and reports what its probes see. Nothing leaves
 * 127.0.0.0/8.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KioskSimulator } from '../../pi-agent/src/sim/kiosks';
import { freePortRange } from '../../pi-agent/src/sim/ports';
import { AgentProcess, startAgentProcess, until } from '../../api/testing/agent-processes';
import type { Client } from '../../api/testing/test-app';
import { DEMO_PASSWORD, ids, newPage, screenshot, signedInPage, signIn, useConsole } from './harness';

// Agents take their probe interval from the heartbeat's answer: every second here.
const env = useConsole({ AGENT_PROBE_INTERVAL_S: '1' });
let ops: Client;
let sim: KioskSimulator;
let agent: AgentProcess;
/** The first three kiosks of the site as the fleet page lists them (by code). */
let kiosks: { id: string; code: string; mac: string; subnet: string }[];

beforeAll(async () => {
  ops = await env.api.login('ops', DEMO_PASSWORD);
  const list = (await ops.get(`/api/kiosks?siteId=${ids.siteAMain}&pageSize=500`)).body.items as typeof kiosks;
  kiosks = [...list].sort((a, b) => a.code.localeCompare(b.code)).slice(0, 3);
  const base = await freePortRange(8);
  sim = new KioskSimulator({
    kiosks: kiosks.map((k) => ({ kioskId: k.id, mac: k.mac, code: k.code })),
    udpBasePort: base,
    vncBasePort: base + 3,
    controlPort: base + 6,
    bootDelayMs: 300,
    shutdownDelayMs: 200,
  });
  await sim.start();
  agent = await startAgentProcess({
    ops,
    siteId: ids.siteAMain,
    name: 'pi-act',
    apiUrl: env.api.url,
    config: {
      subnets: [...new Set(kiosks.map((k) => k.subnet))],
      heartbeatIntervalS: 1,
      http: { longPollWaitS: 5, backoffInitialMs: 200, backoffMaxMs: 2000 },
      sensors: { kind: 'none' },
      // Network safety: packets, probes and shutdowns go to the simulator on loopback.
      wake: {
        address: '127.0.0.1',
        portByKiosk: Object.fromEntries(kiosks.map((k, i) => [k.id, base + i])),
        repeat: 2,
        intervalMs: 50,
      },
      probe: {
        address: '127.0.0.1',
        portByKiosk: Object.fromEntries(kiosks.map((k, i) => [k.id, base + 3 + i])),
        intervalS: 1,
        timeoutMs: 300,
        kiosks: kiosks.map((k) => ({ kioskId: k.id })),
      },
      shutdown: { methods: { simulated: { kind: 'http', url: `${sim.controlUrl}/kiosks/{kioskId}/shutdown` } } },
    },
  });
  await until(async () => {
    const list = await ops.get(`/api/agents?siteId=${ids.siteAMain}`);
    return list.body.items.some((a: { name: string; online: boolean }) => a.name === 'pi-act' && a.online);
  }, 30_000);
}, 180_000);

afterAll(async () => {
  await agent?.stop();
  await sim?.stop();
});

const tile = (code: string, observed?: string) =>
  `[data-testid=kiosk-tile][data-code="${code}"]${observed ? `[data-observed=${observed}]` : ''}`;

describe('act now', () => {
  let page: Page;
  let close: () => Promise<void>;
  beforeAll(async () => ({ page, close } = await signedInPage(env, 'staff-a')));
  afterAll(() => close());

  it('staff select three kiosks on the fleet page, wake them now and see them come up, live', async () => {
    await page.goto(`/fleet?site=${ids.siteAMain}`);
    await page.waitForSelector('[data-testid=live][data-connected=true]');
    // The agent's probes see them off before anything is sent.
    for (const k of kiosks) await page.waitForSelector(tile(k.code, 'down'), { timeout: 15_000 });
    expect(
      await page.$$eval('[data-testid=kiosk-tile]', (els) => els.slice(0, 3).map((e) => e.getAttribute('data-code'))),
    ).toEqual(kiosks.map((k) => k.code));
    for (const k of kiosks) await page.check(`[data-testid=tile-select][data-code="${k.code}"]`);
    expect(await page.textContent('[data-testid=selected-count]')).toBe('3 selected');
    await page.click('[data-testid=power-selection] [data-testid=wake-now]');

    // Sent (by the one online agent of the site), then up as its probes report.
    await page.waitForSelector('[data-testid=power-result][data-action=wake]');
    const rows = await page.$$eval('[data-testid=power-result-kiosk]', (els) =>
      els.map((e) => [e.getAttribute('data-code'), e.getAttribute('data-status'), e.textContent]),
    );
    expect(rows.map(([code, status]) => [code, status])).toEqual(kiosks.map((k) => [k.code, 'sent']));
    expect(rows.every(([, , text]) => text!.includes('pi-act'))).toBe(true);
    for (const k of kiosks) await sim.waitForState(k.id, 'on', 10_000);
    for (const k of kiosks) {
      await page.waitForSelector(tile(k.code, 'up'), { timeout: 10_000 });
      await page.waitForSelector(`[data-testid=power-result-kiosk][data-code="${k.code}"][data-observed=up]`);
    }
    expect(await page.textContent('[data-testid=power-result-progress]')).toBe('3 of 3 up so far');
    // What ops asked for is what is expected now (until the schedule's next transition): no mismatch.
    for (const k of kiosks) await page.waitForSelector(`${tile(k.code, 'up')}[data-expected=on][data-mismatch=false]`);
    await screenshot(page, 'act-now-fleet');
    for (const k of kiosks) expect(sim.state(k.id).packetsAccepted).toBeGreaterThan(0);
    const recorded = await env.api.db.query(
      `SELECT kiosk_id, requested_by, source, status FROM dispatches WHERE source = 'manual' AND action = 'wake'`,
    );
    expect(recorded.map((r: { kiosk_id: string }) => r.kiosk_id).sort()).toEqual(kiosks.map((k) => k.id).sort());
    expect(recorded.every((r: { requested_by: string }) => r.requested_by === 'staff-a')).toBe(true);
  });

  it('shutting down a kiosk the schedule wants on warns with the count; confirmed, it goes down and the history says who', async () => {
    const kiosk = kiosks[0];
    const rule = await ops.post('/api/rules', {
      hospitalId: ids.hospitalA,
      name: `${kiosk.code} around the clock`,
      scope: { kind: 'kiosks', kioskIds: [kiosk.id] },
      layer: 'override',
      windows: [{ start: '00:00', end: '24:00' }],
    });
    expect(rule.status).toBe(201);
    try {
      await page.goto(`/kiosks/${kiosk.id}`);
      await page.waitForSelector('[data-testid=kiosk-observed][data-observed=up]', { timeout: 10_000 });
      await page.waitForSelector('[data-testid=live][data-connected=true]');
      await page.click('[data-testid=power-kiosk] [data-testid=shutdown-now]');
      await page.waitForSelector('[data-testid=power-confirm]');
      expect(await page.getAttribute('[data-testid=power-confirm-warning]', 'data-expected-on')).toBe('1');
      expect(await page.textContent('[data-testid=power-confirm-warning]')).toBe(
        'Warning: the schedule says 1 of these 1 kiosk(s) should be on now.',
      );
      expect(await page.textContent('#power-confirm-title')).toBe('Shut down 1 kiosk(s) now?');
      await screenshot(page, 'act-now-confirm');
      // Nothing is sent before the confirmation.
      expect(sim.state(kiosk.id).power).toBe('on');
      await page.click('[data-testid=power-confirm-ok]');
      await page.waitForSelector('[data-testid=power-confirm]', { state: 'detached' });
      await sim.waitForState(kiosk.id, 'off', 10_000);
      await page.waitForSelector('[data-testid=kiosk-observed][data-observed=down]', { timeout: 10_000 });
      await page.waitForSelector(`[data-testid=power-result-kiosk][data-code="${kiosk.code}"][data-observed=down]`);

      // The history (refreshed live): a shutdown asked for now by staff-a, sent to pi-act, which reported it done.
      const row = '[data-testid=kiosk-dispatches] [data-testid=dispatch-row][data-source=manual][data-action=shutdown]';
      await page.waitForSelector(row);
      expect(await page.textContent(`${row} [data-testid=dispatch-source]`)).toBe('Now, by staff-a');
      await expect
        .poll(() => page.textContent(`${row} [data-testid=dispatch-agents]`), { timeout: 10_000 })
        .toMatch(/pi-act · started \d\d:\d\d · done/);
      await screenshot(page, 'act-now-kiosk');

      // The site's history, reached from the fleet page.
      await page.goto(`/fleet?site=${ids.siteAMain}`);
      await page.click('[data-testid=site-history-link]');
      await page.waitForSelector('[data-testid=site-dispatches] [data-testid=dispatch-row][data-source=manual]');
      expect(
        await page.$$eval(
          '[data-testid=site-dispatches] [data-testid=dispatch-row][data-source=manual]',
          (els) => els.length,
        ),
      ).toBe(4);
    } finally {
      await ops.delete(`/api/rules/${rule.body.id}`);
    }
  });

  it('ops see why an agent is not online and create a code that re-enrols it in place', async () => {
    const { context, page: opsPage } = await newPage(env);
    try {
      await signIn(opsPage, 'ops');
      await opsPage.goto(`/agents?site=${ids.siteAMain}`);
      await opsPage.waitForSelector('[data-testid=agent-row][data-name=pi-act][data-state=online]');
      const demo = '[data-testid=agent-row][data-state=not_enrolled]';
      await opsPage.waitForSelector(demo);
      expect(await opsPage.textContent(`${demo} [data-testid=agent-reason]`)).toBe('not enrolled');
      const name = await opsPage.getAttribute(demo, 'data-name');
      opsPage.once('dialog', (d) => void d.accept());
      await opsPage.click(`${demo} [data-testid=reenrol]`);
      await opsPage.waitForSelector('[data-testid=enrolment-code][data-agent]:not([data-agent=""])');
      expect(await opsPage.textContent('[data-testid=reenrol-for]')).toContain(`Re-enrolment code for ${name}`);
      expect(await opsPage.textContent('[data-testid=enrolment-code]')).toContain('wakeward-agent enroll --code');
    } finally {
      await context.close();
    }
  });
});
