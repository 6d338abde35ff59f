/**
 * The console on a phone (390×844), in English and Chinese, as ops and as staff:
 * no page pushes the document sideways, the folded navigation opens and reaches
 * Sign out, and every page names itself in the browser tab.
 */
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, ids, screenshot, signedInPage, useConsole } from './harness';

const env = useConsole();
let kioskId: string;

beforeAll(async () => {
  const ops = await env.api.login('ops', DEMO_PASSWORD);
  kioskId = (await ops.get(`/api/kiosks?siteId=${ids.siteAMain}&pageSize=1`)).body.items[0].id;
});

const PHONE = { width: 390, height: 844 };

/** Every page with the title it must carry, per language; `shot`: the README's phone screenshot of it. */
function pages(): { path: string; opsOnly?: boolean; title: { en: string; zh: string }; shot?: string }[] {
  return [
    { path: '/overview', title: { en: 'Overview', zh: '全局概览' } },
    { path: '/fleet', title: { en: 'Fleet', zh: '设备总览' }, shot: 'phone-fleet' },
    { path: `/kiosks/${kioskId}`, title: { en: 'Kiosk', zh: '设备详情' } },
    { path: `/dispatches?site=${ids.siteAMain}`, title: { en: 'Wakes and shutdowns', zh: '开关机记录' } },
    { path: `/schedules?hospital=${ids.hospitalA}`, title: { en: 'Schedules', zh: '开关机计划' } },
    { path: `/schedules?hospital=${ids.hospitalA}&rule=${ids.ruleAWeekdays}`, title: { en: 'Schedules', zh: '开关机计划' }, shot: 'phone-rule-editor' },
    { path: `/schedules?hospital=${ids.hospitalA}&rule=new`, title: { en: 'Schedules', zh: '开关机计划' } },
    { path: '/calendar', title: { en: 'Calendar', zh: '日历' }, shot: 'phone-calendar' },
    { path: '/audit', title: { en: 'Audit log', zh: '审计日志' } },
    { path: '/agents', opsOnly: true, title: { en: 'Agents', zh: '代理设备' } },
    { path: '/environment', opsOnly: true, title: { en: 'Environment', zh: '环境监测' } },
    { path: '/alerts', opsOnly: true, title: { en: 'Alerts', zh: '告警' } },
    { path: '/notifications', opsOnly: true, title: { en: 'Notifications', zh: '通知' } },
  ];
}

/** How far the document reaches past the viewport, and the widest offenders (for the failure message). */
const overflow = (page: Page) =>
  page.evaluate(() => {
    const width = window.innerWidth;
    // Only what shows: content inside a box that scrolls or clips is not counted.
    const clipped = (el: Element) => {
      for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
        if (getComputedStyle(p).overflowX !== 'visible') return true;
      }
      return false;
    };
    const offenders = [...document.querySelectorAll<HTMLElement>('body *')]
      .filter((el) => el.getBoundingClientRect().right > width + 0.5 && !clipped(el))
      .slice(0, 5)
      .map((el) => `${el.tagName.toLowerCase()}.${el.className} (${Math.round(el.getBoundingClientRect().right)}px)`);
    return { excess: document.documentElement.scrollWidth - width, offenders };
  });

/** The page has rendered its heading and its data has arrived (no "Loading…" left in the content). */
async function settled(page: Page) {
  await page.waitForSelector('main.content h1');
  await page.waitForFunction(() => !document.querySelector('main.content [role=status].muted'), undefined, { timeout: 10_000 }).catch(() => undefined);
  await page.waitForTimeout(150);
}

