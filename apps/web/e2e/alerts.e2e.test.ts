/**
 * Alerts people can act on, in a real browser against the real API, MySQL and Redis
 * with the demo data: an alert storm (12 kiosks missing a wake) arrives as one alert
 * listing the kiosks, acknowledged at once with another; notification channels made
 * in the console send their test message to a local HTTP receiver (WeCom format) and
 * a local SMTP server.
 */
import { DateTime } from 'luxon';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertsService } from '../../api/src/alerts/alerts.service';
import { VerificationService } from '../../api/src/dispatch/verification.service';
import { startMailbox, startWebhookReceiver } from '../../api/testing/local-receivers';
import { ids, screenshot, signedInPage, useConsole } from './harness';

let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
let mailbox: Awaited<ReturnType<typeof startMailbox>>;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  mailbox = await startMailbox();
});

afterAll(async () => {
  await receiver?.close();
  await mailbox?.close();
});

const env = useConsole(() => ({ SMTP_URL: mailbox.url }));


describe('alerts and notifications in the console', () => {
  let page: Page;
  let close: () => Promise<void>;
  beforeAll(async () => ({ page, close } = await signedInPage(env, 'ops')));
  afterAll(() => close());

  it("an alert storm arrives as one alert listing its kiosks by code and name, in the site's time, and is acknowledged at once", async () => {
    // Next week's Monday, 07:00 in Shanghai: the demo's weekday wake of hospital A's main campus.
    const at = DateTime.now().setZone('Asia/Shanghai').startOf('week').plus({ weeks: 1, hours: 7 }).toJSDate();
    const kiosks: { id: string; code: string; name: string }[] = await env.api.db.query(
      `SELECT id, code, name FROM kiosks WHERE site_id = ? AND code LIKE 'MZ-%' ORDER BY code LIMIT 12`,
      [ids.siteAMain],
    );
    expect(kiosks).toHaveLength(12);
    // The wake went out to the 12 kiosks; none came up (the agents saw nothing of them).
    const now = new Date();
    for (const k of kiosks) {
      await env.api.db.query(
        `INSERT INTO dispatches (kiosk_id, site_id, hospital_id, action, planned_at, status, sent_at, commands, verifications, created_at, updated_at)
         VALUES (?, ?, ?, 'wake', ?, 'sent', ?, '[]', '[]', ?, ?)`,
        [k.id, ids.siteAMain, ids.hospitalA, at, at, now, now],
      );
    }
    await page.goto('/alerts');
    await page.waitForSelector('[data-testid=live][data-connected=true]');
    // Every toast's text as it appears (they leave after a few seconds).
    await page.evaluate(() => {
      const seen: string[] = ((window as unknown as { toasts: string[] }).toasts = []);
      new MutationObserver((changes) => {
        for (const c of changes)
          for (const n of c.addedNodes) if (n instanceof HTMLElement && n.matches('.toast')) seen.push(n.textContent ?? '');
      }).observe(document.body, { childList: true, subtree: true });
    });
    const lastRound = env.api.config.dispatch.verifyAfterMs.length - 1;
    const verified = await env.api.app
      .get(VerificationService)
      .verify(
        { kind: 'verify', siteId: ids.siteAMain, at: at.toISOString(), action: 'wake', round: lastRound },
        new Date(at.getTime() + 15 * 60_000),
      );
    expect(verified).toEqual({ ok: 0, wrong: 12 });
    // And an agent went quiet, for a second alert to acknowledge in the same stroke.
    await env.api.app.get(AlertsService).raise({
      kind: 'agent_offline',
      openKey: 'e2e:agent_offline',
      hospitalId: ids.hospitalA,
      siteId: ids.siteAMain,
      message: 'Agent pi-9 at Main campus: no heartbeat',
      details: {
        agentName: 'pi-9',
        siteName: 'Main campus',
        timeZone: 'Asia/Shanghai',
        lastHeartbeatAt: now.toISOString(),
      },
    });

    const storm = '[data-testid=alert-row][data-kind=kiosk_state][data-status=open]';
    await page.waitForSelector(storm);
    await page.waitForSelector('[data-testid=alert-row][data-kind=agent_offline][data-status=open]');
    expect(await page.$$(storm)).toHaveLength(1);
    const listed = await page.$$eval(`${storm} [data-testid=alert-kiosk] a`, (els) => els.map((e) => e.textContent));
    expect(listed).toEqual(kiosks.map((k) => `${k.code} — ${k.name}`));
    expect(await page.getAttribute(`${storm} [data-testid=alert-kiosk] a`, 'href')).toBe(`/kiosks/${kiosks[0].id}`);
    const summary = await page.textContent(`${storm} [data-testid=alert-summary]`);
    const day = DateTime.fromJSDate(at).setZone('Asia/Shanghai').toFormat('MM/dd/yyyy');
    expect(summary).toBe(`12 kiosk(s) not up after the wake at ${day}, 07:00:00 GMT+8 (Asia/Shanghai)`);
    // The live toast says it in the same words, not the stored English message.
    const toasts = await page.evaluate(() => (window as unknown as { toasts: string[] }).toasts);
    expect(toasts).toContain(`New alert: ${summary}`);
    // The same alert in Chinese.
    await page.selectOption('[data-testid=language]', 'zh-CN');
    await expect.poll(() => page.textContent(`${storm} [data-testid=alert-summary]`)).toContain('12 台自助机在');
    expect(await page.textContent(`${storm} [data-testid=alert-summary]`)).toContain('开机后仍未开启');
    await page.selectOption('[data-testid=language]', 'en');
    await screenshot(page, 'alerts-grouped');

    // Filters: by kind, then back.
    await page.selectOption('[data-testid=alerts-filter-kind]', 'agent_offline');
    await page.waitForSelector(storm, { state: 'detached' });
    expect(await page.$$('[data-testid=alert-row]')).toHaveLength(1);
    await page.selectOption('[data-testid=alerts-filter-kind]', '');
    await page.selectOption('[data-testid=alerts-filter-site]', ids.siteAMain);
    await page.waitForSelector(storm);

    // Both selected, acknowledged with one click.
    await page.click('[data-testid=alerts-select-all]');
    expect(await page.textContent('[data-testid=acknowledge-selected]')).toBe('Acknowledge selected (2)');
    await page.click('[data-testid=acknowledge-selected]');
    await page.waitForSelector('[data-testid=alert-row][data-status=open]', { state: 'detached' });
    const stored = await env.api.db.query(`SELECT kind, status, acknowledged_by AS who FROM alerts ORDER BY kind`);
    expect(stored).toEqual([
      { kind: 'agent_offline', status: 'acknowledged', who: 'ops' },
      { kind: 'kiosk_state', status: 'acknowledged', who: 'ops' },
    ]);
    await page.click('[data-testid=alerts-tab-acknowledged]');
    await page.waitForSelector(
      '[data-testid=alert-row][data-kind=kiosk_state][data-status=acknowledged] [data-testid=alert-kiosks][data-count="12"]',
    );
  });

  it('a WeCom channel created in the console sends its test message to the local receiver; so does an e-mail channel', async () => {
    await page.click('[data-testid=nav-notifications]');
    await page.waitForSelector('[data-testid=channels-table]');
    await page.click('[data-testid=channel-new]');
    await page.fill('[data-testid=channel-name]', 'Ops WeCom group');
    await page.selectOption('[data-testid=channel-type]', 'wecom');
    // Where webhooks may not go: refused at the field, nothing saved.
    await page.fill('[data-testid=channel-target]', 'http://169.254.169.254/latest/meta-data');
    await page.click('[data-testid=channel-save]');
    await page.waitForSelector('[data-testid=error-target]');
    expect(await page.textContent('[data-testid=error-target]')).toContain('link-local');
    await page.fill('[data-testid=channel-target]', `${receiver.url}/cgi-bin/webhook/send?key=e2e-robot`);
    await page.click('[data-testid=channel-kind-kiosk_state]');
    await page.fill('[data-testid=channel-grace]', '60');
    await page.click('[data-testid=channel-save]');
    const row = '[data-testid=channel-row][data-name="Ops WeCom group"]';
    await page.waitForSelector(row);
    await page.click(`${row} [data-testid=channel-test]`);
    await page.waitForSelector(`${row} [data-testid=channel-test-result][data-ok=true]`);
    expect(await page.textContent(`${row} [data-testid=channel-test-result]`)).toBe('Delivered: HTTP 200');
    const wecom = receiver.requests.filter((r) => r.path === '/cgi-bin/webhook/send');
    expect(wecom).toHaveLength(1);
    expect(wecom[0].query.get('key')).toBe('e2e-robot');
    expect(wecom[0].body).toEqual({
      msgtype: 'markdown',
      markdown: { content: expect.stringContaining('## 【Wakeward】测试消息') },
    });
    await screenshot(page, 'notifications');
    // Edited in place: the change is saved (and audited).
    await page.click(`${row} [data-testid=channel-edit]`);
    await page.fill('[data-testid=channel-grace]', '30');
    await page.click('[data-testid=channel-save]');
    await page.waitForSelector('[data-testid=channel-editor]', { state: 'detached' });
    const [saved] = await env.api.db.query(
      `SELECT grace_s AS grace, kinds FROM notification_channels WHERE name = 'Ops WeCom group'`,
    );
    expect(saved).toEqual({ grace: 30, kinds: ['kiosk_state'] });

    await page.click('[data-testid=channel-new]');
    await page.fill('[data-testid=channel-name]', 'On-call mail');
    await page.selectOption('[data-testid=channel-type]', 'email');
    await page.fill('[data-testid=channel-target]', 'oncall@hospital.example, ops@hospital.example');
    await page.click('[data-testid=channel-save]');
    const mailRow = '[data-testid=channel-row][data-name="On-call mail"]';
    await page.waitForSelector(mailRow);
    await page.click(`${mailRow} [data-testid=channel-test]`);
    await page.waitForSelector(`${mailRow} [data-testid=channel-test-result][data-ok=true]`);
    expect(await page.textContent(`${mailRow} [data-testid=channel-test-result]`)).toMatch(/^Delivered: SMTP 250/);
    const mails = mailbox.mails;
    expect(mails).toHaveLength(1);
    expect(mails[0].to.sort()).toEqual(['oncall@hospital.example', 'ops@hospital.example']);
    expect(mails[0].raw).toContain('Subject: [Wakeward] Test message');
  });
});
