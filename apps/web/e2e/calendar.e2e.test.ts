/**
 * The schedule calendar in a real browser against the real API and the demo data:
 * the Spring Festival done the staff's way, then read on the calendar.
 */
import { describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, ids, screenshot, signedInPage, useConsole } from './harness';

const env = useConsole();

const FESTIVAL = ['2027-02-06', '2027-02-07', '2027-02-08', '2027-02-09', '2027-02-10', '2027-02-11', '2027-02-12'];

describe('schedule calendar', () => {
  it('Spring Festival: every kiosk of the hospital off except two on 08:00-16:00, with the rules named', async () => {
    // The demo's emergency kiosks have their own 24/7 rule, which beats the hospital's festival
    // override; staff include them with a kiosk override (what the rule editor's preview offers).
    const staff = await env.api.login('staff-a', DEMO_PASSWORD);
    const rules = (await staff.get(`/api/rules?hospitalId=${ids.hospitalA}&pageSize=500`)).body.items as { name: string; scope: { kind: string; kioskIds?: string[] } }[];
    const emergency = rules.find((r) => r.name === 'Emergency department 24/7')!;
    const created = await staff.post('/api/rules', {
      hospitalId: ids.hospitalA,
      name: 'Spring Festival: emergency kiosks off',
      scope: { kind: 'kiosks', kioskIds: emergency.scope.kioskIds },
      layer: 'override',
      from: FESTIVAL[0],
      until: FESTIVAL[6],
      windows: [],
    });
    expect(created.status).toBe(201);
    const kioskTotal = (await staff.get(`/api/kiosks?hospitalId=${ids.hospitalA}&pageSize=1`)).body.total as number;

    const { page, close } = await signedInPage(env, 'staff-a');
    await page.click('[data-testid=nav-calendar]');
    await page.waitForSelector('[data-testid=calendar]');
    await page.click('[data-testid=calendar-month]');
    await page.fill('[data-testid=calendar-date]', '2027-02-10');
    await page.waitForSelector('[data-testid=calendar][data-from="2027-02-01"]');
    expect(await page.textContent('[data-testid=calendar-zone]')).toContain('Asia/Shanghai');

    const groups = await page.$$eval('[data-testid=calendar-group]', (els) =>
      els.map((g) => ({
        kiosks: Number(g.getAttribute('data-kiosks')),
        days: Object.fromEntries(
          [...g.querySelectorAll('[data-testid=calendar-day]')].map((d) => [d.getAttribute('data-date'), [d.getAttribute('data-hours'), d.getAttribute('data-rule')]]),
        ),
      })),
    );
    expect(groups.reduce((n, g) => n + g.kiosks, 0)).toBe(kioskTotal);
    const onDuty = groups.filter((g) => FESTIVAL.some((d) => g.days[d][0] !== 'off'));
    expect(onDuty).toHaveLength(1);
    expect(onDuty[0].kiosks).toBe(2);
    for (const d of FESTIVAL) expect(onDuty[0].days[d]).toEqual(['08:00–16:00', 'Spring Festival duty kiosks']);
    const everyoneElse = groups.filter((g) => g !== onDuty[0]);
    expect(everyoneElse.reduce((n, g) => n + g.kiosks, 0)).toBe(kioskTotal - 2);
    for (const g of everyoneElse) for (const d of FESTIVAL) expect(g.days[d][0]).toBe('off');
    // Ordinary days around the festival still show the hospital's hours (Friday 5th: weekdays 07:00-20:00).
    const largest = groups[0];
    expect(largest.days['2027-02-05']).toEqual(['07:00–20:00', 'Weekday hours']);
    expect(largest.days['2027-02-06']).toEqual(['off', 'Spring Festival 2027']);

    const legend = await page.$$eval('[data-testid=calendar-legend] li[data-rule]', (els) => els.map((e) => e.getAttribute('data-rule')));
    expect(legend).toEqual(expect.arrayContaining(['Spring Festival 2027', 'Spring Festival duty kiosks', 'Weekday hours']));
    // Bars take their rule's colour, and the legend shows the same one.
    const dutyBarClass = await page.$eval('[data-testid=calendar-day][data-date="2027-02-08"][data-rule="Spring Festival duty kiosks"] .cal-bar', (e) => e.className);
    const dutyLegendClass = await page.$eval('[data-testid=calendar-legend] li[data-rule="Spring Festival duty kiosks"] .swatch', (e) => e.className);
    expect(dutyBarClass.match(/rule-c\d/)![0]).toBe(dutyLegendClass.match(/rule-c\d/)![0]);

    // The two kiosks on duty, on demand.
    const dutyGroup = page.locator('[data-testid=calendar-group]', { has: page.locator('[data-rule="Spring Festival duty kiosks"]') });
    await dutyGroup.locator('[data-testid=group-kiosks-toggle]').click();
    expect(await dutyGroup.locator('[data-testid=group-kiosks] li').count()).toBe(2);
    await screenshot(page, 'calendar-spring-festival');

    // On paper: controls and navigation left out.
    await page.emulateMedia({ media: 'print' });
    expect(await page.$eval('.topbar', (e) => getComputedStyle(e).display)).toBe('none');
    expect(await page.isVisible('[data-testid=calendar-print]')).toBe(false);
    expect(await page.isVisible('[data-testid=group-kiosks-toggle] >> nth=0')).toBe(false);
    expect(await page.isVisible('[data-testid=calendar-legend]')).toBe(true);
    // A4 landscape: Chromium lays the PDF out on the calendar's named page (297 x 210 mm).
    const pdf = (await page.pdf({ preferCSSPageSize: true })).toString('latin1');
    const box = /\/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]/.exec(pdf)!;
    expect([Math.round(Number(box[1])), Math.round(Number(box[2]))]).toEqual([842, 595]);
    await page.emulateMedia({ media: 'screen' });
    await page.evaluate(() => {
      (window as unknown as { printed: number }).printed = 0;
      window.print = () => void (window as unknown as { printed: number }).printed++;
    });
    await page.click('[data-testid=calendar-print]');
    expect(await page.evaluate(() => (window as unknown as { printed: number }).printed)).toBe(1);
    expect(await page.getAttribute('[data-testid=calendar-csv]', 'href')).toMatch(/format=csv/);
    await close();
  });

  it('week view, today marked in the site\'s zone, a site of its own, and Chinese texts', async () => {
    const { page, close } = await signedInPage(env, 'staff-a', 'zh-CN');
    await page.goto(`/calendar?site=${ids.siteAMain}&view=week`);
    await page.waitForSelector('[data-testid=calendar]');
    expect(await page.textContent('h1')).toBe('开关机日历');
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
    expect(await page.getAttribute('[data-testid=calendar-day][aria-current=date]', 'data-date')).toBe(today);
    expect(await page.$$eval('[data-testid=calendar-group] >> nth=0 >> [data-testid=calendar-day]', (e) => e.length)).toBe(7);
    await page.click('[data-testid=calendar-next]');
    await expect.poll(() => page.$$eval('[data-testid=calendar-day][aria-current=date]', (e) => e.length)).toBe(0);
    await page.click('[data-testid=calendar-today]');
    await page.waitForSelector('[data-testid=calendar-day][aria-current=date]');
    // On a phone the calendar scrolls inside its own box; the page itself never gets wider than the screen.
    await page.setViewportSize({ width: 390, height: 844 });
    const widths = await page.$eval('.calendar-page', (e) => ({
      box: e.getBoundingClientRect().right,
      scroll: e.scrollWidth,
      client: e.clientWidth,
      // What sticks out, should anything: named in the failure message.
      wide: [...e.querySelectorAll('*')]
        .filter((c) => c.getBoundingClientRect().right > e.getBoundingClientRect().right + 0.5 && !c.closest('.calendar-scroll'))
        .map((c) => `${c.tagName}.${c.className}`)
        .slice(0, 5),
    }));
    expect(widths.box).toBeLessThanOrEqual(390);
    expect(widths.scroll, widths.wide.join(', ')).toBeLessThanOrEqual(widths.client);
    await close();
  });

  it('an error from the API is shown, not an endless loading', async () => {
    const { page, close } = await signedInPage(env, 'staff-b');
    // Staff of B asking for A's hospital by URL: the API answers 404 as for a missing one.
    await page.goto(`/calendar?hospital=${ids.hospitalA}`);
    await page.waitForSelector('[role=alert]');
    expect(await page.$$('[data-testid=calendar]')).toHaveLength(0);
    await close();
  });

  it("a refusal the console knows is said in the user's language: a calendar still being computed, in zh-CN", async () => {
    const staff = await env.api.login('staff-a', DEMO_PASSWORD);
    const me = (await staff.get('/api/auth/me')).body.user as { id: string };
    // The user's previous calendar holds the lock (one at a time per user): the real API refuses this one.
    const lock = `${env.api.config.redis.prefix}calendar:${me.id}`;
    await env.api.redis.set(lock, 'held-by-the-test', 'PX', 15_000);
    const { page, close } = await signedInPage(env, 'staff-a', 'zh-CN');
    try {
      await page.goto(`/calendar?hospital=${ids.hospitalA}`);
      await page.waitForSelector('[role=alert]', { timeout: 10_000 });
      const text = await page.textContent('[role=alert]');
      expect(text).toContain('上一次的日历仍在计算中');
      expect(text).toContain('CALENDAR_IN_PROGRESS');
      expect(text).not.toContain('still being computed');
    } finally {
      await env.api.redis.del(lock);
      await close();
    }
  });
});
