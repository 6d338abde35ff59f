/**
 * The fleet view ops can trust, in a real browser against the real API, MySQL,
 * Redis and socket.io with the demo data and a simulated Pi agent: the cross-site
 * overview and its click into a site, the expected state flipping live at a
 * transition instant, what each state looks like, and kiosk search across sites.
 */
import { DateTime } from 'luxon';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { enrolAgent } from '../../api/testing/agent-kit';
import { demoId } from '../../api/src/demo/demo-data';
import type { Client } from '../../api/testing/test-app';
import { DEMO_PASSWORD, ids, newPage, screenshot, signIn, SimulatedAgent, useConsole } from './harness';

const ZONE = 'Asia/Shanghai';
const siteBJRSEast = demoId('site:BJRS-EAST');
const kioskOf = (site: string, code: string) => demoId(`kiosk:${site}:${code}`);

const env = useConsole();
let ops: Client;

beforeAll(async () => {
  ops = await env.api.login('ops', DEMO_PASSWORD);
});

const tile = (code: string) => `[data-testid=kiosk-tile][data-code="${code}"]`;
const text = async (page: Page, selector: string) => ((await page.textContent(selector)) ?? '').trim();

/** A kiosk rule (override, every day) of hospital `hospitalId`, created through the API as staff would. */
async function kioskRule(
  hospitalId: string,
  name: string,
  kioskIds: string[],
  windows: { start: string; end: string }[],
) {
  const res = await ops.post('/api/rules', {
    hospitalId,
    name,
    scope: { kind: 'kiosks', kioskIds },
    layer: 'override',
    priority: 10,
    windows,
  });
  expect(res.status, res.text).toBe(201);
  return res.body.id as string;
}

describe('overview', () => {
  it('lists every site by hospital with its figures, follows the agents live, and a click opens the site', async () => {
    const agent = await SimulatedAgent.enrol(env.api, ids.siteAMain, 'pi-overview');
    const up = ['MZ-1F-01', 'SF-1F-01', 'BG-1F-01'].map((c) => kioskOf('BJRS-MAIN', c));
    const down = kioskOf('BJRS-MAIN', 'ZY-1F-01');
    await agent.probes([...up.map((kioskId) => ({ kioskId, up: true })), { kioskId: down, up: false }]);

    const { context, page } = await newPage(env);
    await signIn(page, 'ops');
    // Ops land on the overview.
    await page.waitForSelector('[data-testid=overview-site]');
    expect(new URL(page.url()).pathname).toBe('/overview');
    expect(await page.$$eval('[data-testid=overview-site]', (rows) => rows.length)).toBe(5);
    expect(await page.$$eval('[data-testid=overview-hospital] h2', (hs) => hs.map((h) => h.textContent))).toEqual([
      'Beijing Riverside Hospital',
      'Beijing West Hills Hospital',
      'Harbour General Hospital (London)',
    ]);

    const row = `[data-testid=overview-site][data-site-id="${ids.siteAMain}"]`;
    const cell = (name: string) => text(page, `${row} [data-testid=site-${name}]`);
    expect(await cell('kiosks')).toBe('90');
    expect(await cell('up')).toBe('3');
    expect(await cell('down')).toBe('1');
    expect(await cell('unknown')).toBe('86');
    // Mismatches depend on what the demo schedule wants right now: the site's own fleet view says.
    const fleet = (await ops.get(`/api/fleet?siteId=${ids.siteAMain}`)).body;
    const mismatched = fleet.kiosks.filter((k: { mismatch: boolean }) => k.mismatch).length;
    expect(await page.getAttribute(row, 'data-mismatched')).toBe(String(mismatched));
    // The demo's four registered Pis were never enrolled: not expected online, not counted.
    // The simulated one, enrolled, just beat.
    expect(await cell('agents')).toBe('1 of 1');
    await screenshot(page, 'overview');

    // A kiosk coming up reaches the row without a reload.
    await page.waitForSelector('[data-testid=live][data-connected=true]');
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 7));
    await agent.probes([{ kioskId: kioskOf('BJRS-MAIN', 'JZ-1F-01'), up: true }]);
    await expect.poll(() => cell('up'), { timeout: 5000 }).toBe('4');
    expect(await page.evaluate(() => (window as unknown as { marker: number }).marker)).toBe(7);

    await page.click(`${row} [data-testid=site-up]`);
    await page.waitForSelector(`${tile('MZ-1F-01')}[data-observed=up]`);
    const url = new URL(page.url());
    expect(url.pathname).toBe('/fleet');
    expect(url.searchParams.get('site')).toBe(ids.siteAMain);
    await context.close();
  });

  it('staff see only their hospital’s sites (in Chinese here)', async () => {
    const { context, page } = await newPage(env, 'zh-CN');
    await signIn(page, 'staff-a');
    // Staff land on their fleet; the overview is one click away.
    await page.waitForSelector('[data-testid=kiosk-tile]');
    await page.click('[data-testid=nav-overview]');
    await page.waitForSelector('[data-testid=overview-site]');
    expect(await text(page, '[data-testid=overview-page] h1')).toBe('全局概览');
    expect(await text(page, '[data-testid=overview-page] th')).toBe('院区');
    expect(
      await page.$$eval('[data-testid=overview-site]', (rows) =>
        rows.map((r) => r.getAttribute('data-site-id')).sort(),
      ),
    ).toEqual([ids.siteAMain, siteBJRSEast].sort());
    await context.close();
  });
});

