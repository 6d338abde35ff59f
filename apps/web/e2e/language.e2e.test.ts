/**
 * The console in Chinese leaves no English behind, in a real browser against the real
 * API, MySQL and Redis with the demo data plus what makes server-made text appear:
 * alerts of every kind, wakes verified and failed, a missed shutdown, rules that win
 * and lose, audit entries. Every page, as ops and as staff, is read (the rendered
 * text and the title, placeholder and aria-label attributes): any run of two or more
 * Latin letters must be the product's name, a unit, an error code, a zone, or a name
 * that comes from the data itself. The same pages in dark mode keep every text readable
 * against what is behind it (their data makes them full: alerts, histories, charts),
 * and a period chosen on the environment page is read on the site's clock.
 */
import { DateTime } from 'luxon';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { AlertsService } from '../../api/src/alerts/alerts.service';
import { DispatcherService } from '../../api/src/dispatch/dispatcher.service';
import { VerificationService } from '../../api/src/dispatch/verification.service';
import { RollupService } from '../../api/src/telemetry/rollup.service';
import {
  ConsoleEnv,
  DEMO_PASSWORD,
  ids,
  screenshot,
  signedInPage,
  signIn,
  SimulatedAgent,
  useConsole,
} from './harness';

const env: ConsoleEnv = useConsole();
let kiosks: { id: string; code: string; name: string }[];
let ruleId: string;
/** Text that comes from the data (names, codes, addresses), longest first: not UI words. */
let dataWords: string[];

/** Latin words a Chinese page may show: the product, units and technical names that are not translated. */
const ALLOWED = new Set([
  'Wakeward',
  'VNC',
  'CSV',
  'PDF',
  'UTC',
  'GMT',
  'MAC',
  'IP',
  'MQ',
  'DHT',
  'JSON',
  'Webhook',
  'ms',
  'English',
]);

