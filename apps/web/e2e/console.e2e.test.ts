/**
 * The console in a real browser against the real API, MySQL, Redis and socket.io,
 * with the demo data and a simulated Pi agent. Screenshots of every page go to
 * docs/screenshots/ (linked from the README).
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteKeys } from '../../api/testing/test-app';
import { AlertsService } from '../../api/src/alerts/alerts.service';
import { RollupService } from '../../api/src/telemetry/rollup.service';
import { DEMO_PASSWORD, ids, newPage, screenshot, signedInPage, signIn, SimulatedAgent, useConsole } from './harness';

const env = useConsole();


describe('console', () => {
  it('follows the browser language (zh-CN), switches to English and back, and remembers the choice', async () => {
    const { context, page } = await newPage(env, 'zh-CN');
    await page.goto('/');
    await expect.poll(() => page.textContent('button[type=submit]')).toBe('登录');
    expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
    await screenshot(page, 'login-zh-CN');
    await page.selectOption('[data-testid=language]', 'en');
    await expect.poll(() => page.textContent('button[type=submit]')).toBe('Sign in');
    await page.reload();
    expect(await page.textContent('button[type=submit]')).toBe('Sign in');
    await signIn(page, 'staff-a');
    expect(await page.textContent('[data-testid=nav-fleet]')).toBe('Fleet');
    await page.selectOption('[data-testid=language]', 'zh-CN');
    await expect.poll(() => page.textContent('[data-testid=nav-fleet]')).toBe('设备总览');
    await page.waitForSelector('[data-testid=kiosk-tile]');
    await screenshot(page, 'fleet-zh-CN');
    await page.selectOption('[data-testid=language]', 'en');
    await expect.poll(() => page.textContent('[data-testid=nav-fleet]')).toBe('Fleet');
    await context.close();
  });

  it('runs under its Content-Security-Policy: not frameable, and an injected inline script is refused', async () => {
    const { context, page } = await newPage(env);
    const res = await page.goto('/');
    expect(res!.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res!.headers()['x-frame-options']).toBe('DENY');
    await page.waitForSelector('button[type=submit]');
    await page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'window.injected = true';
      document.head.append(script);
    });
    // The harness hears of it (so every other test would fail on one) and the script never ran.
    await expect.poll(() => env.cspViolations.length).toBeGreaterThan(0);
    expect(await page.evaluate(() => (window as unknown as { injected?: boolean }).injected)).toBeUndefined();
    env.cspViolations.splice(0);
    await context.close();
  });

  it('wrong password is refused with a message', async () => {
    const { context, page } = await newPage(env);
    await page.goto('/');
    await page.fill('input[name=username]', 'staff-a');
    await page.fill('input[name=password]', 'not-the-password');
    await page.click('button[type=submit]');
    await expect.poll(() => page.textContent('[role=alert]')).toContain('Wrong username or password');
    await context.close();
  });

  describe('staff of hospital A', () => {
    let page: Page;
    let close: () => Promise<void>;
    beforeAll(async () => ({ page, close } = await signedInPage(env, 'staff-a')));
    afterAll(() => close());

    it('sees only hospital A: its sites, and a not-found for a site of B', async () => {
      await page.goto(`/fleet?site=${ids.siteAMain}`);
      await page.waitForSelector('[data-testid=kiosk-tile]');
      const groups = await page.$$eval('[data-testid=site-picker] optgroup', (els) =>
        els.map((e) => e.getAttribute('label')),
      );
      expect(groups).toEqual(['Beijing Riverside Hospital']);
      expect(await page.getAttribute('[data-testid=fleet-grid]', 'data-count')).toBe('90');
      await screenshot(page, 'fleet');
      await page.goto(`/fleet?site=${ids.siteBMain}`);
      await page.waitForSelector('[role=alert]');
      expect(await page.textContent('[role=alert]')).toContain('Not found');
      await page.goto('/agents');
      await page.waitForSelector('[data-testid=no-access]');
      expect(await page.isVisible('[data-testid=nav-agents]')).toBe(false);
      await screenshot(page, 'no-access');
    });

    it('filters the fleet by kind and by search', async () => {
      await page.goto(`/fleet?site=${ids.siteAMain}`);
      await page.waitForSelector('[data-testid=kiosk-tile]');
      await page.selectOption('[data-testid=filter-kind]', 'payment');
      await expect.poll(() => page.getAttribute('[data-testid=fleet-grid]', 'data-count')).toBe('18');
      await page.selectOption('[data-testid=filter-kind]', '');
      await page.fill('[data-testid=fleet-search]', 'MZ-');
      const codes = await page.$$eval('[data-testid=kiosk-tile]', (els) => els.map((e) => e.getAttribute('data-code')));
      expect(codes.length).toBeGreaterThan(0);
      expect(codes.every((c) => c!.startsWith('MZ-'))).toBe(true);
      await page.fill('[data-testid=fleet-search]', '');
    });

    /** The first tile's kiosk, with the agent reporting it up so the tile starts from 'up'. */
    async function firstKiosk(): Promise<{ code: string; kioskId: string }> {
      await page.goto(`/fleet?site=${ids.siteAMain}`);
      await page.waitForSelector('[data-testid=kiosk-tile]');
      await page.waitForSelector('[data-testid=live][data-connected=true]');
      const code = (await page.getAttribute('[data-testid=kiosk-tile]', 'data-code'))!;
      const staff = await env.api.login('staff-a', 'demo-password');
      const kioskId = (await staff.get(`/api/kiosks?siteId=${ids.siteAMain}&q=${code}`)).body.items.find(
        (k: { code: string }) => k.code === code,
      ).id;
      return { code, kioskId };
    }

    it('a kiosk going down changes its tile within 2 s, without a reload', async () => {
      const agent = await SimulatedAgent.enrol(env.api, ids.siteAMain, 'pi-sim-1');
      const { code, kioskId } = await firstKiosk();
      // A realistic mix for the screenshot: most kiosks up, every seventh down.
      const staff = await env.api.login('staff-a', 'demo-password');
      const others = (await staff.get(`/api/kiosks?siteId=${ids.siteAMain}&pageSize=60`)).body.items.filter(
        (k: { id: string }) => k.id !== kioskId,
      );
      await agent.probes([
        { kioskId, up: true },
        ...others.map((k: { id: string }, i: number) => ({ kioskId: k.id, up: i % 7 !== 3 })),
      ]);
      await page.reload();
      await page.waitForSelector(`[data-testid=kiosk-tile][data-code="${code}"][data-observed=up]`);
      await page.waitForSelector('[data-testid=live][data-connected=true]');
      await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));

      // The agent reports the kiosk down; the API announces it to the hospital's room by itself.
      const started = Date.now();
      await agent.probes([{ kioskId, up: false }]);
      await page.waitForSelector(`[data-testid=kiosk-tile][data-code="${code}"][data-observed=down]`, {
        timeout: 2000,
      });
      expect(Date.now() - started).toBeLessThan(2000);
      expect(await page.evaluate(() => (window as unknown as { marker: number }).marker)).toBe(42);
      await screenshot(page, 'fleet-live');

      await page.click(`[data-testid=kiosk-tile][data-code="${code}"]`);
      await page.waitForSelector('[data-testid=schedule-day]');
      expect(await page.$$eval('[data-testid=schedule-day]', (els) => els.length)).toBe(7);
      expect(await page.getAttribute('[data-testid=kiosk-observed]', 'data-observed')).toBe('down');
      // The liveness history comes from the API: down (newest), then up.
      const history = await page.$$eval('[data-testid=liveness-changes] li', (els) => els.map((e) => e.textContent ?? ''));
      expect(history[0]).toMatch(/Down|离线|下线|关/);
      expect(history.length).toBeGreaterThanOrEqual(2);
      expect(await page.isDisabled('[data-testid=screen-button]')).toBe(true);
      await screenshot(page, 'kiosk');
    });

    it('a probe from the simulated agent alone reaches the tile within 2 s', async () => {
      const agent = await SimulatedAgent.enrol(env.api, ids.siteAMain, 'pi-sim-2');
      const { code, kioskId } = await firstKiosk();
      await agent.probes([{ kioskId, up: true }]);
      await page.waitForSelector(`[data-testid=kiosk-tile][data-code="${code}"][data-observed=up]`, { timeout: 2000 });
      await agent.probes([{ kioskId, up: false }]);
      await page.waitForSelector(`[data-testid=kiosk-tile][data-code="${code}"][data-observed=down]`, {
        timeout: 2000,
      });
    });

    it("edits a kiosk's description; its network coordinates and shutdown method are read-only to staff", async () => {
      const { kioskId } = await firstKiosk();
      const staff = await env.api.login('staff-a', 'demo-password');
      const before = (await staff.get(`/api/kiosks/${kioskId}`)).body;
      await page.goto(`/kiosks/${kioskId}`);
      await page.click('[data-testid=edit-kiosk]');
      for (const field of ['ip', 'mac', 'subnet', 'vncPort', 'shutdownMethod']) {
        expect(await page.getAttribute(`[data-testid=kiosk-form] input[name=${field}]`, 'readonly')).not.toBeNull();
      }
      expect(await page.getAttribute('[data-testid=kiosk-form] input[name=name]', 'readonly')).toBeNull();
      // A read-only field cannot be typed into, and the request carries the description only.
      await page.fill('[data-testid=kiosk-form] input[name=vncPort]', '6379', { force: true }).catch(() => undefined);
      await page.fill('[data-testid=kiosk-form] textarea[name=notes]', 'Receipt printer jams on Mondays');
      const patch = page.waitForRequest((r) => r.method() === 'PATCH' && r.url().endsWith(`/api/kiosks/${kioskId}`));
      await page.click('[data-testid=kiosk-form] button[type=submit]');
      expect(Object.keys(JSON.parse((await patch).postData() ?? '{}')).sort()).toEqual([
        'kind',
        'location',
        'name',
        'notes',
      ]);
      await page.waitForSelector('dd.notes:has-text("Receipt printer jams on Mondays")');
      const after = (await staff.get(`/api/kiosks/${kioskId}`)).body;
      expect(after).toMatchObject({
        notes: 'Receipt printer jams on Mondays',
        ip: before.ip,
        vncPort: before.vncPort,
        mac: before.mac,
      });
    });

    it('edits a rule, sees the preview change, saves, finds the audit entry and undoes it', async () => {
      await page.goto(`/schedules?hospital=${ids.hospitalA}&rule=${ids.ruleAWeekdays}`);
      await page.waitForSelector('[data-testid=preview-kiosk] [data-testid=schedule-day]');
      const onTexts = () =>
        page.$$eval('[data-testid=preview-kiosk] .on-text', (els) => els.map((e) => e.textContent ?? '').join('|'));
      await expect.poll(onTexts).toContain('07:00–20:00');
      expect(await onTexts()).not.toContain('07:00–22:00');

      // A missing time is reported next to its field, and nothing is saved.
      await page.fill('[data-testid=window-0-end]', '');
      await page.waitForSelector('[data-testid="error-windows.0.end"]');
      await screenshot(page, 'schedule-validation');

      await page.fill('[data-testid=window-0-end]', '22:00');
      await expect.poll(onTexts, { timeout: 5000 }).toContain('07:00–22:00');
      await screenshot(page, 'schedule-preview');
      const saved = page.waitForResponse(
        (r) => r.url().includes(`/api/rules/${ids.ruleAWeekdays}`) && r.request().method() === 'PATCH',
      );
      // The emergency kiosks keep their own 24/7 rule: saving says so once more.
      page.once('dialog', (d) => void d.accept());
      await page.click('[data-testid=save-rule]');
      expect((await saved).status()).toBe(200);
      const staff = await env.api.login('staff-a', 'demo-password');
      expect((await staff.get(`/api/rules/${ids.ruleAWeekdays}`)).body.windows).toEqual([
        { start: '07:00', end: '22:00' },
      ]);

      await page.goto('/audit?entityType=power_rule');
      const row = `[data-testid=audit-row][data-action=update][data-entity-id="${ids.ruleAWeekdays}"]`;
      await page.waitForSelector(row);
      // An update lists its changed fields in the row, labelled and formatted.
      expect(await page.locator(`${row} [data-testid=audit-change][data-field=windows]`).innerText()).toBe('On-hours: 07:00–20:00 → 07:00–22:00');
      await screenshot(page, 'audit');

      page.once('dialog', (d) => void d.accept());
      const undone = page.waitForResponse((r) => r.url().includes('/undo'));
      await page.click(`${row} [data-testid=undo]`);
      expect((await undone).status()).toBe(200);
      await page.waitForSelector(`[data-testid=audit-row][data-action=undo][data-entity-id="${ids.ruleAWeekdays}"]`);
      expect((await staff.get(`/api/rules/${ids.ruleAWeekdays}`)).body.windows).toEqual([
        { start: '07:00', end: '20:00' },
      ]);
    });

    it('an expired session returns to the sign-in form with a message', async () => {
      await page.goto('/fleet');
      await page.waitForSelector('[data-testid=kiosk-tile]');
      await deleteKeys(env.api.redis, `${env.api.config.redis.prefix}session:`);
      await page.click('[data-testid=nav-schedules]');
      await page.waitForSelector('[data-testid=login-notice]');
      expect(await page.textContent('[data-testid=login-notice]')).toContain('session has expired');
      await screenshot(page, 'session-expired');
    });
  });

  describe('a session ended elsewhere', () => {
    it('a sign-out on another device returns the console to the sign-in form at once, with a message', async () => {
      const { context, page } = await newPage(env);
      await signIn(page, 'viewer');
      await page.waitForSelector('[data-testid=live][data-connected=true]');
      const elsewhere = await env.api.login('viewer', DEMO_PASSWORD);
      expect((await elsewhere.post('/api/auth/logout')).status).toBe(204);
      // No click, no request of the page: the live connection tells it.
      await page.waitForSelector('[data-testid=login-notice]', { timeout: 2000 });
      expect(await page.textContent('[data-testid=login-notice]')).toContain('your session was ended');
      await context.close();
    });

    it('signing out here says so, not that the session was ended elsewhere', async () => {
      const { context, page } = await newPage(env);
      await signIn(page, 'viewer');
      await page.waitForSelector('[data-testid=live][data-connected=true]');
      await page.click('[data-testid=logout]');
      await page.waitForSelector('[data-testid=login-notice]');
      // Long enough for the server's session.ended to arrive, were the socket still open.
      await page.waitForTimeout(500);
      expect(await page.textContent('[data-testid=login-notice]')).toBe('You have signed out.');
      await context.close();
    });

    it('a new sign-in in the same browser replaces the session: the console stays signed in and reconnects', async () => {
      const { context, page } = await newPage(env);
      let sockets = 0;
      page.on('websocket', (ws) => ws.url().includes('/socket.io/') && sockets++);
      await signIn(page, 'staff-b');
      await page.waitForSelector('[data-testid=live][data-connected=true]');
      expect(sockets).toBe(1);
      const other = await context.newPage();
      await other.goto('/');
      const status = await other.evaluate(
        async (password) =>
          (
            await fetch('/api/auth/login', {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ username: 'staff-b', password }),
            })
          ).status,
        DEMO_PASSWORD,
      );
      expect(status).toBe(200);
      await expect.poll(() => sockets, { timeout: 3000 }).toBe(2);
      await page.waitForSelector('[data-testid=live][data-connected=true]');
      expect(await page.$('[data-testid=login-notice]')).toBeNull();
      expect(await page.textContent('[data-testid=user]')).toContain('staff-b');
      await context.close();
    });
  });

  describe('operations', () => {
    let page: Page;
    let close: () => Promise<void>;
    beforeAll(async () => ({ page, close } = await signedInPage(env, 'ops')));
    afterAll(() => close());

    it('sees a new alert live (badge and toast) and acknowledges it', async () => {
      await page.goto('/alerts');
      await page.waitForSelector('[data-testid=alerts-table]');
      await page.waitForSelector('[data-testid=live][data-connected=true]');
      await env.api.app.get(AlertsService).raise({
        kind: 'kiosk_state',
        openKey: 'e2e:kiosk_state:1',
        hospitalId: ids.hospitalA,
        siteId: ids.siteAMain,
        message: 'MZ-1F-01 should be on but is down at +15 min',
      });
      await page.waitForSelector('[data-testid=alert-badge]', { timeout: 3000 });
      await page.waitForSelector('[data-testid=alert-row][data-status=open]');
      await page.waitForSelector('.toast-alert');
      await screenshot(page, 'alerts');
      await page.click('[data-testid=alert-row][data-status=open] [data-testid=acknowledge]');
      await page.waitForSelector('[data-testid=alert-row][data-status=open]', { state: 'detached' });
      await page.click('[data-testid=alerts-tab-acknowledged]');
      await page.waitForSelector('[data-testid=alert-row][data-status=acknowledged]');
    });

    it('lists the agents of a site and creates an enrolment code shown once with the install command', async () => {
      await page.goto(`/agents?site=${ids.siteAMain}`);
      await page.waitForSelector('[data-testid=agent-row]');
      await page.click('[data-testid=create-enrolment-code]');
      await page.waitForSelector('[data-testid=enrolment-code]');
      expect(await page.textContent('[data-testid=enrolment-code]')).toContain('wakeward-agent enroll --code');
      await screenshot(page, 'agents');
      await page.goto(`/environment?site=${ids.siteAMain}&range=day`);
      await page.waitForSelector('[data-testid=environment-page] .card');
      await screenshot(page, 'environment');
    });

    it("draws a site's environment charts from an agent's readings, hover values included, under the CSP", async () => {
      const agent = await SimulatedAgent.enrol(env.api, ids.siteAMain, 'pi-sim-env');
      const start = Date.now() - 3 * 3_600_000;
      await agent.readings(
        Array.from({ length: 90 }, (_, i) => ({
          seq: i + 1,
          at: new Date(start + i * 120_000).toISOString(),
          temperatureC: 24 + 3 * Math.sin(i / 8),
          humidityPct: 40 + (i % 12),
          smokeAlarm: false,
        })),
      );
      // A day is drawn from 5-minute rollups, which the worker computes.
      await env.api.app.get(RollupService).run();
      await page.goto(`/environment?site=${ids.siteAMain}&range=day`);
      const chart = page.locator('[data-testid=environment-chart-temperature]');
      await chart.locator('canvas').first().waitFor();
      const box = (await chart.boundingBox())!;
      // Hovering the last hours shows the agent's value there in the legend.
      await page.mouse.move(box.x + box.width * 0.95, box.y + box.height / 2);
      await expect.poll(() => chart.locator('.u-series', { hasText: 'pi-sim-env' }).locator('.u-value').innerText()).toMatch(/^\d+(\.\d)? °C$/);
    });
  });
});
