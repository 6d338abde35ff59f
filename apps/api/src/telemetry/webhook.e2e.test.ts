import { once } from 'node:events';
import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrolAgent } from '../../testing/agent-kit';
import { seedTwoHospitals } from '../../testing/fixtures';
import { startTestApi, TestApi } from '../../testing/test-app';
import { AlertEvaluationService } from './alert-evaluation.service';
import { AlertWebhookService } from './alert-webhook.service';
import { postReadings } from '../../testing/telemetry-kit';

/** Alert webhooks through the real BullMQ worker (ROLE=all) to a local HTTP server that fails at first. */
describe('telemetry: alert webhook', () => {
  let api: TestApi;
  let server: Server;
  let url: string;
  const received: Array<{ status: number; body: any }> = [];
  let failFirst = 2;
  let notify: () => void = () => undefined;

  beforeAll(async () => {
    server = createServer(async (req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const status = failFirst-- > 0 ? 503 : 200;
      received.push({ status, body: JSON.parse(Buffer.concat(chunks).toString()) });
      res.writeHead(status).end();
      notify();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/page`;
    api = await startTestApi({ ROLE: 'all', TELEMETRY_WEBHOOK_BACKOFF_MS: '50', TELEMETRY_WEBHOOK_ATTEMPTS: '5', TELEMETRY_EVALUATE_INTERVAL_S: '3600' });
  });
  afterAll(async () => {
    await api?.close();
    server?.close();
  });

  const until = (pred: () => boolean) =>
    new Promise<void>((resolve) => {
      if (pred()) return resolve();
      notify = () => pred() && resolve();
    });

  it('POSTs a new alert to the site webhook, retrying with backoff until it is accepted, and its resolution', async () => {
    const ids = await seedTwoHospitals(api.db);
    const ops = await api.login('ops');
    expect((await ops.request('PUT', `/api/sites/${ids.siteA}/thresholds`, { webhookUrl: url })).status).toBe(200);
    const pi = await enrolAgent(ops, ids.siteA, 'pi-1');
    const now = new Date();
    await postReadings(pi.client, [{ seq: 1, at: new Date(now.getTime() - 10_000).toISOString(), temperatureC: 25, smokeRaw: 950, smokeAlarm: true }]);
    expect(await api.app.get(AlertEvaluationService).run(now, ids.siteA)).toEqual({ opened: 1, resolved: 0 });

    await until(() => received.some((r) => r.status === 200));
    expect(received.map((r) => r.status)).toEqual([503, 503, 200]);
    expect(received.map((r) => r.body.attempt)).toEqual([1, 2, 3]);
    for (const r of received) expect(r.body).toMatchObject({ event: 'alert.opened', alert: { kind: 'smoke', siteId: ids.siteA, agentId: pi.agentId, status: 'open' } });
    expect(new Set(received.map((r) => r.body.alert.id)).size).toBe(1);

    // Evaluating again sends nothing new; the alarm clearing sends the resolution once.
    await api.app.get(AlertEvaluationService).run(new Date(now.getTime() + 1000), ids.siteA);
    await postReadings(pi.client, [{ seq: 2, at: new Date(now.getTime() + 60_000).toISOString(), temperatureC: 25, smokeRaw: 200, smokeAlarm: false }]);
    await api.app.get(AlertEvaluationService).run(new Date(now.getTime() + 5 * 60_000), ids.siteA);
    await until(() => received.length >= 4);
    expect(received.slice(3).map((r) => [r.status, r.body.event])).toEqual([[200, 'alert.resolved']]);
  });

  it('follows no redirect (the page it points to receives nothing), and only ops set a site\'s webhook', async () => {
    let elsewhere = 0;
    const other = createServer((_, res) => {
      elsewhere++;
      res.writeHead(200).end();
    });
    other.listen(0, '127.0.0.1');
    await once(other, 'listening');
    const redirecting = createServer((_, res) => {
      res.writeHead(307, { location: `http://127.0.0.1:${(other.address() as AddressInfo).port}/steal` }).end();
    });
    redirecting.listen(0, '127.0.0.1');
    await once(redirecting, 'listening');
    try {
      const job = { kind: 'webhook' as const, url: `http://127.0.0.1:${(redirecting.address() as AddressInfo).port}/`, event: 'alert.opened' as const, alert: { id: 'x' } };
      await expect(api.app.get(AlertWebhookService).deliver(job, 1)).rejects.toThrow(/307 \(a redirect, not followed/);
      expect(elsewhere).toBe(0);
    } finally {
      redirecting.close();
      other.close();
    }

    // The sites of the first test: staff of hospital A may not point A's alerts anywhere.
    const [{ id: siteA }] = await api.db.query(`SELECT id FROM sites WHERE name = 'A main'`);
    const before = (await (await api.login('ops')).get(`/api/sites/${siteA}/thresholds`)).body.webhookUrl;
    const refused = await (await api.login('staff-a')).request('PUT', `/api/sites/${siteA}/thresholds`, { webhookUrl: 'http://169.254.169.254/latest' });
    expect(refused.status).toBe(403);
    expect((await (await api.login('ops')).get(`/api/sites/${siteA}/thresholds`)).body.webhookUrl).toBe(before);
  });
});
