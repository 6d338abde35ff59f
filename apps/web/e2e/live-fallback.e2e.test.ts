/**
 * Issue 24: the console's live connection where no WebSocket gets through (a proxy
 * that strips Upgrade). The console uses the WebSocket transport only (long-polling
 * would need a sticky balancer), so it cannot fall back to polling socket.io; after
 * LIVE_UNAVAILABLE_AFTER_MS it says live updates are unavailable and pages refetch
 * about every LIVE_POLL_EVERY_MS instead (±LIVE_POLL_JITTER), less often while the
 * API fails. The page's clock is Playwright's, so the test moves time instead of
 * waiting for it.
 */

/** The longest a tick may wait at an interval, with its jitter and the refetch's debounce (1 s). */
const latestTick = (intervalMs: number) => intervalMs * (1 + LIVE_POLL_JITTER) + 1_500;
import { describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { LIVE_POLL_EVERY_MS, LIVE_POLL_JITTER, LIVE_POLL_MAX_MS, LIVE_UNAVAILABLE_AFTER_MS } from '../src/live';
import { newPage, signIn, useConsole } from './harness';

const env = useConsole();

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
        await page.clock.runFor(latestTick(LIVE_POLL_EVERY_MS));
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

  it('backs off while the API fails (doubling up to LIVE_POLL_MAX_MS), and polls at the usual pace once it answers again', async () => {
    const { context, page } = await newPage(env);
    try {
      await pollingAlertsPage(context, page);
      // The API behind the proxy fails: every alerts request gets 503.
      let failing = true;
      const alertRequests: number[] = [];
      await context.route(/\/api\/alerts(\?|$)/, (route) => {
        alertRequests.push(Date.now());
        return failing ? route.fulfill({ status: 503, contentType: 'application/json', body: '{"error":{"code":"UNAVAILABLE","message":"down"}}' }) : route.continue();
      });
      /** Moves the page's clock in small steps, letting the page's requests end between them (they run in real time). */
      const advance = async (ms: number) => {
        for (let done = 0; done < ms; done += 2_500) {
          await page.clock.runFor(2_500);
          // Real time for the page's requests to end: a tick is skipped while one is unanswered.
          await new Promise((r) => setTimeout(r, 100));
        }
      };
      const ticksIn = async (ms: number) => {
        const before = alertRequests.length;
        await advance(ms);
        // The page's alerts and the header's count: up to two requests a tick.
        return (alertRequests.length - before) / 2;
      };
      // Four minutes of a failing API: at a steady 15 s that is 16 ticks; backing off
      // (15, 30, 60, 120 s, each ±20%) it is at most 5.
      const failingTicks = await ticksIn(240_000);
      expect(failingTicks).toBeGreaterThanOrEqual(2);
      expect(failingTicks).toBeLessThanOrEqual(5);

      // The API answers again: within one long interval a tick succeeds, then the usual pace
      // returns: over two minutes several ticks, where the longest interval would allow one.
      // (Not all of 120/18: a tick waiting for a slow answer of this loaded test API is skipped.)
      failing = false;
      await advance(latestTick(LIVE_POLL_MAX_MS));
      expect(await ticksIn(120_000)).toBeGreaterThanOrEqual(3);
    } finally {
      await context.close();
    }
  }, 180_000);
});

/** A signed-in alerts page whose WebSockets are all refused, polling already. */
async function pollingAlertsPage(context: BrowserContext, page: Page): Promise<void> {
  await context.routeWebSocket(/\/socket\.io\//, (ws) => ws.close({ code: 1006, reason: 'upgrade stripped' }));
  await page.clock.install();
  await signIn(page, 'ops');
  await page.goto('/alerts');
  await page.waitForSelector('[data-testid=alerts-tab-open]');
  await page.clock.runFor(LIVE_UNAVAILABLE_AFTER_MS + 1_000);
  await page.waitForSelector('[data-testid=live][data-status=unavailable]');
}
