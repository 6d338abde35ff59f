import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedTwoHospitals } from '../../testing/fixtures';
import { Client, startTestApi, TestApi } from '../../testing/test-app';

const SITE_KEY = 'f3a9c2e7-site-webhook-key';
const CHANNEL_KEY = '7b1d4e90-wecom-robot-key';

/**
 * Staff see `(hidden)` for a site's webhook URL and a channel's target in the audit
 * log; the free-text search must not match them either, or its `total` would give
 * the key away a character at a time.
 */
describe('audit free-text search and hidden fields', () => {
  let api: TestApi;
  let ids: Awaited<ReturnType<typeof seedTwoHospitals>>;
  let ops: Client;
  let staffA: Client;

  beforeAll(async () => {
    api = await startTestApi();
    ids = await seedTwoHospitals(api.db);
    ops = await api.login('ops');
    staffA = await api.login('staff-a');
    const put = await ops.request('PUT', `/api/sites/${ids.siteA}/thresholds`, {
      temperatureMaxC: 31,
      webhookUrl: `http://127.0.0.1:9/hooks?key=${SITE_KEY}`,
    });
    expect(put.status).toBe(200);
    const channel = await ops.post('/api/notification-channels', {
      hospitalId: ids.hospitalA,
      name: 'Ward robot',
      type: 'webhook-json',
      target: `http://127.0.0.1:9/cgi-bin/webhook/send?key=${CHANNEL_KEY}`,
      graceSeconds: 0,
    });
    expect(channel.status).toBe(201);
  });
  afterAll(() => api?.close());

  const total = async (client: Client, q: string) => {
    const res = await client.get(`/api/audit?q=${encodeURIComponent(q)}`);
    expect(res.status).toBe(200);
    return res.body.total as number;
  };

  it('staff searching for part of a hidden webhook key or channel target find nothing; ops find the entry', async () => {
    for (const part of [SITE_KEY.slice(0, 6), SITE_KEY, CHANNEL_KEY.slice(0, 6), CHANNEL_KEY, '127.0.0.1:9/']) {
      expect(await total(staffA, part), part).toBe(0);
      expect(await total(ops, part), part).toBeGreaterThan(0);
    }
    // The export is the same search.
    const csv = await staffA.get(`/api/audit.csv?q=${encodeURIComponent(SITE_KEY.slice(0, 6))}`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('x-total-count')).toBe('0');
  });

  it('staff still find those entries by what they may see: other fields, the action, the entity', async () => {
    expect(await total(staffA, '31')).toBeGreaterThan(0);
    expect(await total(staffA, 'site_thresholds')).toBe(1);
    expect(await total(staffA, 'ward robot')).toBe(1);
    expect(await total(staffA, 'webhook-json')).toBe(1);
  });
});
