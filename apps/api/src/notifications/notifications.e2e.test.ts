import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertsService } from '../alerts/alerts.service';
import { OccurrenceAlertsService } from '../alerts/occurrence-alerts.service';
import { ApiMetrics } from '../ops/metrics';
import { SitesRepository } from '../sites/sites.repository';
import { kioskBody, seedTwoHospitals } from '../../testing/fixtures';
import { ReceivedMail, startMailbox, startWebhookReceiver } from '../../testing/local-receivers';
import { Client, startTestApi, TestApi } from '../../testing/test-app';
import { until } from '../../testing/wait';

interface Received {
  path: string;
  query: URLSearchParams;
  status: number;
  body: any;
}

const DINGTALK_SECRET = 'SEC0123456789abcdef';

/** Headers unfolded, and the text body decoded from quoted-printable (what a mail client shows). */
function readMail(raw: string): [string, string] {
  const [head, ...rest] = raw.split(/\r?\n\r?\n/);
  const body = rest
    .join('\n\n')
    .replace(/=\r?\n/g, '')
    .replace(/(=[0-9A-F]{2})+/g, (m) =>
      Buffer.from(
        m
          .split('=')
          .slice(1)
          .map((h) => parseInt(h, 16)),
      ).toString('utf8'),
    );
  return [head.replace(/\r?\n[ \t]+/g, ' '), body];
}

/**
 * Notification channels through the real BullMQ worker (ROLE=all) to a local HTTP
 * server standing in for WeCom, DingTalk and a hospital's paging (it records each
 * request and answers per path), and a local SMTP server receiving the e-mail.
 */