beforeAll(async () => {
  const { api } = env;
  kiosks = await api.db.query(`SELECT id, code, name FROM kiosks WHERE site_id = ? ORDER BY code LIMIT 8`, [
    ids.siteAMain,
  ]);
  const ops = await api.login('ops', DEMO_PASSWORD);
  const staff = await api.login('staff-a', DEMO_PASSWORD);

  // An agent that sees two kiosks up, and reports the room's climate.
  const agent = await SimulatedAgent.enrol(api, ids.siteAMain, 'pi-lang');
  await agent.probes([
    { kioskId: kiosks[0].id, up: true },
    { kioskId: kiosks[1].id, up: true },
    { kioskId: kiosks[2].id, up: false },
  ]);
  const now = Date.now();
  // Two hours of the room's climate, drawn from 5-minute rollups (the worker computes them).
  await agent.readings(
    Array.from({ length: 30 }, (_, i) => ({
      seq: i + 1,
      at: new Date(now - (30 - i) * 240_000).toISOString(),
      temperatureC: 24 + (i % 5),
      humidityPct: 50 + (i % 7),
      smokeRaw: 80 + i,
      smokeAlarm: false,
    })),
  );
  await api.app.get(RollupService).run();

  // Kiosk rules that win over the hospital's hours whatever the time of day the test runs:
  // four kiosks on around the clock, two off all day.
  const rule = await ops.post('/api/rules', {
    hospitalId: ids.hospitalA,
    name: 'Round the clock',
    scope: { kind: 'kiosks', kioskIds: kiosks.slice(0, 4).map((k) => k.id) },
    layer: 'override',
    windows: [{ start: '00:00', end: '24:00' }],
  });
  expect(rule.status).toBe(201);
  ruleId = rule.body.id;
  const closed = await ops.post('/api/rules', {
    hospitalId: ids.hospitalA,
    name: 'Closed for works',
    scope: { kind: 'kiosks', kioskIds: [kiosks[4].id, kiosks[5].id] },
    layer: 'override',
    windows: [],
  });
  expect(closed.status).toBe(201);

  // A wake of those four kiosks 20 minutes ago: two came up, two did not (a grouped alert).
  const wakeAt = new Date(Math.floor(now / 60_000) * 60_000 - 20 * 60_000);
  for (const k of kiosks.slice(0, 4)) {
    await api.db.query(
      `INSERT INTO dispatches (kiosk_id, site_id, hospital_id, action, planned_at, status, sent_at, commands, verifications, created_at, updated_at)
       VALUES (?, ?, ?, 'wake', ?, 'sent', ?, '[]', '[]', ?, ?)`,
      [k.id, ids.siteAMain, ids.hospitalA, wakeAt, wakeAt, new Date(), new Date()],
    );
  }
  const lastRound = api.config.dispatch.verifyAfterMs.length - 1;
  await api.app
    .get(VerificationService)
    .verify(
      { kind: 'verify', siteId: ids.siteAMain, at: wakeAt.toISOString(), action: 'wake', round: lastRound },
      new Date(),
    );
  // A shutdown found long after its time: missed, and alerted.
  const shutdownAt = new Date(Math.floor(now / 60_000) * 60_000 - 60 * 60_000);
  await api.app.get(DispatcherService).runTransition({
    kind: 'transition',
    siteId: ids.siteAMain,
    at: shutdownAt.toISOString(),
    action: 'shutdown',
    kioskIds: [kiosks[4].id, kiosks[5].id],
  });

  // The other kinds of alert, with the details their producers record.
  const alerts = api.app.get(AlertsService);
  const base = { hospitalId: ids.hospitalA, siteId: ids.siteAMain, agentId: agent.agentId };
  const at = new Date(now - 30 * 60_000).toISOString();
  await alerts.raise({
    ...base,
    kind: 'agent_offline',
    openKey: 'lang:offline',
    message: 'Agent pi-lang at Main campus: no heartbeat',
    details: { agentName: 'pi-lang', siteName: 'Main campus', timeZone: 'Asia/Shanghai', lastHeartbeatAt: at },
  });
  await alerts.raise({
    ...base,
    kind: 'temperature_high',
    openKey: 'lang:temp',
    message: 'pi-lang: temperature 41 °C',
    details: { threshold: 35, since: at, peak: 41, latest: 41, forMinutes: 10, agentName: 'pi-lang' },
  });
  await alerts.raise({
    ...base,
    kind: 'humidity_high',
    openKey: 'lang:hum',
    message: 'pi-lang: humidity 90 %',
    details: { threshold: 80, since: at, peak: 90, latest: 90, forMinutes: 10, agentName: 'pi-lang' },
  });
  await alerts.raise({
    ...base,
    kind: 'smoke',
    openKey: 'lang:smoke',
    message: 'pi-lang: smoke alarm (MQ-2)',
    details: { at, smokeRaw: 900, agentName: 'pi-lang' },
  });
  await alerts.raise({
    ...base,
    kind: 'sensor_silent',
    openKey: 'lang:silent',
    message: 'pi-lang: smoke sensor (MQ-2) silent',
    details: { lastValueAt: at, silentForMinutes: 15, agentName: 'pi-lang', sensor: 'mq2' },
  });
  const planned = DateTime.now()
    .setZone('Asia/Shanghai')
    .plus({ days: 1 })
    .set({ hour: 7, minute: 0, second: 0, millisecond: 0 });
  await alerts.raise({
    ...base,
    agentId: null,
    kind: 'no_agent',
    openKey: 'lang:no-agent',
    message: 'No online agent at Main campus',
    details: {
      siteName: 'Main campus',
      timeZone: 'Asia/Shanghai',
      at: planned.toUTC().toISO(),
      action: 'wake',
      kioskCount: 1,
      kiosks: [{ id: kiosks[6].id, code: kiosks[6].code, name: kiosks[6].name }],
    },
  });

  // Staff's audited edit.
  expect((await staff.patch(`/api/kiosks/${kiosks[1].id}`, { name: 'Lobby west registration' })).status).toBe(200);

  const strings = async (sql: string) =>
    ((await api.db.query(sql)) as Record<string, unknown>[]).flatMap((r) => Object.values(r));
  dataWords = [
    ...(await strings('SELECT code, name, location, notes, ip, mac, subnet, shutdown_method FROM kiosks')),
    ...(await strings('SELECT name FROM sites')),
    ...(await strings('SELECT code, name FROM hospitals')),
    ...(await strings('SELECT name, location, hostname, version FROM agents')),
    ...(await strings('SELECT username, display_name FROM users')),
    ...(await strings('SELECT name FROM power_rules')),
    ...(await strings('SELECT name FROM notification_channels')),
  ]
    .filter((v): v is string => typeof v === 'string' && /[A-Za-z]{2}/.test(v))
    .sort((a, b) => b.length - a.length);
}, 240_000);

