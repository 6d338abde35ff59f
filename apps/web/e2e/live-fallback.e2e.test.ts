/**
 * Issue 24: the console's live connection where no WebSocket gets through (a proxy
 * that strips Upgrade). The console uses the WebSocket transport only (long-polling
 * would need a sticky balancer), so it cannot fall back to polling socket.io; after
 * LIVE_UNAVAILABLE_AFTER_MS it says live updates are unavailable and pages refetch
 * every LIVE_POLL_EVERY_MS instead. The page's clock is Playwright's, so the test
 * moves time instead of waiting for it.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LIVE_POLL_EVERY_MS, LIVE_UNAVAILABLE_AFTER_MS } from '../src/live';
import { ConsoleEnv, newPage, signIn, startConsole } from './harness';

let env: ConsoleEnv;

beforeAll(async () => {
  env = await startConsole();
}, 180_000);

afterAll(async () => {
  await env?.close();
});

afterEach(() => {
  expect(env.cspViolations.splice(0), 'Content-Security-Policy violations').toEqual([]);
});

describe('live updates when no WebSocket gets through', () => {
  it('where WebSockets pass, the console connects by WebSocket alone and shows Live', async () => {
    const { context, page } = await newPage(env);
    try {
      // HTTP requests to socket.io would be long-polling; WebSockets are events of their own.
      const polls: string[] = [];
      const sockets: string[] = [];
      page.on('request', (r) => new URL(r.url()).pathname.startsWith('/socket.io') && polls.push(r.url()));
      page.on('websocket', (ws) => sockets.push(new URL(ws.url()).searchParams.get('transport') ?? ''));
      await signIn(page, 'ops');
      await page.waitForSelector('[data-testid=live][data-status=connected]');
      expect(await page.textContent('[data-testid=live]')).toBe('Live');
      expect(sockets).toEqual(['websocket']);
      expect(polls).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);

  it('asks socket.io for a WebSocket only, says live updates are unavailable, and pages refetch on an interval', async () => {
    const { context, page } = await newPage(env);
    try {
      const transports: string[] = [];
      page.on('request', (r) => {
        const url = new URL(r.url());
        if (url.pathname.startsWith('/socket.io')) transports.push(url.searchParams.get('transport') ?? '');
      });
      // The "proxy" drops every WebSocket at once.
      const attempts: string[] = [];
      await context.routeWebSocket(/\/socket\.io\//, (ws) => {
        attempts.push(new URL(ws.url()).searchParams.get('transport') ?? '');
        ws.close({ code: 1006, reason: 'upgrade stripped' });
      });
      await page.clock.install();
      await signIn(page, 'ops');
      await page.goto('/alerts');
      await page.waitForSelector('[data-testid=alerts-tab-open]');
      const dot = page.locator('[data-testid=live]');
      expect(await dot.getAttribute('data-status')).toBe('connecting');

      await page.clock.runFor(LIVE_UNAVAILABLE_AFTER_MS + 1_000);
      await page.waitForSelector('[data-testid=live][data-status=unavailable]');
      expect(await dot.textContent()).toBe('Polling');
      expect(await dot.getAttribute('title')).toMatch(/Live updates unavailable .*every 15 s/);

      // Each poll tick refetches the page's alerts (and the header's count).
      const alertRequests: string[] = [];
      const fetched = () => alertRequests.length;
      page.on('request', (r) => {
        if (new URL(r.url()).pathname === '/api/alerts') alertRequests.push(r.url());
      });
      for (let tick = 1; tick <= 2; tick++) {
        const before = fetched();
        await page.clock.runFor(LIVE_POLL_EVERY_MS + 1_500);
        await expect.poll(fetched, { timeout: 5_000 }).toBeGreaterThan(before);
      }
      // Only ever a WebSocket: never an HTTP long-poll, which a balancer without stickiness breaks.
      expect(attempts.length).toBeGreaterThan(0);
      expect(new Set(attempts)).toEqual(new Set(['websocket']));
      expect(transports.filter((t) => t === 'polling')).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);
});
