/**
 * The rule editor as hospital staff use it, in a real browser against the real API
 * and the demo data: a Spring Festival override whose preview shows the kiosks that
 * escape it (their own rules win) and includes them in one click; the confirmation
 * when a saved rule leaves kiosks out; time fields, presets and overnight hours; the
 * kiosk picker naming each kiosk's site.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '../../api/testing/test-app';
import { DEMO_PASSWORD, ids, screenshot, signedInPage, useConsole } from './harness';

const env = useConsole();
let page: Page;
let close: () => Promise<void>;
let staff: Client;

beforeAll(async () => {
  ({ page, close } = await signedInPage(env, 'staff-a'));
  staff = await env.api.login('staff-a', DEMO_PASSWORD);
});

afterAll(async () => {
  await close?.();
});

type Rule = { id: string; name: string; layer: string; scope: { kind: string; kioskIds?: string[] }; days: number[] | null; windows: { start: string; end: string }[]; priority: number; from: string | null; until: string | null };
const rulesOfA = async (): Promise<Rule[]> => (await staff.get(`/api/rules?hospitalId=${ids.hospitalA}&pageSize=100`)).body.items;
const escapingCount = async () => Number(await page.getAttribute('[data-testid=rule-impact]', 'data-escaping'));

describe('rule editor', () => {
  it('Spring Festival: the preview lists the kiosks whose own rules escape the override, one click includes them, then none escapes', async () => {
    await page.goto(`/schedules?hospital=${ids.hospitalA}&rule=new`);
    await page.fill('[data-testid=rule-name]', 'Spring Festival 2028');
    await page.check('[data-testid=layer-override]');
    await page.check('[data-testid=every-day]');
    await page.fill('input[name=from]', '2028-01-25');
    await page.fill('input[name=until]', '2028-01-31');
    await page.click('[data-testid=preset-closed]');

    // The preview covers the override's own dates, months away, not the next 7 days.
    await expect.poll(() => page.textContent('[data-testid=impact-dates]'), { timeout: 10_000 }).toContain('2028-01-25 – 2028-01-31');
    expect(await page.textContent('[data-testid=impact-dates]')).toContain('7 dates');
    await page.waitForSelector('[data-testid=escaping-kiosk]');
    const escaping = await page.$$eval('[data-testid=escaping-kiosk]', (rows) =>
      rows.map((r) => ({ code: r.getAttribute('data-code') ?? '', winner: r.getAttribute('data-winner') ?? '', text: r.textContent ?? '' })),
    );
    // The emergency kiosks run 24/7 by a kiosk rule, and a kiosk rule beats a hospital one.
    expect(escaping.length).toBeGreaterThan(0);
    expect(escaping.length).toBe(await escapingCount());
    for (const e of escaping) {
      expect(e.code).toMatch(/JZ-/);
      expect(e.winner).toBe('Emergency department 24/7');
      expect(e.text).toContain('“Emergency department 24/7” is a rule for single kiosks, more specific than this one');
      expect(e.text).toMatch(/Main campus|East campus/);
    }
    const summary = await page.textContent('[data-testid=impact-summary]');
    const governed = Number(await page.getAttribute('[data-testid=rule-impact]', 'data-governed'));
    expect(summary).toContain(`Governs ${governed} of the ${governed + escaping.length} kiosks`);
    // Before and after per date, for the kiosks that follow the override.
    const compare = await page.$$eval('[data-testid=compare-day]', (rows) =>
      rows.map((r) => ({ date: r.getAttribute('data-date'), text: r.textContent ?? '' })),
    );
    expect(compare.map((c) => c.date)).toEqual(['2028-01-25', '2028-01-26', '2028-01-27', '2028-01-28', '2028-01-29', '2028-01-30', '2028-01-31']);
    expect(compare[0].text).toContain('07:00–20:00 (13 h)'); // Tuesday: weekday hours before
    expect(compare[4].text).toContain('08:00–17:00 (9 h)'); // Saturday: weekend hours before
    for (const c of compare) expect(c.text).toContain('Off all day');
    expect(await page.textContent('[data-testid=include-explain]')).toContain('Spring Festival 2028 (kiosks with their own rules)');
    await screenshot(page, 'rule-impact');

    // With no kiosk chosen for the timelines the preview still settles (no endless "Loading…").
    while (await page.$('[data-testid=preview-kiosks] [data-testid=chip] button')) {
      await page.click('[data-testid=preview-kiosks] [data-testid=chip] button');
    }
    await page.waitForSelector('[data-testid=preview-kiosk]', { state: 'detached' });
    await expect.poll(() => page.$$eval('[data-testid=rule-preview] .card-head .muted', (els) => els.length)).toBe(0);
    expect(await escapingCount()).toBe(escaping.length);

    const created = page.waitForResponse((r) => r.url().endsWith('/api/rules') && r.request().method() === 'POST');
    await page.click('[data-testid=include-escaping]');
    expect((await created).status()).toBe(201);
    await page.waitForSelector('[data-testid=impact-none-escape]');
    expect(await escapingCount()).toBe(0);
    expect(await page.textContent('[data-testid=impact-summary]')).toContain(`${escaping.length} of them through a kiosk rule with the same hours`);
    const included = (await rulesOfA()).find((r) => r.name === 'Spring Festival 2028 (kiosks with their own rules)')!;
    expect(included).toMatchObject({ layer: 'override', scope: { kind: 'kiosks' }, days: null, from: '2028-01-25', until: '2028-01-31', windows: [] });
    expect(included.scope.kioskIds).toHaveLength(escaping.length);
    // The new rule is in the list at once; the edits of the unsaved override are kept.
    await page.waitForSelector('[data-testid=rule-row][data-name="Spring Festival 2028 (kiosks with their own rules)"]');
    expect(await page.inputValue('[data-testid=rule-name]')).toBe('Spring Festival 2028');

    // Nothing escapes now: saving asks nothing.
    let asked = false;
    page.once('dialog', (d) => {
      asked = true;
      void d.dismiss();
    });
    const saved = page.waitForResponse((r) => r.url().endsWith('/api/rules') && r.request().method() === 'POST');
    await page.click('[data-testid=save-rule]');
    expect((await saved).status()).toBe(201);
    expect(asked).toBe(false);
    page.removeAllListeners('dialog');
    expect((await rulesOfA()).find((r) => r.name === 'Spring Festival 2028')).toMatchObject({ layer: 'override', scope: { kind: 'hospital' }, windows: [] });
    // Both writes are in the audit log.
    const audit = (await staff.get('/api/audit?entityType=power_rule&action=create&pageSize=20')).body.items as { after: { name: string } }[];
    expect(audit.map((a) => a.after.name)).toEqual(expect.arrayContaining(['Spring Festival 2028', 'Spring Festival 2028 (kiosks with their own rules)']));
  });

  it('saving a rule that leaves kiosks out says how many once more; declining saves nothing', async () => {
    await page.goto(`/schedules?hospital=${ids.hospitalA}&rule=${ids.ruleAWeekdays}`);
    await page.waitForSelector('[data-testid=rule-impact]');
    await page.fill('[data-testid=window-0-end]', '21:00');
    await expect.poll(() => page.textContent('[data-testid=impact-compare]'), { timeout: 10_000 }).toContain('07:00–21:00 (14 h)');
    const n = await escapingCount();
    expect(n).toBeGreaterThan(0);
    let message = '';
    page.once('dialog', (d) => {
      message = d.message();
      void d.dismiss();
    });
    let patched = false;
    page.on('request', (r) => r.method() === 'PATCH' && (patched = true));
    await page.click('[data-testid=save-rule]');
    await expect.poll(() => message).toContain(`${n} kiosks in this rule’s scope will not follow it`);
    await page.waitForTimeout(300);
    expect(patched).toBe(false);
    expect((await staff.get(`/api/rules/${ids.ruleAWeekdays}`)).body.windows).toEqual([{ start: '07:00', end: '20:00' }]);
    page.removeAllListeners('request');
  });

  it('time fields, presets, and overnight hours entered in one step become the rules the model needs', async () => {
    await page.goto(`/schedules?hospital=${ids.hospitalA}&rule=new`);
    await page.fill('[data-testid=rule-name]', 'Night shift');
    expect(await page.getAttribute('[data-testid=window-0-start]', 'type')).toBe('time');

    await page.click('[data-testid=preset-24h]');
    expect(await page.inputValue('[data-testid=window-0-start]')).toBe('00:00');
    expect(await page.inputValue('[data-testid=window-0-end]')).toBe('00:00'); // midnight: the end of the day
    await page.click('[data-testid=preset-every-day]');
    expect(await page.isChecked('[data-testid=every-day]')).toBe(true);
    await page.click('[data-testid=preset-weekdays]');
    expect(await page.isChecked('[data-testid=every-day]')).toBe(false);
    const checkedDays = () => page.$$eval('[data-testid^=weekday-]', (els) => els.filter((e) => (e as HTMLInputElement).checked).map((e) => e.getAttribute('data-testid')));
    expect(await checkedDays()).toEqual(['weekday-1', 'weekday-2', 'weekday-3', 'weekday-4', 'weekday-5']);
    await page.click('[data-testid=preset-closed]');
    expect(await page.$$('[data-testid=window-row]')).toHaveLength(0);

    // Nights Monday to Friday, 22:00-06:00, in one step.
    await page.fill('[data-testid=overnight-start]', '22:00');
    await page.fill('[data-testid=overnight-end]', '06:00');
    await page.click('[data-testid=add-overnight]');
    const windows = async () => {
      const rows = await page.$$('[data-testid=window-row]');
      const out: string[] = [];
      for (let i = 0; i < rows.length; i++) {
        out.push(`${await page.inputValue(`[data-testid=window-${i}-start]`)}-${await page.inputValue(`[data-testid=window-${i}-end]`)}`);
      }
      return out;
    };
    expect(await windows()).toEqual(['00:00-06:00', '22:00-00:00']);
    expect(await checkedDays()).toEqual(['weekday-2', 'weekday-3', 'weekday-4', 'weekday-5']);
    const companions = await page.$$eval('[data-testid=overnight-companion]', (els) => els.map((e) => e.textContent));
    expect(companions).toEqual(['Mon: 22:00–24:00', 'Sat: 00:00–06:00']);
    expect(await page.textContent('[data-testid=overnight-note]')).toContain('these nights take 3 rules');
    await screenshot(page, 'rule-overnight');

    page.on('dialog', (d) => void d.accept());
    const saved = page.waitForResponse((r) => r.url().endsWith('/api/rules') && r.request().method() === 'POST');
    await page.click('[data-testid=save-rule]');
    expect((await saved).status()).toBe(201);
    await expect.poll(async () => (await rulesOfA()).filter((r) => r.name.startsWith('Night shift')).length).toBe(3);
    page.removeAllListeners('dialog');
    const nights = Object.fromEntries((await rulesOfA()).filter((r) => r.name.startsWith('Night shift')).map((r) => [r.name, { days: r.days, windows: r.windows }]));
    expect(nights).toEqual({
      'Night shift': { days: [2, 3, 4, 5], windows: [{ start: '00:00', end: '06:00' }, { start: '22:00', end: '24:00' }] },
      'Night shift (Mon)': { days: [1], windows: [{ start: '22:00', end: '24:00' }] },
      'Night shift (Sat)': { days: [6], windows: [{ start: '00:00', end: '06:00' }] },
    });
  });

  it("the kiosk picker names each kiosk's site, so equal codes in two campuses are told apart", async () => {
    await page.goto(`/schedules?hospital=${ids.hospitalA}&rule=new`);
    await page.click('input[name=scopeKind] >> nth=2');
    await page.fill('[data-testid=scope-kiosks] input[type=search]', 'JZ-1F-01');
    await page.waitForSelector('[data-testid=scope-kiosks] [data-testid=chooser-result]');
    const hits = await page.$$eval('[data-testid=scope-kiosks] [data-testid=chooser-result]', (els) =>
      els.map((e) => `${e.getAttribute('data-code')} @ ${e.getAttribute('data-site')}`),
    );
    expect(hits).toEqual(expect.arrayContaining(['JZ-1F-01 @ Main campus', 'E-JZ-1F-01 @ East campus']));
    await page.click('[data-testid=scope-kiosks] [data-testid=chooser-result][data-code="E-JZ-1F-01"]');
    expect(await page.textContent('[data-testid=scope-kiosks] [data-testid=chip]')).toContain('East campus');
  });
});