/** Every page, with what must be on it before it is read; `expand`: buttons that unfold more to read. */
function pages(): { path: string; opsOnly?: boolean; ready: string; expand?: string }[] {
  return [
    { path: '/overview', ready: 'main.content h1' },
    { path: '/fleet', ready: '[data-testid=kiosk-tile], [data-testid=kiosk-row]' },
    { path: `/kiosks/${kiosks[2].id}`, ready: '[data-testid=dispatch-outcome]' },
    { path: `/kiosks/${kiosks[0].id}`, ready: '[data-testid=schedule-day]' },
    { path: `/dispatches?site=${ids.siteAMain}`, ready: '[data-testid=dispatch-outcome]' },
    { path: `/schedules?hospital=${ids.hospitalA}`, ready: 'main.content h1' },
    { path: `/schedules?hospital=${ids.hospitalA}&rule=${ids.ruleAWeekdays}`, ready: 'main.content h1' },
    { path: `/schedules?hospital=${ids.hospitalA}&rule=${ruleId}`, ready: 'main.content h1' },
    { path: `/schedules?hospital=${ids.hospitalA}&rule=new`, ready: 'main.content h1' },
    { path: '/calendar', ready: 'main.content h1' },
    {
      path: '/audit',
      ready: '[data-testid=audit-row]',
      expand: '[data-testid=audit-diff-toggle][aria-expanded=false]',
    },
    { path: '/agents', opsOnly: true, ready: 'main.content h1' },
    { path: `/environment?site=${ids.siteAMain}`, opsOnly: true, ready: '[data-testid^=environment-chart] canvas' },
    { path: '/alerts', opsOnly: true, ready: '[data-testid=alert-row]' },
    { path: '/notifications', opsOnly: true, ready: 'main.content h1' },
  ];
}

/** What a person reads on the page: its text (but an agent's own diagnostic, marked lang=en), and the attributes a browser shows or speaks. */
const readable = (page: Page) =>
  page.evaluate(() => {
    let text = document.body.innerText;
    for (const quoted of document.querySelectorAll<HTMLElement>('body [lang=en]'))
      text = text.split(quoted.innerText).join(' ');
    const attributes = [...document.querySelectorAll('[title], [placeholder], [aria-label]')].flatMap((el) =>
      ['title', 'placeholder', 'aria-label'].map((a) => el.getAttribute(a) ?? ''),
    );
    return [document.title, text, ...attributes].join('\n');
  });

/** Latin words left once names from the data, zones, error codes and allowed words are taken out; each with its line. */
function englishLeft(text: string, data: string[]): string[] {
  const found = new Set<string>();
  for (const line of text.split('\n')) {
    let rest = line;
    for (const word of data) if (rest.includes(word)) rest = rest.split(word).join(' ');
    rest = rest
      .replace(/\b[A-Z][a-z]+(?:\/[A-Z][A-Za-z_-]+)+\b/g, ' ') // IANA zones: Asia/Shanghai, America/Argentina/Salta
      .replace(/\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b/g, ' ') // stable codes shown beside a message: KIOSK_NOT_FOUND
      .replace(/\b[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}\b|\b[0-9a-f]{8}\b/g, ' ') // ids, whole or their first 8 digits
      .replace(/\btcp:\d+\b/g, ' '); // how an agent probed a kiosk, as it reported it
    for (const word of rest.match(/[A-Za-z]{2,}/g) ?? []) {
      if (!ALLOWED.has(word)) found.add(`${word}  ←  ${line.trim().slice(0, 120)}`);
    }
  }
  return [...found];
}

