/**
 * What the console's browser tests stand on: the console built with Vite, the
 * real API (MySQL, Redis, socket.io) in-process serving it, the demo data, a
 * simulated Pi agent speaking PROTOCOL.md over HTTP, and Debian's headless
 * Chromium driven by playwright-core.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { loadDemoData, demoId } from '../../api/src/demo/demo-data';
import { startTestApi, TestApi } from '../../api/testing/test-app';

export const webRoot = fileURLToPath(new URL('..', import.meta.url));
export const webDist = fileURLToPath(new URL('../dist', import.meta.url));
/**
 * Screenshots go to docs/screenshots/ (linked from the README) only when asked for
 * with UPDATE_SCREENSHOTS=1, so that an ordinary test run leaves the tree clean.
 */
export const screenshots = fileURLToPath(
  new URL(process.env.UPDATE_SCREENSHOTS ? '../../../docs/screenshots/' : '../../../test-results/screenshots/', import.meta.url),
);
export const DEMO_PASSWORD = 'demo-password';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Builds apps/web into dist/ (the test must not depend on an earlier build). */
export async function buildConsole(): Promise<void> {
  // vitest sets NODE_ENV=test, which would make Vite bundle React's development build.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ root: webRoot, configFile: `${webRoot}/vite.config.ts`, mode: 'production', logLevel: 'warn' });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
  if (!existsSync(`${webDist}/index.html`)) throw new Error('vite build produced no index.html');
}

export interface ConsoleEnv {
  api: TestApi;
  browser: Browser;
  /**
   * Content-Security-Policy violations reported by any page of newPage(): the console
   * must run under its CSP untouched, so a test fails on any (useConsole checks after each).
   */
  cspViolations: string[];
  close(): Promise<void>;
}

/** `overrides`: API settings for this test file (e.g. REMOTE_VNC_PORTS of its stand-in kiosks). */
export async function startConsole(overrides: Record<string, string> = {}): Promise<ConsoleEnv> {
  await buildConsole();
  const api = await startTestApi({ WEB_DIST: webDist, ...overrides });
  let browser: Browser;
  try {
    await loadDemoData(api.db);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  } catch (err) {
    // The caller gets no env to close: its test database and Redis keys go now.
    await api.close();
    throw err;
  }
  return {
    api,
    browser,
    cspViolations: [],
    async close() {
      await browser.close();
      await api.close();
    },
  };
}

/** API settings for a test file, or how to get them once the hooks registered before run (a mailbox's URL...). */
export type ConsoleSettings = Record<string, string> | (() => Record<string, string> | Promise<Record<string, string>>);

/**
 * The console for the tests of this file (or of the describe block it is called in):
 * started before them (after the beforeAll hooks registered earlier, so `settings` may
 * use what those started), checked after each test for Content-Security-Policy
 * violations, closed after them (after the afterAll hooks registered later, so what
 * the file started on top of it stops first). The returned env is usable in the tests
 * and in the hooks registered after this call.
 */
export function useConsole(settings: ConsoleSettings = {}, startTimeoutMs = 180_000): ConsoleEnv {
  let started: ConsoleEnv | undefined;
  const current = () => {
    if (!started) throw new Error('the console is not started yet: use it from a test or a hook registered after useConsole()');
    return started;
  };
  beforeAll(async () => {
    started = await startConsole(typeof settings === 'function' ? await settings() : settings);
  }, startTimeoutMs);
  afterEach(() => {
    // Not started: its beforeAll failed, which fails the file already.
    if (started) expect(started.cspViolations.splice(0), 'Content-Security-Policy violations').toEqual([]);
  });
  const close = async () => {
    const env = started;
    started = undefined;
    await env?.close();
  };
  afterAll(close);
  return {
    get api() {
      return current().api;
    },
    get browser() {
      return current().browser;
    },
    get cspViolations() {
      return current().cspViolations;
    },
    close,
  };
}

export const ids = {
  hospitalA: demoId('hospital:BJRS'),
  hospitalB: demoId('hospital:BJWH'),
  siteAMain: demoId('site:BJRS-MAIN'),
  siteBMain: demoId('site:BJWH-MAIN'),
  ruleAWeekdays: demoId('rule:BJRS:weekdays'),
};

export async function newPage(env: ConsoleEnv, locale = 'en-US'): Promise<{ context: BrowserContext; page: Page }> {
  const context = await env.browser.newContext({
    baseURL: env.api.url,
    locale,
    viewport: { width: 1400, height: 900 },
    timezoneId: 'Asia/Shanghai',
  });
  // Chromium logs what its CSP blocks; the event also catches what it would not log.
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) =>
      console.error(`CSP violation: ${e.effectiveDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`),
    );
  });
  context.on('console', (message) => {
    if (/Content Security Policy|CSP violation/i.test(message.text())) {
      env.cspViolations.push(`${message.page()?.url() ?? '?'}: ${message.text()}`);
    }
  });
  const page = await context.newPage();
  return { context, page };
}

export async function signIn(page: Page, username: string): Promise<void> {
  await page.goto('/');
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', DEMO_PASSWORD);
  await page.click('button[type=submit]');
  await page.waitForSelector('[data-testid=user]');
}

/** A page of its own browser context, signed in as `username`; `close` ends the context. */
export async function signedInPage(env: ConsoleEnv, username: string, locale?: string): Promise<{ page: Page; close: () => Promise<void> }> {
  const { context, page } = await newPage(env, locale);
  await signIn(page, username);
  return { page, close: () => context.close() };
}

/** A screenshot of the page for the README (see `screenshots`). */
export const screenshot = (page: Page, name: string) => page.screenshot({ path: `${screenshots}${name}.png`, fullPage: false });

/** A Pi agent of a site, enrolled with a code that ops created, reporting probes. */
export class SimulatedAgent {
  private constructor(
    private readonly baseUrl: string,
    readonly agentId: string,
    private readonly token: string,
  ) {}

  static async enrol(api: TestApi, siteId: string, name: string): Promise<SimulatedAgent> {
    const ops = await api.login('ops', DEMO_PASSWORD);
    const code = await ops.post(`/api/sites/${siteId}/enrolment-codes`);
    if (code.status !== 201 && code.status !== 200) throw new Error(`enrolment code: ${code.status} ${code.text}`);
    const res = await fetch(`${api.url}/api/agent/v1/enroll`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: code.body.code, name, hostname: `${name}.sim`, version: '1.0.0-sim', subnets: [] }),
    });
    const body = await res.json();
    if (!res.ok) throw new Error(`enroll: ${res.status} ${JSON.stringify(body)}`);
    const agent = new SimulatedAgent(api.url, body.agentId, body.token);
    await agent.call('/heartbeat', { version: '1.0.0-sim', uptimeS: 60, time: new Date().toISOString(), buffered: 0 });
    return agent;
  }

  async probes(results: { kioskId: string; up: boolean }[]): Promise<void> {
    await this.call('/probes', {
      observedAt: new Date().toISOString(),
      results: results.map((r) => ({ ...r, method: 'tcp:5900', latencyMs: 2 })),
    });
  }

  /** Environment readings, as the Pi's sensors would send them. */
  async readings(readings: { seq: number; at: string; temperatureC?: number; humidityPct?: number; smokeRaw?: number; smokeAlarm?: boolean }[]): Promise<void> {
    await this.call('/readings', { readings });
  }

  private async call(path: string, body: unknown): Promise<void> {
    const res = await fetch(`${this.baseUrl}/api/agent/v1${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.token}` },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`agent ${path}: ${res.status} ${await res.text()}`);
  }
}