describe('fleet page', () => {
  it('flips a kiosk’s expected state and the mismatch count live at the transition instant, and follows a rule change', async () => {
    const code = 'SF-2F-01';
    const kioskId = kioskOf('BJWH-MAIN', code);
    const agent = await SimulatedAgent.enrol(env.api, ids.siteBMain, 'pi-flip');
    await agent.probes([{ kioskId, up: true }]);

    // Rules are read to the minute: the kiosk is on until the next minute boundary at least 25 s away.
    const now = DateTime.now().setZone(ZONE);
    let boundary = now.startOf('minute').plus({ minutes: 1 });
    if (boundary.diff(now).as('seconds') < 25) boundary = boundary.plus({ minutes: 1 });
    const end = boundary.toFormat('HH:mm') === '00:00' ? '24:00' : boundary.toFormat('HH:mm');
    const ruleId = await kioskRule(demoId('hospital:BJWH'), 'Closes in a moment', [kioskId], [{ start: '00:00', end }]);

    // Open the page some seconds before the instant (signing in takes a few on a busy machine).
    const waitMs = boundary.toMillis() - Date.now() - 15_000;
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
    const { context, page } = await newPage(env);
    await signIn(page, 'staff-b');
    await page.goto(`/fleet?site=${ids.siteBMain}`);
    await page.waitForSelector(`${tile(code)}[data-state=on-as-expected]`);
    await page.waitForSelector('[data-testid=live][data-connected=true]');
    expect(boundary.toMillis() - Date.now()).toBeGreaterThan(1000);
    expect(await page.getAttribute(tile(code), 'data-expected')).toBe('on');
    expect(await text(page, `${tile(code)} [data-testid=tile-state-text]`)).toContain('Up, as scheduled');
    const mismatchesBefore = Number(await page.getAttribute('[data-testid=count-mismatch]', 'data-n'));
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));

    // At the instant: expected off, and the kiosk that is still up is now a mismatch (within seconds: the
    // whole suite shares two cores, and a starved page once took more than 3 s to render the flip).
    await page.waitForSelector(`${tile(code)}[data-expected=off][data-state=mismatch]`, {
      timeout: boundary.toMillis() - Date.now() + 8000,
    });
    expect(Date.now()).toBeGreaterThanOrEqual(boundary.toMillis());
    expect(await text(page, `${tile(code)} [data-testid=tile-state-text]`)).toContain('Up, should be off');
    await expect
      .poll(() => page.getAttribute('[data-testid=count-mismatch]', 'data-n'))
      .toBe(String(mismatchesBefore + 1));
    expect(await page.evaluate(() => (window as unknown as { marker: number }).marker)).toBe(42);
    await screenshot(page, 'fleet-flip');

    // Staff change the rule elsewhere: the open page follows (schedule.changed), still without a reload.
    expect((await ops.patch(`/api/rules/${ruleId}`, { windows: [{ start: '00:00', end: '24:00' }] })).status).toBe(200);
    await page.waitForSelector(`${tile(code)}[data-expected=on][data-state=on-as-expected]`, { timeout: 5000 });
    await expect.poll(() => page.getAttribute('[data-testid=count-mismatch]', 'data-n')).toBe(String(mismatchesBefore));
    expect(await page.evaluate(() => (window as unknown as { marker: number }).marker)).toBe(42);
    await context.close();
  }, 120_000);

  it('"last seen" follows the agents: a kiosk an agent keeps vouching for reads seconds ago, not its snapshot’s age', async () => {
    const site = demoId('site:BJWH-CHILD');
    const [vouched, quiet] = ['MZ-1F-01', 'SF-1F-01'];
    const beating = await enrolAgent(ops, site, 'pi-beating', ['127.21.1.0/24']);
    const silent = await enrolAgent(ops, site, 'pi-silent', ['127.21.2.0/24']);
    // Both saw their kiosk up in the 5-minute snapshot of 4 minutes ago; only one agent has beaten since.
    const snapshot = (agent: typeof beating, code: string) =>
      agent.client.post('/probes', {
        observedAt: new Date(Date.now() - 4 * 60_000).toISOString(),
        results: [{ kioskId: kioskOf('BJWH-CHILD', code), up: true, method: 'tcp:5900', latencyMs: 2 }],
      });
    expect((await snapshot(beating, vouched)).status).toBe(204);
    expect((await snapshot(silent, quiet)).status).toBe(204);
    const beat = await beating.client.post('/heartbeat', {
      version: '1.2.0',
      uptimeS: 60,
      time: new Date().toISOString(),
      buffered: 0,
    });
    expect(beat.status).toBe(200);

    const { context, page } = await newPage(env);
    await signIn(page, 'ops');
    await page.goto(`/fleet?site=${site}`);
    const seen = (code: string) => text(page, `${tile(`C-${code}`)} [data-testid=tile-seen]`);
    await page.waitForSelector(`${tile(`C-${vouched}`)}[data-observed=up]`);
    expect(await seen(vouched)).toMatch(/^seen \d+ seconds ago/);
    expect(await seen(quiet)).toMatch(/^seen 4 minutes ago/);
    await context.close();
  });

  it('colours: off as scheduled is calm, a mismatch stands out with its word, unknown is distinct; a legend explains them', async () => {
    // East campus kiosks show their codes with the campus letter; their demo ids use the plain code.
    const [calm, mismatch, fine, unknown] = ['MZ-1F-01', 'SF-1F-01', 'BG-1F-01', 'ZY-1F-01'].map((c) => `E-${c}`);
    const idOf = (code: string) => kioskOf('BJRS-EAST', code.slice(2));
    await kioskRule(demoId('hospital:BJRS'), 'Closed wing', [idOf(calm)], []);
    await kioskRule(
      demoId('hospital:BJRS'),
      'Always open',
      [idOf(mismatch), idOf(fine)],
      [{ start: '00:00', end: '24:00' }],
    );
    const agent = await SimulatedAgent.enrol(env.api, siteBJRSEast, 'pi-colours');
    await agent.probes([
      { kioskId: idOf(calm), up: false },
      { kioskId: idOf(mismatch), up: false },
      { kioskId: idOf(fine), up: true },
    ]);

    const { context, page } = await newPage(env);
    await signIn(page, 'staff-a');
    await page.goto(`/fleet?site=${siteBJRSEast}`);
    await page.waitForSelector(tile(calm));
    const look = (code: string) =>
      page.$eval(tile(code), (el) => {
        const style = getComputedStyle(el);
        return {
          state: el.getAttribute('data-state'),
          mismatch: el.getAttribute('data-mismatch'),
          flag: el.querySelector('.state-flag')?.textContent ?? null,
          words: el.querySelector('[data-testid=tile-state-text]')?.textContent ?? '',
          background: style.backgroundColor,
          backgroundImage: style.backgroundImage,
          edge: style.borderLeftColor,
        };
      });
    const [calmLook, mismatchLook, fineLook, unknownLook] = await Promise.all(
      [calm, mismatch, fine, unknown].map(look),
    );

    // Down as scheduled: no mismatch, no flag, calm words; its edge is not the mismatch red.
    expect(calmLook).toMatchObject({ state: 'off-as-expected', mismatch: 'false', flag: null });
    expect(calmLook.words).toContain('Off, as scheduled');
    // Down while it should be on: the word and the icon, not only a colour.
    expect(mismatchLook).toMatchObject({ state: 'mismatch', mismatch: 'true', flag: 'Mismatch' });
    expect(mismatchLook.words).toContain('Down, should be on');
    expect(fineLook).toMatchObject({ state: 'on-as-expected', mismatch: 'false', flag: null });
    // Never probed: unknown, hatched, its own flag.
    expect(unknownLook).toMatchObject({ state: 'unknown', mismatch: 'false', flag: 'Unknown' });
    expect(unknownLook.backgroundImage).toContain('repeating-linear-gradient');

    const red = mismatchLook.edge;
    expect(new Set([red, calmLook.edge, fineLook.edge, unknownLook.edge]).size).toBe(4);
    expect(calmLook.background).not.toBe(mismatchLook.background);
    expect(
      await page.$$eval('[data-testid=fleet-legend] li', (items) => items.map((i) => i.getAttribute('data-state'))),
    ).toEqual(['mismatch', 'on-as-expected', 'off-as-expected', 'unknown', 'unmanaged']);
    await screenshot(page, 'fleet-states');
    await context.close();
  });
});

