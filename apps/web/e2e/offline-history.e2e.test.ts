/**
 * What agents did on their own while cut off from the API shows in the console's
 * dispatch history, in a real browser against the real API with the demo data:
 * once per instant however many agents of the site did it, marked as done offline
 * by them, in English and in zh-CN.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { enrolAgent } from '../../api/testing/agent-kit';
import type { Client } from '../../api/testing/test-app';
import { ConsoleEnv, DEMO_PASSWORD, ids, signedInPage, startConsole } from './harness';

let env: ConsoleEnv;
let ops: Client;
let kiosks: { id: string; code: string }[];

beforeAll(async () => {
  env = await startConsole();
  ops = await env.api.login('ops', DEMO_PASSWORD);
  const list = (await ops.get(`/api/kiosks?siteId=${ids.siteAMain}&pageSize=500`)).body.items as typeof kiosks;
  kiosks = [...list].sort((a, b) => a.code.localeCompare(b.code)).slice(0, 2);
  // A minute ago, whole seconds: the instant of the agents' cached plan while the line was down.
  const at = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
  for (const [name, kioskIds] of [
    ['pi-cut-1', [kiosks[0].id, kiosks[1].id]],
    ['pi-cut-2', [kiosks[1].id]],
  ] as const) {
    const agent = await enrolAgent(ops, ids.siteAMain, name, []);
    const res = await agent.client.post('/offline-actions', {
      actions: [{ at: at.toISOString(), type: 'wake', kioskIds, executedAt: new Date(at.getTime() + 5).toISOString() }],
    });
    expect(res.status).toBe(204);
  }
}, 180_000);

afterAll(async () => {
  await env?.close();
});

afterEach(() => {
  expect(env.cspViolations.splice(0), 'Content-Security-Policy violations').toEqual([]);
});

const offlineRow = (list: string) => `[data-testid=${list}] [data-testid=dispatch-offline-row][data-action=wake]`;

describe('offline actions in the dispatch history', () => {
  it("the site's history shows the wake once, done offline by both agents", async () => {
    const { page, close } = await signedInPage(env, 'ops');
    try {
      await page.goto(`/dispatches?site=${ids.siteAMain}`);
      await page.waitForSelector(offlineRow('site-dispatches'));
      expect(await page.locator(offlineRow('site-dispatches')).count()).toBe(1);
      const row = page.locator(offlineRow('site-dispatches'));
      expect(await row.locator('[data-testid=dispatch-source]').textContent()).toBe('Done offline by pi-cut-1, pi-cut-2');
      expect(await row.textContent()).toContain('Done offline');
      expect(await row.textContent()).toContain('2 kiosks');

      // The kiosk only pi-cut-1 woke: its history names that agent alone.
      await page.goto(`/kiosks/${kiosks[0].id}`);
      await page.waitForSelector(offlineRow('kiosk-dispatches'));
      expect(await page.locator(`${offlineRow('kiosk-dispatches')} [data-testid=dispatch-source]`).textContent()).toBe('Done offline by pi-cut-1');
    } finally {
      await close();
    }
  });

  it('says it in zh-CN', async () => {
    const { page, close } = await signedInPage(env, 'ops', 'zh-CN');
    try {
      await page.goto(`/dispatches?site=${ids.siteAMain}`);
      await page.waitForSelector(offlineRow('site-dispatches'));
      const row = page.locator(offlineRow('site-dispatches'));
      expect(await row.locator('[data-testid=dispatch-source]').textContent()).toBe('由 pi-cut-1, pi-cut-2 离线执行');
      expect(await row.textContent()).toContain('已离线执行');
    } finally {
      await close();
    }
  });
});
