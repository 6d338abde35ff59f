/**
 * The audit log and the environment page as staff read them, in a real browser
 * against the real API, MySQL and Redis with the demo data: a kiosk rename reads
 * "Name: old → new" under the kiosk's name, in English and Chinese, filtered and
 * exported; the environment page titles its charts with units, shows the alert
 * threshold, a tile per agent (a demo agent that never reported says so), min/max of
 * what is in view, and loads under 100 KB of gzipped JavaScript of its own.
 */
import { readdirSync, statSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { RollupService } from '../../api/src/telemetry/rollup.service';
import { DEMO_PASSWORD, ids, screenshot, signedInPage, SimulatedAgent, useConsole, webDist } from './harness';

const env = useConsole();

describe('audit log', () => {
  let kiosk: { id: string; code: string; name: string };
  const newName = 'Lobby east registration';

  beforeAll(async () => {
    [kiosk] = await env.api.db.query(`SELECT id, code, name FROM kiosks WHERE site_id = ? ORDER BY code LIMIT 1`, [ids.siteAMain]);
    const staff = await env.api.login('staff-a', DEMO_PASSWORD);
    expect((await staff.patch(`/api/kiosks/${kiosk.id}`, { name: newName })).status).toBe(200);
  });

  const renameRow = (page: Page) => page.locator(`[data-testid=audit-row][data-action=update][data-entity-id="${kiosk.id}"]`).first();

  it("shows a kiosk rename as 'Name: old → new' under the kiosk's name, not its id, in the user's zone", async () => {
    const { page, close } = await signedInPage(env, 'staff-a');
    try {
      await page.goto('/audit?entityType=kiosk');
      const row = renameRow(page);
      await row.waitFor();
      expect(await row.locator('[data-testid=audit-entity-name]').innerText()).toBe(`${newName} (${kiosk.code})`);
      expect(await row.locator('[data-testid=audit-what]').innerText()).not.toContain(kiosk.id);
      expect(await row.locator('[data-testid=audit-entity-id]').getAttribute('title')).toBe(kiosk.id);
      expect(await row.locator('[data-testid=audit-change][data-field=name]').innerText()).toBe(`Name: ${kiosk.name} → ${newName}`);
      // Only what changed: the kiosk's other fields are not listed.
      expect(await row.locator('[data-testid=audit-change]').count()).toBe(1);
      expect(await page.locator('[data-testid=audit-zone]').innerText()).toBe('(Asia/Shanghai)');
      await screenshot(page, 'audit-readable');
    } finally {
      await close();
    }
  });

  it('reads the same entry in Chinese', async () => {
    const { page, close } = await signedInPage(env, 'staff-a', 'zh-CN');
    try {
      await page.goto('/audit?entityType=kiosk');
      const row = renameRow(page);
      await row.waitFor();
      expect(await row.locator('[data-testid=audit-change][data-field=name]').innerText()).toBe(`名称: ${kiosk.name} → ${newName}`);
      expect(await row.locator('.pill').innerText()).toBe('修改');
      expect(await row.locator('[data-testid=audit-what]').innerText()).toContain('自助机');
    } finally {
      await close();
    }
  });

  it('filters by entity name, user and free text, and exports the filtered list as CSV', async () => {
    const { page, close } = await signedInPage(env, 'staff-a');
    try {
      await page.goto('/audit');
      await page.locator('[data-testid=audit-row]').first().waitFor();
      await page.fill('[data-testid=audit-entity]', 'lobby east');
      await page.fill('[data-testid=audit-actor]', 'staff-a');
      await page.click('[data-testid=audit-apply]');
      await expect.poll(() => page.locator('[data-testid=audit-row]').count()).toBe(1);
      expect(await page.locator('[data-testid=audit-row]').getAttribute('data-entity-id')).toBe(kiosk.id);
      expect(new URL(page.url()).searchParams.get('entity')).toBe('lobby east');

      const href = (await page.locator('[data-testid=audit-export]').getAttribute('href'))!;
      expect(href).toContain('timeZone=Asia%2FShanghai');
      const csv = await page.request.get(href);
      expect(csv.status()).toBe(200);
      const lines = (await csv.text()).trim().split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[1]).toContain(`${newName} (${kiosk.code})`);
      expect(lines[1]).toContain(`name: ${kiosk.name} → ${newName}`);
      expect(lines[1]).toMatch(/\+08:00/);

      await page.fill('[data-testid=audit-entity]', '');
      await page.fill('[data-testid=audit-actor]', '');
      await page.fill('[data-testid=audit-q]', 'no such text anywhere');
      await page.click('[data-testid=audit-apply]');
      await page.waitForSelector('.empty');
    } finally {
      await close();
    }
  });

  it("never shows the rename to staff of another hospital", async () => {
    const { page, close } = await signedInPage(env, 'staff-b');
    try {
      await page.goto('/audit');
      await page.waitForSelector('[data-testid=audit-table]');
      expect(await page.locator(`[data-testid=audit-row][data-entity-id="${kiosk.id}"]`).count()).toBe(0);
      expect(await page.locator('body').innerText()).not.toContain(newName);
    } finally {
      await close();
    }
  });
});