describe('kiosk search across sites', () => {
  it('finds equal codes in several hospitals, each with its site, and opens the kiosk', async () => {
    const { context, page } = await newPage(env);
    await signIn(page, 'ops');
    await page.waitForSelector('[data-testid=kiosk-search]');
    await page.fill('[data-testid=kiosk-search]', 'MZ-1F-01');
    await page.waitForSelector('[data-testid=kiosk-search-hit]');
    const hits = await page.$$eval('[data-testid=kiosk-search-hit]', (els) =>
      els.map((e) => ({
        code: e.getAttribute('data-code'),
        site: e.getAttribute('data-site-id'),
        text: e.textContent,
      })),
    );
    // The exact code first, in three hospitals, then the codes that contain it.
    expect(hits.slice(0, 3).map((h) => h.code)).toEqual(['MZ-1F-01', 'MZ-1F-01', 'MZ-1F-01']);
    expect(hits.slice(0, 3).map((h) => h.site)).toEqual([ids.siteAMain, ids.siteBMain, demoId('site:LDHG-MAIN')]);
    expect(hits[0].text).toContain('Beijing Riverside Hospital · Main campus');
    expect(hits[1].text).toContain('Beijing West Hills Hospital · Main campus');
    expect(
      hits
        .slice(3)
        .map((h) => h.code)
        .sort(),
    ).toEqual(['C-MZ-1F-01', 'E-MZ-1F-01']);
    await screenshot(page, 'kiosk-search');

    await page.click(`[data-testid=kiosk-search-hit][data-site-id="${ids.siteBMain}"]`);
    await page.waitForSelector('[data-testid=schedule-day]');
    expect(new URL(page.url()).pathname).toBe(`/kiosks/${kioskOf('BJWH-MAIN', 'MZ-1F-01')}`);
    await context.close();
  });

  it('the fleet page’s search also names the kiosk in the user’s other sites; staff find only theirs', async () => {
    const { context, page } = await newPage(env);
    await signIn(page, 'staff-a');
    await page.goto(`/fleet?site=${ids.siteAMain}`);
    await page.waitForSelector(tile('MZ-1F-01'));
    await page.fill('[data-testid=fleet-search]', 'MZ-1F-01');
    await page.waitForSelector('[data-testid=other-site-hits] [data-testid=kiosk-search-hit]');
    const others = await page.$$eval('[data-testid=other-site-hits] [data-testid=kiosk-search-hit]', (els) =>
      els.map((e) => ({
        code: e.getAttribute('data-code'),
        site: e.getAttribute('data-site-id'),
        text: e.textContent,
      })),
    );
    // Not the site on screen, not another hospital's kiosks: East campus only.
    expect(others.map((o) => [o.code, o.site])).toEqual([['E-MZ-1F-01', siteBJRSEast]]);
    expect(others[0].text).toContain('East campus');
    expect(await page.getAttribute('[data-testid=fleet-grid]', 'data-count')).toBe('1');
    await context.close();
  });
});