describe('notifications', () => {
  let api: TestApi;
  let ids: Awaited<ReturnType<typeof seedTwoHospitals>>;
  let ops: Client;
  let admin: Client;
  let staff: Client;
  let kiosks: string[];
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let mailbox: Awaited<ReturnType<typeof startMailbox>>;
  let base: string;
  let received: Received[];
  let mails: ReceivedMail[];
  let flakyFailures = 2;
  let elsewhere = 0;

  beforeAll(async () => {
    receiver = await startWebhookReceiver(({ path, query }) => {
      if (path === '/flaky' && flakyFailures-- > 0) return { status: 503 };
      if (path === '/down') return { status: 500 };
      if (path === '/robot-refuses') return { json: { errcode: 93000, errmsg: 'invalid webhook url' } };
      if (path === '/redirect') return { redirect: `${base}/elsewhere` };
      if (path === '/elsewhere') elsewhere++;
      if (path === '/dingtalk') {
        // What DingTalk checks: the HMAC-SHA256 of "timestamp\nsecret", base64, and a timestamp within the hour.
        const timestamp = query.get('timestamp') ?? '';
        const expected = createHmac('sha256', DINGTALK_SECRET)
          .update(`${timestamp}\n${DINGTALK_SECRET}`)
          .digest('base64');
        const fresh = Math.abs(Date.now() - Number(timestamp)) < 3_600_000;
        if (query.get('sign') !== expected || !fresh) return { json: { errcode: 310000, errmsg: 'sign not match' } };
      }
      return {};
    });
    received = receiver.requests;
    base = receiver.url;
    mailbox = await startMailbox();
    mails = mailbox.mails;

    api = await startTestApi({
      ROLE: 'all',
      NOTIFY_ATTEMPTS: '5',
      NOTIFY_BACKOFF_MS: '50',
      NOTIFY_TIMEOUT_MS: '3000',
      SMTP_URL: mailbox.url,
      SMTP_FROM: 'Wakeward <alerts@wakeward.example>',
      ALERT_CHECK_INTERVAL_S: '3600',
      TELEMETRY_EVALUATE_INTERVAL_S: '3600',
    });
    ids = await seedTwoHospitals(api.db);
    ops = await api.login('ops');
    admin = await api.login('admin');
    staff = await api.login('staff-a');
    kiosks = [];
    for (let n = 1; n <= 3; n++) kiosks.push((await ops.post('/api/kiosks', kioskBody(ids.siteA, n))).body.id);
  });
  afterAll(async () => {
    await api?.close();
    await receiver?.close();
    await mailbox?.close();
  });

  let keys = 0;
  const raise = (kind: 'no_agent' | 'smoke' | 'agent_offline', siteId = ids.siteA, hospitalId = ids.hospitalA) =>
    api.app
      .get(AlertsService)
      .raise({
        kind,
        openKey: `test:${++keys}`,
        hospitalId,
        siteId,
        message: `test alert ${keys}`,
        details: { agentName: 'pi-1', siteName: 'A main' },
      });
  const createChannel = async (body: Record<string, unknown>, as = ops) => {
    const res = await as.post('/api/notification-channels', { hospitalId: ids.hospitalA, graceSeconds: 0, ...body });
    if (res.status !== 201) throw new Error(`channel: ${res.status} ${res.text}`);
    return res.body as { id: string };
  };
  const deliveries = (channelId: string) =>
    api.db.query(
      `SELECT alert_id AS alertId, event, status, attempts, last_error AS lastError FROM notification_deliveries WHERE channel_id = ? ORDER BY id`,
      [channelId],
    ) as Promise<{ alertId: string; event: string; status: string; attempts: number; lastError: string | null }[]>;
  const at = (path: string) => received.filter((r) => r.path === path);
  const disable = (id: string) => ops.patch(`/api/notification-channels/${id}`, { enabled: false });

  it("only ops and admins manage channels; every-hospital channels are an admin's; bad input stores nothing; the secret never comes back", async () => {
    const body = { hospitalId: ids.hospitalA, name: 'Paging', type: 'webhook-json', target: `${base}/ok` };
    for (const who of [staff, await api.login('viewer')]) {
      expect((await who.post('/api/notification-channels', body)).status).toBe(403);
      expect((await who.get('/api/notification-channels')).status).toBe(403);
    }
    const everyHospital = await ops.post('/api/notification-channels', { ...body, hospitalId: null });
    expect(everyHospital.status).toBe(403);
    expect(everyHospital.body.error.code).toBe('NOTIFY_ALL_HOSPITALS_ADMIN_ONLY');

    const refusals: [Record<string, unknown>, string, string][] = [
      [{ target: 'ftp://127.0.0.1/x' }, 'NOTIFY_TARGET_INVALID', 'target'],
      [{ target: 'not a url' }, 'NOTIFY_TARGET_INVALID', 'target'],
      // The cloud metadata service, a private LAN, this host's other loopback name: not unless NOTIFY_ALLOW_TARGETS says so.
      [{ target: 'http://169.254.169.254/latest/meta-data' }, 'NOTIFY_TARGET_REFUSED', 'target'],
      [{ target: 'http://10.20.0.5/page' }, 'NOTIFY_TARGET_REFUSED', 'target'],
      [{ target: 'http://[::1]:8080/page' }, 'NOTIFY_TARGET_REFUSED', 'target'],
      [{ type: 'email', target: 'ops@hospital.example, not-an-address' }, 'NOTIFY_TARGET_INVALID', 'target'],
      [{ type: 'email', target: 'ops@hospital.example\r\nBcc: thief@evil.example' }, 'NOTIFY_TARGET_INVALID', 'target'],
      [{ type: 'wecom', secret: 'SECabc' }, 'NOTIFY_SECRET_UNEXPECTED', 'secret'],
      [{ siteIds: [ids.siteB] }, 'NOTIFY_SITE_INVALID', 'siteIds'],
      [{ kinds: ['fire'] }, 'VALIDATION_FAILED', 'kinds.0'],
      [{ graceSeconds: -1 }, 'VALIDATION_FAILED', 'graceSeconds'],
      [{ name: 'A\u202Eevil' }, 'TEXT_CHARACTERS_INVALID', 'name'],
    ];
    for (const [change, code, field] of refusals) {
      const res = await ops.post('/api/notification-channels', { ...body, ...change });
      expect([res.status, res.body.error?.code, res.body.error?.field], JSON.stringify(change)).toEqual([
        400,
        code,
        field,
      ]);
    }
    expect((await ops.get('/api/notification-channels')).body.items).toEqual([]);

    const created = await ops.post('/api/notification-channels', {
      ...body,
      type: 'dingtalk',
      target: `${base}/dingtalk?access_token=t`,
      secret: DINGTALK_SECRET,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      type: 'dingtalk',
      secretSet: true,
      language: 'zh-CN',
      graceSeconds: 120,
      enabled: true,
      siteIds: [],
      kinds: [],
    });
    expect(JSON.stringify(created.body)).not.toContain(DINGTALK_SECRET);
    expect(JSON.stringify((await ops.get(`/api/notification-channels/${created.body.id}`)).body)).not.toContain(
      DINGTALK_SECRET,
    );
    expect(
      (await staff.patch(`/api/notification-channels/${created.body.id}`, { target: 'http://169.254.169.254/' }))
        .status,
    ).toBe(403);
    const audit = (await ops.get(`/api/audit?entityType=notification_channel&entityId=${created.body.id}`)).body.items;
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit)).not.toContain(DINGTALK_SECRET);
    // Staff of the hospital read its audit log, but not where the channel points.
    const seenByStaff = (await staff.get(`/api/audit?entityType=notification_channel&entityId=${created.body.id}`)).body
      .items;
    expect(seenByStaff[0].after).toMatchObject({ target: '(hidden)', secretSet: true });

    const global = await admin.post('/api/notification-channels', {
      ...body,
      hospitalId: null,
      name: 'Everyone',
      enabled: false,
    });
    expect(global.status).toBe(201);
    expect((await ops.patch(`/api/notification-channels/${global.body.id}`, { enabled: true })).status).toBe(403);
    expect((await ops.delete(`/api/notification-channels/${global.body.id}`)).status).toBe(403);
    expect((await admin.delete(`/api/notification-channels/${global.body.id}`)).status).toBe(204);
    expect((await ops.delete(`/api/notification-channels/${created.body.id}`)).status).toBe(204);
  });

  it('a WeCom robot receives a grouped alert as markdown (kiosks by code and name, local time), then its resolution', async () => {
    const channel = await createChannel({
      name: 'WeCom ops group',
      type: 'wecom',
      target: `${base}/wecom?key=robot-key`,
      kinds: ['kiosk_state'],
    });
    const site = (await api.app.get(SitesRepository).getById(ids.siteA))!;
    const due = new Date('2026-01-26T23:00:00.000Z'); // 07:00 on the 27th in Shanghai
    const occurrence = api.app.get(OccurrenceAlertsService);
    const alert = (await occurrence.raiseKioskStates(
      { site, at: due, action: 'wake', afterS: 900 },
      kiosks.map((kioskId) => ({ kioskId, observed: 'down' })),
    ))!;
    // Another kind does not go to this channel.
    await raise('no_agent');

    await until(async () => at('/wecom').length >= 1);
    const [opened] = at('/wecom');
    expect(opened.query.get('key')).toBe('robot-key');
    expect(Object.keys(opened.body)).toEqual(['msgtype', 'markdown']);
    expect(opened.body.msgtype).toBe('markdown');
    const content: string = opened.body.markdown.content;
    expect(content).toContain('【Wakeward】设备状态异常');
    expect(content).toContain('A main：3 台设备在 2026-01-27 07:00 Asia/Shanghai (UTC+08:00) 的开机后仍未开机');
    expect(content).toContain('- MZ-1F-01 Registration 1');
    expect(content).toContain('- MZ-1F-03 Registration 3');
    expect(content).toContain('Hospital A · A main');
    expect(Buffer.byteLength(content)).toBeLessThanOrEqual(4096);

    await occurrence.kiosksSeen(ids.siteA, kiosks, 'up');
    await until(async () => at('/wecom').length >= 2);
    expect(at('/wecom')[1].body.markdown.content).toContain('【Wakeward】已恢复：设备状态异常');
    expect((await deliveries(channel.id)).map((d) => [d.alertId, d.event, d.status])).toEqual([
      [alert.id, 'opened', 'sent'],
      [alert.id, 'resolved', 'sent'],
    ]);
    const metrics = await api.app.get(ApiMetrics).registry.getSingleMetricAsString('wakeward_notifications_total');
    expect(metrics).toContain('wakeward_notifications_total{type="wecom",event="opened",result="sent"} 1');
    await disable(channel.id);
  });

  it('a DingTalk robot with signing on gets timestamp and sign that it verifies', async () => {
    const channel = await createChannel({
      name: 'DingTalk',
      type: 'dingtalk',
      target: `${base}/dingtalk?access_token=tok`,
      secret: DINGTALK_SECRET,
      kinds: ['agent_offline'],
    });
    await raise('agent_offline');
    await until(async () => at('/dingtalk').length >= 1);
    const [request] = at('/dingtalk');
    expect(request.query.get('access_token')).toBe('tok');
    expect(request.body).toMatchObject({ msgtype: 'markdown', markdown: { title: '【Wakeward】代理离线' } });
    expect(request.body.markdown.text).toContain('## 【Wakeward】代理离线');
    // The receiver verified the signature: the delivery succeeded on the robot's terms (errcode 0).
    expect((await deliveries(channel.id))[0]).toMatchObject({ status: 'sent', attempts: 1 });

    // The same robot without the secret: DingTalk refuses (errcode in a 200 answer), and that is a failure.
    await ops.patch(`/api/notification-channels/${channel.id}`, { secret: null });
    const test = await ops.post(`/api/notification-channels/${channel.id}/test`);
    expect(test.body).toMatchObject({
      ok: false,
      statusCode: 200,
      detail: 'robot refused: errcode 310000 sign not match',
    });
    await disable(channel.id);
  });

  it('e-mail goes through the SMTP server to every address of the channel', async () => {
    const channel = await createChannel({
      name: 'Ops mail',
      type: 'email',
      target: 'ops@hospital.example, oncall@hospital.example',
      kinds: ['kiosk_state'],
    });
    expect((await ops.get(`/api/notification-channels/${channel.id}`)).body.language).toBe('en');
    const site = (await api.app.get(SitesRepository).getById(ids.siteA))!;
    await api.app.get(OccurrenceAlertsService).raiseKioskStates(
      { site, at: new Date('2026-01-28T12:00:00.000Z'), action: 'shutdown', afterS: 900 },
      kiosks.slice(0, 2).map((kioskId) => ({ kioskId, observed: 'up' })),
    );
    await until(async () => mails.length >= 1);
    const [mail] = mails;
    expect(mail.from).toBe('alerts@wakeward.example');
    expect(mail.to.sort()).toEqual(['oncall@hospital.example', 'ops@hospital.example']);
    const [head, body] = readMail(mail.raw);
    expect(head).toContain(
      'Subject: [Wakeward] Kiosks in the wrong state - 2 kiosk(s) at A main not off after the shutdown due 2026-01-28 20:00 Asia/Shanghai (UTC+08:00)',
    );
    expect(body).toContain('MZ-1F-01 Registration 1');
    expect(body).toContain('Where: Hospital A · A main');
    // The mail is in the box before the server's answer reaches the sender, which then records it.
    await expect.poll(async () => (await deliveries(channel.id))[0]?.status).toBe('sent');
    expect((await deliveries(channel.id))[0]).toMatchObject({ event: 'opened', status: 'sent' });
    await disable(channel.id);
  });

  it('an alert resolved within the grace time sends nothing, neither the alert nor its end', async () => {
    const channel = await createChannel({
      name: 'Patient',
      type: 'webhook-json',
      target: `${base}/grace`,
      graceSeconds: 2,
    });
    const alert = await raise('no_agent');
    await api.app.get(AlertsService).resolve(alert.openKey!);
    await until(async () => (await deliveries(channel.id))[0]?.status === 'skipped', 10_000);
    expect((await deliveries(channel.id))[0]).toMatchObject({
      event: 'opened',
      lastError: 'the alert was resolved within the grace time',
    });
    expect(at('/grace')).toEqual([]);
    await disable(channel.id);
  });

  it('retries an endpoint that fails twice: it gets the alert exactly once successfully', async () => {
    const channel = await createChannel({ name: 'Flaky paging', type: 'webhook-json', target: `${base}/flaky` });
    const alert = await raise('smoke');
    await until(async () => (await deliveries(channel.id))[0]?.status === 'sent');
    expect(at('/flaky').map((r) => [r.status, r.body.attempt, r.body.event])).toEqual([
      [503, 1, 'alert.opened'],
      [503, 2, 'alert.opened'],
      [200, 3, 'alert.opened'],
    ]);
    expect(at('/flaky')[2].body.alert).toMatchObject({
      id: alert.id,
      kind: 'smoke',
      status: 'open',
      siteId: ids.siteA,
    });
    expect(at('/flaky')[2].body.alert).not.toHaveProperty('openKey');
    expect((await deliveries(channel.id))[0]).toMatchObject({ status: 'sent', attempts: 3 });
    // Raising the same condition again sends nothing more.
    await api.app
      .get(AlertsService)
      .raise({
        kind: 'smoke',
        openKey: alert.openKey!,
        hospitalId: ids.hospitalA,
        siteId: ids.siteA,
        message: 'again',
      });
    await api.app.get(AlertsService).resolve(alert.openKey!);
    await until(async () => at('/flaky').length >= 4);
    expect(
      at('/flaky')
        .slice(3)
        .map((r) => [r.status, r.body.event]),
    ).toEqual([[200, 'alert.resolved']]);
    expect(at('/flaky').filter((r) => r.status === 200 && r.body.event === 'alert.opened')).toHaveLength(1);
    await disable(channel.id);
  });

  it('routes by hospital, site and kind; a disabled channel gets nothing', async () => {
    const onlySiteA = await createChannel({
      name: 'Site A smoke',
      type: 'webhook-json',
      target: `${base}/ok`,
      siteIds: [ids.siteA],
      kinds: ['smoke'],
      graceSeconds: 3600,
    });
    const hospitalB = await createChannel({
      name: 'B',
      type: 'webhook-json',
      target: `${base}/ok`,
      hospitalId: ids.hospitalB,
      graceSeconds: 3600,
    });
    const off = await createChannel({
      name: 'Off',
      type: 'webhook-json',
      target: `${base}/ok`,
      enabled: false,
      graceSeconds: 3600,
    });
    const everyHospital = await createChannel(
      { name: 'Everyone', type: 'webhook-json', target: `${base}/ok`, hospitalId: null, graceSeconds: 3600 },
      admin,
    );
    const smokeA = await raise('smoke');
    const noAgentA = await raise('no_agent');
    const smokeB = await raise('smoke', ids.siteB, ids.hospitalB);
    const routed = async (channelId: string) => (await deliveries(channelId)).map((d) => d.alertId).sort();
    expect(await routed(onlySiteA.id)).toEqual([smokeA.id]);
    expect(await routed(hospitalB.id)).toEqual([smokeB.id]);
    expect(await routed(off.id)).toEqual([]);
    expect(await routed(everyHospital.id)).toEqual([smokeA.id, noAgentA.id, smokeB.id].sort());
    for (const c of [onlySiteA, hospitalB, everyHospital]) await admin.delete(`/api/notification-channels/${c.id}`);
  });

  it('a test message is sent at once and answers with what the receiver said; redirects are not followed', async () => {
    const channel = await createChannel({ name: 'Tested', type: 'webhook-json', target: `${base}/ok` });
    expect((await staff.post(`/api/notification-channels/${channel.id}/test`)).status).toBe(403);
    const ok = await ops.post(`/api/notification-channels/${channel.id}/test`);
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ ok: true, statusCode: 200, detail: 'HTTP 200' });
    expect(at('/ok').at(-1)!.body).toMatchObject({ event: 'test', title: '[Wakeward] Test message', alert: null });
    expect((await ops.get(`/api/notification-channels/${channel.id}`)).body.lastDelivery).toMatchObject({
      ok: true,
      detail: 'HTTP 200',
    });
    expect((await ops.get(`/api/audit?entityType=notification_test&entityId=${channel.id}`)).body.total).toBe(1);

    await ops.patch(`/api/notification-channels/${channel.id}`, { target: `${base}/down` });
    expect((await ops.post(`/api/notification-channels/${channel.id}/test`)).body).toEqual({
      ok: false,
      statusCode: 500,
      detail: `${base} answered HTTP 500`,
    });
    await ops.patch(`/api/notification-channels/${channel.id}`, { target: `${base}/redirect` });
    const redirected = await ops.post(`/api/notification-channels/${channel.id}/test`);
    expect(redirected.body).toMatchObject({ ok: false, statusCode: 307 });
    expect(redirected.body.detail).toContain('a redirect: not followed');
    expect(elsewhere).toBe(0);
    const recent = (await ops.get(`/api/notification-channels/${channel.id}/deliveries`)).body.items;
    expect(recent.map((d: { event: string; status: string }) => `${d.event}:${d.status}`)).toEqual([
      'test:failed',
      'test:failed',
      'test:sent',
    ]);
    expect((await ops.get(`/api/notification-channels/${channel.id}`)).body.lastDelivery).toMatchObject({ ok: false });
  });
});