describe('environment page', () => {
  const start = Date.now() - 3 * 3_600_000;
  // Two hours above the 35 °C threshold, then an hour at 22–23 °C; one smoke alarm.
  const readings = Array.from({ length: 90 }, (_, i) => ({
    seq: i + 1,
    at: new Date(start + i * 120_000).toISOString(),
    temperatureC: i < 60 ? 36.5 : 22 + (i % 2),
    humidityPct: 40 + (i % 10),
    smokeRaw: 300 + i,
    smokeAlarm: i === 30,
  }));

  beforeAll(async () => {
    const agent = await SimulatedAgent.enrol(env.api, ids.siteAMain, 'pi-env');
    await agent.readings(readings);
    // A day is drawn from 5-minute rollups, which the worker computes.
    await env.api.app.get(RollupService).run();
  });

  it('titles each chart with its unit, shows the threshold, a tile per agent and min/max of what is in view', async () => {
    const { page, close } = await signedInPage(env, 'ops');
    try {
      await page.goto(`/environment?site=${ids.siteAMain}&range=day`);
      const temperature = page.locator('[data-testid=environment-chart-temperature]');
      await temperature.locator('canvas').waitFor();
      expect(await temperature.locator('[data-testid=chart-title]').innerText()).toBe('Temperature (°C)');
      expect(await page.locator('[data-testid=environment-chart-humidity] [data-testid=chart-title]').innerText()).toBe('Relative humidity (%)');
      expect(await page.locator('[data-testid=environment-chart-smoke] [data-testid=chart-title]').innerText()).toBe('Smoke level (MQ-2 sensor)');
      const threshold = temperature.locator('[data-testid=threshold-temperature]');
      expect(await threshold.isVisible()).toBe(true);
      expect(await threshold.innerText()).toContain('Alert above 35 °C for 5 min');
      expect(await page.locator('[data-testid=threshold-humidity]').innerText()).toContain('80 %');

      // The agent that reported: its latest values and their age.
      const tile = page.locator('[data-testid=reading-tile][data-agent=pi-env]');
      expect(await tile.getAttribute('data-reported')).toBe('yes');
      expect(await tile.locator('[data-testid=tile-temperature]').innerText()).toBe('23 °C');
      expect(await tile.locator('[data-testid=tile-humidity]').innerText()).toBe('49 %');
      expect(await tile.locator('[data-testid=tile-smoke]').innerText()).toBe('389');
      expect(await tile.locator('[data-testid=tile-age]').innerText()).toMatch(/minute|min/);
      // The demo's agents of this site never sent a reading.
      const never = page.locator('[data-testid=reading-tile][data-reported=no]');
      expect(await never.count()).toBeGreaterThan(0);
      expect(await never.first().locator('[data-testid=tile-never]').innerText()).toBe('Never reported');

      // Min/max of the whole day, then of the last minutes only after zooming there.
      const extremes = temperature.locator('[data-testid=extremes-temperature]');
      expect(await extremes.getAttribute('data-min')).toBe('22');
      expect(await extremes.getAttribute('data-max')).toBe('36.5');
      expect(await extremes.innerText()).toBe('In view: min 22 °C · max 36.5 °C');
      expect(await page.locator('[data-testid=extremes-smoke]').innerText()).toContain('1 alarm readings');
      await screenshot(page, 'environment-readings');
      const over = (await temperature.locator('.u-over').boundingBox())!;
      // The last ~40 minutes of the day's range: after the hot hours.
      await page.mouse.move(over.x + over.width * 0.972, over.y + over.height / 2);
      await page.mouse.down();
      await page.mouse.move(over.x + over.width - 1, over.y + over.height / 2, { steps: 5 });
      await page.mouse.up();
      await expect.poll(() => extremes.getAttribute('data-max')).toBe('23');
      expect(await extremes.getAttribute('data-min')).toBe('22');
    } finally {
      await close();
    }
  });

  it('reads in Chinese, never-reported agents included', async () => {
    const { page, close } = await signedInPage(env, 'ops', 'zh-CN');
    try {
      await page.goto(`/environment?site=${ids.siteAMain}&range=day`);
      await page.locator('[data-testid=environment-chart-temperature] canvas').waitFor();
      expect(await page.locator('[data-testid=environment-chart-temperature] [data-testid=chart-title]').innerText()).toBe('温度（°C）');
      expect(await page.locator('[data-testid=threshold-temperature]').innerText()).toContain('高于 35 °C 持续 5 分钟即告警');
      expect(await page.locator('[data-testid=reading-tile][data-reported=no] [data-testid=tile-never]').first().innerText()).toBe('从未上报');
      expect(await page.locator('[data-testid=environment-chart-temperature] .u-series').first().innerText()).toContain('时间');
    } finally {
      await close();
    }
  });

  it("the page's own JavaScript is under 100 KB gzipped", () => {
    const assets = `${webDist}/assets`;
    const chunks = readdirSync(assets).filter((f) => /^EnvironmentPage-.*\.js\.gz$/.test(f));
    expect(chunks.length).toBeGreaterThan(0);
    const bytes = chunks.reduce((sum, f) => sum + statSync(`${assets}/${f}`).size, 0);
    expect(bytes).toBeLessThan(100 * 1024);
  });
});