async function settled(page: Page, ready: string) {
  await page.waitForSelector(ready, { timeout: 15_000 });
  await page
    .waitForFunction(() => !document.querySelector('main.content [role=status].muted'), undefined, { timeout: 10_000 })
    .catch(() => undefined);
  await page.waitForTimeout(200);
}

describe('the console in Chinese', () => {
  for (const user of ['ops', 'staff-a'] as const) {
    it(`shows no untranslated English on any page (${user})`, async () => {
      const { page, close } = await signedInPage(env, user, 'zh-CN');
      try {
        const leaks: string[] = [];
        for (const p of pages().filter((p) => user === 'ops' || !p.opsOnly)) {
          await page.goto(p.path);
          await settled(page, p.ready);
          if (p.expand) for (const button of await page.$$(p.expand)) await button.click();
          for (const leak of englishLeft(await readable(page), dataWords)) leaks.push(`${p.path}: ${leak}`);
        }
        expect(leaks).toEqual([]);
      } finally {
        await close();
      }
    }, 180_000);
  }

  it('words server-made text from its codes: alerts of every kind, dispatch outcomes, rule reasons', async () => {
    const { page, close } = await signedInPage(env, 'ops', 'zh-CN');
    try {
      await page.goto('/alerts');
      await page.waitForSelector('[data-testid=alert-row][data-kind=sensor_silent]');
      const summary = (kind: string) =>
        page.textContent(`[data-testid=alert-row][data-kind=${kind}] [data-testid=alert-summary]`);
      expect(await summary('temperature_high')).toBe('pi-lang：温度 41 °C，超过 35 °C 已达 10 分钟或更久');
      expect(await summary('sensor_silent')).toBe('pi-lang：烟雾传感器（MQ-2）已 15 分钟或更久无数据');
      expect(await summary('dispatch_missed')).toContain('的关机被错过');
      // On a phone, the same alerts reflow without pushing the page sideways.
      await page.setViewportSize({ width: 390, height: 844 });
      expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(
        0,
      );
      await screenshot(page, 'phone-alerts-zh-CN');
      await page.setViewportSize({ width: 1400, height: 900 });

      await page.goto(`/kiosks/${kiosks[2].id}`);
      await page.waitForSelector('[data-testid=dispatch-outcome]');
      expect(await page.textContent('[data-testid=dispatch-outcome]')).toMatch(/^开机后 \d+ 秒仍未开机$/);
      await page.goto(`/kiosks/${kiosks[0].id}`);
      await page.waitForSelector('[data-testid=dispatch-outcome]');
      expect(await page.textContent('[data-testid=dispatch-outcome]')).toMatch(/^\d+ 秒后确认开机$/);
      // The kiosk's own override wins every day, said in Chinese.
      await page.waitForSelector('[data-testid=schedule-day]');
      expect(await page.textContent('[data-testid=schedule-day] .reason')).toBe(
        ' — 生效：单台自助机规则，例外，优先级 0',
      );
      await page.goto(`/dispatches?site=${ids.siteAMain}`);
      await page.waitForSelector('[data-testid=dispatch-row][data-status=missed] [data-testid=dispatch-outcome]');
      expect(
        await page.textContent('[data-testid=dispatch-row][data-status=missed] [data-testid=dispatch-outcome]'),
      ).toMatch(/^延迟 \d+ 秒才发现，已超出补发时限$/);
      await screenshot(page, 'dispatches-zh-CN');
    } finally {
      await close();
    }
  }, 60_000);
});

