/**
 * Remote screens in the browser: the console's Screen dialog renders a real VNC
 * server (x11vnc on Xvfb, loopback, showing a known image) through the API's relay,
 * directly and through a real agent process; pixels of the noVNC canvas and of a
 * screenshot of it are compared with the known image.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrolAgent } from '../../api/testing/agent-kit';
import { loopbackRelayAgentConfig, startAgentProcess } from '../../api/testing/agent-processes';
import { CountingListener, startListener } from '../../api/testing/remote/tcp-listeners';
import { freeTcpPort, startVncKiosk, VncKiosk } from '../../api/testing/remote/vnc-kiosk';
import type { Client } from '../../api/testing/test-app';
import { DEMO_PASSWORD, ids, newPage, screenshots, signIn, useConsole } from './harness';
import { until as waitUntil } from '../../api/testing/wait';

describe('remote screens in the console', () => {
  let vnc: VncKiosk;
  let ops: Client;
  let kioskId: string;
  let closedKioskId: string;
  let notVncKioskId: string;
  let closedPort: number;
  /** Speaks first, but not RFB: the relay must refuse it. */
  let notVnc: CountingListener;
  /** Enrolled by one test, started by the next. */
  let screenAgent: { agentId: string; token: string };
  const agents: { stop(): Promise<void> }[] = [];

  // The stand-in kiosks first: the relay connects only to the VNC ports it is given.
  const env = useConsole(async () => {
    [vnc, closedPort, notVnc] = await Promise.all([startVncKiosk(), freeTcpPort(), startListener('banner')]);
    return { REMOTE_VNC_PORTS: `5900-5909,${vnc.port},${closedPort},${notVnc.port}` };
  }, 240_000);

  beforeAll(async () => {
    ops = await env.api.login('ops', DEMO_PASSWORD);
    // The demo site declares its VLANs; the stand-in kiosks are on loopback (allowed in tests).
    const site = (await ops.get(`/api/sites/${ids.siteAMain}`)).body;
    expect((await ops.patch(`/api/sites/${ids.siteAMain}`, { subnets: [...site.subnets, '127.0.0.0/8'] })).status).toBe(200);
    const base = { siteId: ids.siteAMain, kind: 'registration', location: 'Test bench', ip: '127.0.0.1' };
    const k = await ops.post('/api/kiosks', { ...base, code: 'VNC-01', name: 'Screen test', mac: '02:00:00:00:70:01', vncPort: vnc.port });
    const c = await ops.post('/api/kiosks', { ...base, code: 'VNC-02', name: 'No VNC', mac: '02:00:00:00:70:02', vncPort: closedPort });
    const n = await ops.post('/api/kiosks', { ...base, code: 'VNC-03', name: 'Not VNC', mac: '02:00:00:00:70:03', vncPort: notVnc.port });
    expect(k.status, k.text).toBe(201);
    kioskId = k.body.id;
    closedKioskId = c.body.id;
    notVncKioskId = n.body.id;
  });

  afterAll(async () => {
    for (const a of agents) await a.stop();
    await vnc?.stop();
    await notVnc?.close();
  });

  /** Opens the Screen dialog of a kiosk and waits until noVNC shows the whole screen. */
  async function openScreen(page: Page, id: string) {
    await page.goto(`/kiosks/${id}`);
    await page.click('[data-testid=screen-button]:not([disabled])');
    await page.waitForSelector('[data-testid=screen-dialog]');
  }

  async function canvasMatch(page: Page): Promise<number> {
    const size = { width: vnc.width, height: vnc.height };
    // The known image, rendered the same way on the page side.
    const expected = Array.from({ length: vnc.width * vnc.height }, (_, i) => vnc.expected(i % vnc.width, Math.floor(i / vnc.width))).flat();
    return page.evaluate(
      ({ size, expected }) => {
        const canvas = document.querySelector<HTMLCanvasElement>('[data-testid=screen-canvas] canvas');
        if (!canvas || canvas.width !== size.width || canvas.height !== size.height) return 0;
        const px = canvas.getContext('2d')!.getImageData(0, 0, size.width, size.height).data;
        let ok = 0;
        for (let i = 0; i < size.width * size.height; i++) {
          const close = [0, 1, 2].every((c) => Math.abs(px[i * 4 + c] - expected[i * 3 + c]) <= 24);
          if (close) ok++;
        }
        return ok / (size.width * size.height);
      },
      { size, expected },
    );
  }

  /** Decodes a PNG screenshot of the canvas in the page and compares it with the known image. */
  async function screenshotMatch(page: Page, file: string): Promise<number> {
    const png = await page.locator('[data-testid=screen-canvas] canvas').screenshot({ path: `${screenshots}${file}.png` });
    const expected = Array.from({ length: vnc.width * vnc.height }, (_, i) => vnc.expected(i % vnc.width, Math.floor(i / vnc.width))).flat();
    return page.evaluate(
      async ({ b64, w, h, expected }) => {
        const img = new Image();
        img.src = `data:image/png;base64,${b64}`;
        await img.decode();
        // The element may sit on a fractional pixel: the screenshot can be a row or column larger.
        if (img.width < w || img.height < h) return 0;
        const c = document.createElement('canvas');
        c.width = img.width;
        c.height = img.height;
        const ctx = c.getContext('2d')!;
        ctx.drawImage(img, 0, 0);
        const px = ctx.getImageData(0, 0, img.width, img.height).data;
        let best = 0;
        for (let dy = 0; dy <= img.height - h; dy++) {
          for (let dx = 0; dx <= img.width - w; dx++) {
            let ok = 0;
            for (let y = 0; y < h; y++) {
              for (let x = 0; x < w; x++) {
                const p = ((y + dy) * img.width + x + dx) * 4;
                const e = (y * w + x) * 3;
                if ([0, 1, 2].every((k) => Math.abs(px[p + k] - expected[e + k]) <= 24)) ok++;
              }
            }
            best = Math.max(best, ok / (w * h));
          }
        }
        return best;
      },
      { b64: png.toString('base64'), w: vnc.width, h: vnc.height, expected },
    );
  }

  const until = (check: () => Promise<boolean>, timeoutMs = 15_000) => waitUntil(check, timeoutMs, 100);

  it('direct route: ops see the kiosk screen (canvas and screenshot pixels), may take control; the session is audited', async () => {
    const { context, page } = await newPage(env);
    try {
      await signIn(page, 'ops');
      await openScreen(page, kioskId);
      await page.waitForSelector('[data-testid=screen-dialog][data-status=connected]');
      await until(async () => (await canvasMatch(page)) > 0.99);
      expect(await screenshotMatch(page, 'screen')).toBeGreaterThan(0.99);
      expect(await page.textContent('[data-testid=screen-route]')).toBe('direct');
      await page.check('[data-testid=screen-control]');
      await page.click('[data-testid=screen-close]');
      await page.waitForSelector('[data-testid=screen-dialog]', { state: 'detached' });

      // The session, its route, bytes and the switch to control, in the audit log.
      await until(async () => {
        const res = await page.evaluate(() => fetch('/api/remote-sessions').then((r) => r.json()));
        return res.items.some((s: any) => s.kioskId && s.endedAt);
      });
      const sessions = (await page.evaluate(() => fetch('/api/remote-sessions').then((r) => r.json()))).items;
      expect(sessions[0]).toMatchObject({ kioskCode: 'VNC-01', route: 'direct', username: 'ops', controlUsed: true });
      expect(sessions[0].bytesToViewer).toBeGreaterThan(0); // Tight compression: a few kB for this image
      const audit = await page.evaluate((id) => fetch(`/api/audit?entityType=remote_session&entityId=${id}`).then((r) => r.json()), sessions[0].id);
      expect(audit.items.map((e: any) => e.action).sort()).toEqual(['create', 'update', 'update']);
    } finally {
      await context.close();
    }
  });

  it('a reused ticket is refused; staff of another hospital get no ticket; staff of the hospital watch view-only', async () => {
    const { context, page } = await newPage(env);
    try {
      await signIn(page, 'ops');
      const reasons = await page.evaluate(async (id) => {
        const t = await fetch(`/api/kiosks/${id}/screen-tickets`, { method: 'POST' }).then((r) => r.json());
        const closeOf = () =>
          new Promise<string>((resolve) => {
            const ws = new WebSocket(`ws://${location.host}${t.path}`);
            ws.onopen = () => setTimeout(() => ws.close(), 300);
            ws.onclose = (e) => resolve(`${e.code} ${e.reason}`);
          });
        return [await closeOf(), await closeOf()];
      }, kioskId);
      expect(reasons).toEqual(['1005 ', '4403 REMOTE_TICKET_INVALID']);
    } finally {
      await context.close();
    }
    const b = await newPage(env);
    try {
      await signIn(b.page, 'staff-b');
      const status = await b.page.evaluate((id) => fetch(`/api/kiosks/${id}/screen-tickets`, { method: 'POST' }).then((r) => r.status), kioskId);
      expect(status).toBe(404);
    } finally {
      await b.context.close();
    }
    const a = await newPage(env, 'zh-CN');
    try {
      await signIn(a.page, 'staff-a');
      await openScreen(a.page, kioskId);
      await a.page.waitForSelector('[data-testid=screen-dialog][data-status=connected]');
      await until(async () => (await canvasMatch(a.page)) > 0.99);
      expect(await a.page.$('[data-testid=screen-control]')).toBeNull();
      expect(await a.page.textContent('[data-testid=screen-dialog]')).toContain('仅查看');
    } finally {
      await a.context.close();
    }
  });

  it('a closed VNC port, something that is not VNC, a refused target and a site without a reaching agent are explained', async () => {
    const { context, page } = await newPage(env);
    const endedWith = async (id: string) => {
      await openScreen(page, id);
      await page.waitForSelector('[data-testid=screen-dialog][data-status=ended]');
      return { code: await page.getAttribute('[data-testid=screen-dialog]', 'data-code'), message: await page.textContent('[data-testid=screen-message]') };
    };
    try {
      await signIn(page, 'ops');
      expect(await endedWith(closedKioskId)).toMatchObject({ code: 'VNC_PORT_CLOSED', message: expect.stringMatching(/VNC server does not answer/) });
      expect(await endedWith(notVncKioskId)).toMatchObject({ code: 'REMOTE_NOT_VNC', message: expect.stringMatching(/it is not a VNC server/) });
      expect(notVnc.bytesReceived).toBe(0);

      await ops.request('PUT', `/api/sites/${ids.siteAMain}/remote-route`, { route: 'agent' });
      // The demo agents were never enrolled: no agent at all.
      expect((await endedWith(kioskId)).code).toBe('REMOTE_NO_AGENT');
      // An agent declaring one of the site's VLANs, not loopback where this kiosk is: a refused target.
      screenAgent = await enrolAgent(ops, ids.siteAMain, 'pi-screen', ['10.10.1.0/24']);
      expect(await endedWith(kioskId)).toMatchObject({ code: 'REMOTE_TARGET_REFUSED', message: expect.stringMatching(/Ops must correct/) });
      // Declaring it, but offline.
      expect((await ops.patch(`/api/agents/${screenAgent.agentId}`, { subnets: ['127.0.0.0/8'] })).status).toBe(200);
      expect((await endedWith(kioskId)).code).toBe('REMOTE_NO_AGENT');
      await page.screenshot({ path: `${screenshots}screen-no-agent.png` });
    } finally {
      await context.close();
      await ops.request('PUT', `/api/sites/${ids.siteAMain}/remote-route`, { route: 'direct' });
    }
  });

  it('agent route: the screen arrives through a real agent process', async () => {
    await ops.request('PUT', `/api/sites/${ids.siteAMain}/remote-route`, { route: 'agent' });
    // Enrolled by the test before (now declaring loopback); its process opens the relay channel.
    agents.push(await startAgentProcess({ apiUrl: env.api.url, token: screenAgent.token, name: 'pi-screen', config: loopbackRelayAgentConfig([vnc.port, closedPort]) }));
    await until(async () => (await ops.get(`/api/sites/${ids.siteAMain}/remote-route`)).body.relayAgents.length === 1, 30_000);
    const { context, page } = await newPage(env);
    try {
      await signIn(page, 'ops');
      await openScreen(page, kioskId);
      await page.waitForSelector('[data-testid=screen-dialog][data-status=connected]');
      await until(async () => (await canvasMatch(page)) > 0.99);
      expect(await screenshotMatch(page, 'screen-agent')).toBeGreaterThan(0.99);
      expect(await page.textContent('[data-testid=screen-route]')).toBe('through an agent');
    } finally {
      await context.close();
      await ops.request('PUT', `/api/sites/${ids.siteAMain}/remote-route`, { route: 'direct' });
    }
    const sessions = (await ops.get('/api/remote-sessions')).body.items;
    expect(sessions.find((s: any) => s.route === 'agent')).toMatchObject({ agentId: screenAgent.agentId, kioskCode: 'VNC-01' });
  }, 90_000);
});