for (const locale of ['en-US', 'zh-CN'] as const) {
  const lang = locale === 'zh-CN' ? 'zh' : 'en';
  for (const user of ['ops', 'staff-a'] as const) {
    describe(`a phone, ${locale}, ${user}`, () => {
      it('every page fits the width and carries its title', async () => {
        const { page, close } = await signedInPage(env, user, locale);
        try {
          await page.setViewportSize(PHONE);
          for (const p of pages().filter((p) => user === 'ops' || !p.opsOnly)) {
            await page.goto(p.path);
            await settled(page);
            expect(await page.title(), p.path).toBe(`${p.title[lang]} · Wakeward`);
            const { excess, offenders } = await overflow(page);
            expect(excess, `${p.path} overflows by ${excess}px: ${offenders.join(', ')}`).toBeLessThanOrEqual(0);
            if (p.shot && user === 'ops') await screenshot(page, `${p.shot}-${locale}`);
          }
        } finally {
          await close();
        }
      }, 120_000);

      it('the navigation folds behind the menu button, opens on one line per label, and reaches Sign out', async () => {
        const { page, close } = await signedInPage(env, user, locale);
        try {
          await page.setViewportSize(PHONE);
          await page.goto('/fleet');
          await settled(page);
          expect(await page.isVisible('[data-testid=logout]')).toBe(false);
          expect(await page.isVisible('[data-testid=nav-fleet]')).toBe(false);
          await page.click('[data-testid=menu]');
          expect(await page.getAttribute('[data-testid=menu]', 'aria-expanded')).toBe('true');
          expect(await page.isVisible('[data-testid=logout]')).toBe(true);
          // Each label stays on one line: a link no taller than one line of text plus its padding.
          const heights = await page.$$eval('.topbar nav a', (links) =>
            links.map((a) => ({ text: a.textContent, height: a.getBoundingClientRect().height, line: parseFloat(getComputedStyle(a).lineHeight) || 20 })),
          );
          for (const link of heights) expect(link.height, `${link.text} wraps`).toBeLessThan(link.line * 2);
          expect((await overflow(page)).excess).toBeLessThanOrEqual(0);
          if (user === 'ops') await screenshot(page, `phone-menu-${locale}`);
          // Choosing a page folds the menu again.
          await page.click('[data-testid=nav-calendar]');
          await page.waitForSelector('[data-testid=logout]', { state: 'hidden' });
          expect(await page.title()).toBe(lang === 'zh' ? '日历 · Wakeward' : 'Calendar · Wakeward');
          await page.click('[data-testid=menu]');
          await page.click('[data-testid=logout]');
          await page.waitForSelector('input[name=username]');
          expect(await page.title()).toBe(lang === 'zh' ? '登录 · Wakeward' : 'Sign in · Wakeward');
        } finally {
          await close();
        }
      }, 60_000);
    });
  }
}

describe('dark mode', () => {
  it('follows the system setting: a dark page background and dark cards with light text', async () => {
    const colours = async (colorScheme: 'dark' | 'light') => {
      const { page, close } = await signedInPage(env, 'ops');
      try {
        await page.emulateMedia({ colorScheme });
        await page.goto('/fleet');
        await settled(page);
        if (colorScheme === 'dark') await screenshot(page, 'fleet-dark');
        return await page.evaluate(() => {
          // Relative luminance-ish brightness of a computed rgb() colour, 0 (black) to 255 (white).
          const brightness = (css: string) => {
            const [r, g, b] = css.match(/\d+(\.\d+)?/g)!.map(Number);
            return 0.299 * r + 0.587 * g + 0.114 * b;
          };
          const style = (selector: string) => getComputedStyle(document.querySelector(selector)!);
          return {
            body: brightness(style('body').backgroundColor),
            toolbar: brightness(style('.toolbar').backgroundColor),
            text: brightness(style('main.content h1').color),
          };
        });
      } finally {
        await close();
      }
    };
    const dark = await colours('dark');
    expect(dark.body).toBeLessThan(60);
    expect(dark.toolbar).toBeLessThan(60);
    expect(dark.text).toBeGreaterThan(180);
    const light = await colours('light');
    expect(light.toolbar).toBeGreaterThan(200);
    expect(light.text).toBeLessThan(80);
  }, 60_000);
});