describe("the site's zone, not the browser's", () => {
  it("a chosen period of the environment page is entered on the site's wall clock, from a browser in another zone", async () => {
    const context = await env.browser.newContext({
      baseURL: env.api.url,
      locale: 'zh-CN',
      timezoneId: 'America/New_York',
      viewport: { width: 1400, height: 900 },
    });
    try {
      const page = await context.newPage();
      await signIn(page, 'ops');
      await page.goto(`/environment?site=${ids.siteAMain}&range=custom`);
      await page.waitForSelector('input[type=datetime-local]');
      const period = async (from: string, to: string) => {
        // The request once both fields are filled (each change asks again).
        const asked = page.waitForRequest(
          (r) =>
            r.url().includes('/environment?') && new URL(r.url()).searchParams.get('to')!.startsWith(to.slice(0, 7)),
        );
        await page.fill('input[type=datetime-local] >> nth=0', from);
        await page.fill('input[type=datetime-local] >> nth=1', to);
        const url = new URL((await asked).url());
        return [url.searchParams.get('from'), url.searchParams.get('to')];
      };
      // 08:00 in Shanghai (UTC+8) is midnight UTC, whatever the browser's own zone (New York, UTC-5).
      expect(await period('2027-01-26T08:00', '2027-01-26T20:00')).toEqual([
        '2027-01-26T00:00:00.000Z',
        '2027-01-26T12:00:00.000Z',
      ]);
    } finally {
      await context.close();
    }
  }, 60_000);
});

/**
 * Text whose contrast with the background behind it is below `min` (WCAG's ratio):
 * each as "element "text" ratio". Disabled controls and text over a gradient are left out.
 */
const lowContrast = (page: Page, min: number) =>
  page.evaluate((min) => {
    const rgba = (css: string) => (css.match(/[\d.]+/g) ?? ['0', '0', '0', '0']).map(Number);
    const luminance = ([r, g, b]: number[]) => {
      const f = (v: number) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    /** The first opaque enough background from the element up; null over a gradient or an image. */
    const backgroundOf = (el: Element): number[] | null => {
      for (let p: Element | null = el; p; p = p.parentElement) {
        const style = getComputedStyle(p);
        if (style.backgroundImage !== 'none') return null;
        const c = rgba(style.backgroundColor);
        if (c.length < 4 || c[3] >= 0.5) return c;
      }
      return rgba(getComputedStyle(document.documentElement).backgroundColor);
    };
    const out: string[] = [];
    for (const el of document.querySelectorAll<HTMLElement>('body *')) {
      const own = [...el.childNodes]
        .filter((n) => n.nodeType === Node.TEXT_NODE && n.textContent!.trim())
        .map((n) => n.textContent!.trim())
        .join(' ');
      if (!own || (el as HTMLButtonElement).disabled || el.closest('[disabled], [aria-disabled=true]')) continue;
      const rect = el.getBoundingClientRect();
      const style = getComputedStyle(el);
      if (!rect.width || !rect.height || style.visibility === 'hidden' || Number(style.opacity) === 0) continue;
      const bg = backgroundOf(el);
      if (!bg) continue;
      const [a, b] = [luminance(rgba(style.color)), luminance(bg)].sort((x, y) => y - x);
      const ratio = (a + 0.05) / (b + 0.05);
      if (ratio < min)
        out.push(`${el.tagName.toLowerCase()}.${el.className} "${own.slice(0, 40)}" ${ratio.toFixed(2)}`);
    }
    return [...new Set(out)].slice(0, 20);
  }, min);

describe('dark mode', () => {
  it('every page keeps its text readable: a contrast of 3:1 or more against its background', async () => {
    const { page, close } = await signedInPage(env, 'ops');
    try {
      await page.emulateMedia({ colorScheme: 'dark' });
      const problems: string[] = [];
      for (const p of pages()) {
        await page.goto(p.path);
        await settled(page, p.ready);
        for (const problem of await lowContrast(page, 3)) problems.push(`${p.path}: ${problem}`);
        if (p.path.startsWith('/environment')) await screenshot(page, 'environment-dark');
        if (p.path === '/alerts') await screenshot(page, 'alerts-dark');
      }
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  }, 180_000);
});
