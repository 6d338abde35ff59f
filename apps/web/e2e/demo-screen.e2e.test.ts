/**
 * `npm start`'s demo in the browser: the simulated fleet (one process, as `npm start`
 * runs it) serves each kiosk's screen on the kiosk's own loopback address, and the
 * console opens it through a simulated agent's relay channel. The noVNC canvas must
 * show the kiosk's picture: its state colour, its code and a clock in white.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoId } from '../../api/src/demo/demo-data';
import type { Client } from '../../api/testing/test-app';
import { until } from '../../api/testing/wait';
import { DEMO_PASSWORD, ids, newPage, screenshots, signIn, useConsole } from './harness';

const root = fileURLToPath(new URL('../../..', import.meta.url));

describe("the demo's screens in the console", () => {
  const env = useConsole();
  let ops: Client;
  let fleet: ChildProcess | undefined;
  let stateDir: string;

  beforeAll(async () => {
    ops = await env.api.login('ops', DEMO_PASSWORD);
    stateDir = mkdtempSync(join(tmpdir(), 'wk-demo-screen-'));
    fleet = spawn(
      process.execPath,
      ['--import', 'tsx', 'apps/pi-agent/src/main.ts', 'demo-fleet', '--api-url', env.api.url, '--state-dir', stateDir],
      { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let output = '';
    fleet.stdout!.on('data', (chunk) => (output += chunk));
    await until(async () => output.includes('simulated agents'), 120_000, 250);
    await until(async () => (await ops.get(`/api/sites/${ids.siteAMain}/remote-route`)).body.relayAgents.length === 2, 30_000);
  }, 240_000);

  afterAll(async () => {
    if (fleet && fleet.exitCode === null) {
      const exited = new Promise((r) => fleet!.once('exit', r));
      fleet.kill('SIGKILL');
      await exited;
    }
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  it("shows a demo kiosk's picture through a simulated agent", async () => {
    // Emergency department kiosks are on around the clock: the fleet starts them on.
    const kioskId = demoId('kiosk:BJRS-MAIN:JZ-1F-01');
    const { context, page } = await newPage(env);
    try {
      await signIn(page, 'ops');
      await page.goto(`/kiosks/${kioskId}`);
      await page.click('[data-testid=screen-button]:not([disabled])');
      await page.waitForSelector('[data-testid=screen-dialog][data-status=connected]', { timeout: 30_000 });
      expect(await page.textContent('[data-testid=screen-route]')).toBe('through an agent');

      // The simulator's picture: 320 x 120, the "on" green behind white text.
      const picture = async () =>
        page.evaluate(() => {
          const canvas = document.querySelector<HTMLCanvasElement>('[data-testid=screen-canvas] canvas');
          if (!canvas || canvas.width !== 320 || canvas.height !== 120) return null;
          const px = canvas.getContext('2d')!.getImageData(0, 0, 320, 120).data;
          let green = 0;
          let white = 0;
          for (let i = 0; i < px.length; i += 4) {
            if (px[i] === 0x1b && px[i + 1] === 0x5e && px[i + 2] === 0x20) green++;
            if (px[i] === 0xff && px[i + 1] === 0xff && px[i + 2] === 0xff) white++;
          }
          return { green, white };
        });
      await until(async () => ((await picture())?.white ?? 0) > 500, 15_000, 200);
      const { green, white } = (await picture())!;
      expect(green + white).toBeGreaterThan(320 * 120 * 0.95);
      expect(white).toBeGreaterThan(500); // its code and clock
      await page.locator('[data-testid=screen-dialog]').screenshot({ path: `${screenshots}demo-screen.png` });
      await page.click('[data-testid=screen-close]');
    } finally {
      await context.close();
    }
  });
});
