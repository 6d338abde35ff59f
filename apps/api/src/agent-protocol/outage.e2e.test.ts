import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentProcess, startAgentProcess, until } from '../../testing/agent-processes';
import { seedTwoHospitals } from '../../testing/fixtures';
import { LineCutProxy } from '../../testing/line-cut-proxy';
import { startTestApi, TestApi } from '../../testing/test-app';

/**
 * A leased line that goes down while an agent keeps measuring, and a power cut of
 * the Pi (SIGKILL) in the middle of it: every reading taken arrives once the line
 * is back, none twice, none lost. (A 30 s outage with a reading a second stands
 * for the 2 minutes at one a minute: the same buffering, 30 readings.)
 */
describe('agent outage tolerance against the real API', () => {
  let api: TestApi;
  let proxy: LineCutProxy;
  let agent: AgentProcess;

  beforeAll(async () => {
    api = await startTestApi({ AGENT_READING_INTERVAL_S: '1' });
    const ids = await seedTwoHospitals(api.db);
    proxy = new LineCutProxy((api.app.getHttpServer().address() as AddressInfo).port);
    await proxy.start();
    agent = await startAgentProcess({
      ops: await api.login('ops'),
      siteId: ids.siteA,
      name: 'pi-1',
      apiUrl: proxy.url,
      config: {
        heartbeatIntervalS: 1,
        http: { longPollWaitS: 2, requestTimeoutMs: 2000, backoffInitialMs: 200, backoffMaxMs: 1000 },
        sensors: { kind: 'simulated' },
        readings: { intervalS: 1, batchSize: 50 },
      },
    });
  }, 60_000);

  afterAll(async () => {
    await agent?.stop();
    await proxy?.stop();
    await api?.close();
  });

  const stored = async () =>
    (await api.db.query('SELECT seq, at FROM readings ORDER BY seq')).map((r: { seq: number; at: Date }) => ({ seq: Number(r.seq), at: new Date(r.at).getTime() }));

  it('readings taken during the outage all arrive afterwards, in order, none twice, across a SIGKILL', async () => {
    await until(async () => (await stored()).length >= 3, 20_000);
    const cutAt = Date.now();
    await proxy.cut();
    await new Promise((r) => setTimeout(r, 15_000));
    await agent.kill();
    agent.restart();
    await new Promise((r) => setTimeout(r, 15_000));
    const restoredAt = Date.now();
    await proxy.restore();

    // Everything buffered is sent once the line is back.
    let rows: { seq: number; at: number }[] = [];
    await until(async () => {
      rows = await stored();
      return rows.some((r) => r.at > restoredAt);
    }, 30_000);
    const seqs = rows.map((r) => r.seq);
    const during = rows.filter((r) => r.at > cutAt && r.at < restoredAt);
    console.info(`readings stored: ${rows.length}, taken during the 30 s outage: ${during.length}`);
    // No gap: nothing the agent had accepted was lost, through the SIGKILL too.
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => seqs[0] + i));
    expect(during.length).toBeGreaterThanOrEqual(20);
    // In order of measurement, and each (agent, seq) once.
    expect(rows.map((r) => r.at)).toEqual([...rows.map((r) => r.at)].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
  }, 120_000);
});
