/**
 * The whole agent in one process, against a recording stand-in for the API and the
 * loopback kiosk simulator: real HTTP, real UDP magic packets, real TCP probes,
 * real files in a temp state directory.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Agent } from './agent';
import { AgentConfigSchema, type AgentConfig } from './config';
import type { Reading } from './protocol';
import { KioskSimulator } from './sim/kiosks';
import { ByteCounter } from '../testing/byte-counter';
import { FakeAgentApi } from '../testing/fake-agent-api';
import { freePortRange } from './sim/ports';
import { memoryLogger } from '../testing/silent-log';

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function world(
  overrides: Record<string, unknown> = {},
  stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wakeward-agent-')),
) {
  const api = new FakeAgentApi();
  const apiUrl = await api.start();
  cleanup.push(() => api.stop());
  const base = await freePortRange(5);
  const sim = new KioskSimulator({
    kiosks: KioskSimulator.kioskSpecs(2),
    udpBasePort: base,
    vncBasePort: base + 2,
    controlPort: base + 4,
    bootDelayMs: 100,
    shutdownDelayMs: 50,
  });
  await sim.start();
  cleanup.push(() => sim.stop());
  const fragment = sim.agentConfigFragment() as Record<string, Record<string, unknown>>;
  const config: AgentConfig = AgentConfigSchema.parse({
    apiUrl,
    stateDir,
    token: 'tok_test',
    heartbeatIntervalS: 0.2,
    http: { longPollWaitS: 1, requestTimeoutMs: 2000, backoffInitialMs: 50, backoffMaxMs: 200 },
    plan: { refreshIntervalS: 0.2, offlineAfterS: 0.5 },
    readings: { intervalS: 0.1 },
    sensors: { kind: 'simulated' },
    ...fragment,
    wake: { ...fragment.wake, repeat: 2, intervalMs: 10 },
    probe: { ...fragment.probe, intervalS: 0.1, timeoutMs: 300 },
    ...overrides,
  });
  const log = memoryLogger();
  const agent = new Agent(config, log, { env: {} });
  return { api, sim, agent, config, log, stateDir, kiosks: sim.states() };
}

function command(id: string, type: 'wake' | 'shutdown', kioskIds: string[], dueInMs = 100) {
  const now = Date.now();
  return {
    id,
    type,
    dueAt: new Date(now + dueInMs).toISOString(),
    expiresAt: new Date(now + dueInMs + 60_000).toISOString(),
    targets: kioskIds.map((kioskId) => ({
      kioskId,
      mac: KioskSimulator.macFor(Number(kioskId.slice(-3)) - 1),
      broadcast: '10.1.2.255',
      shutdown: { method: 'simulated' },
    })),
  };
}

function probeStates(api: FakeAgentApi, kioskId: string): boolean[] {
  return api
    .of('POST /probes')
    .flatMap((r) =>
      (r.body as { results: Array<{ kioskId: string; up: boolean }> }).results
        .filter((x) => x.kioskId === kioskId)
        .map((x) => x.up),
    );
}

describe('agent against a stand-in API and simulated kiosks', () => {
  it('wakes, verifies by probe, shuts down, and reports results, readings and heartbeats', async () => {
    const { api, sim, agent } = await world();
    agent.start();
    cleanup.push(() => agent.stop());

    const wake = command('cmd_wake', 'wake', ['SIM-001']);
    api.pendingCommands = [wake];
    await sim.waitForState('SIM-001', 'on', 5000);
    // Delivered again (no result seen yet by the API): must not run twice.
    api.pendingCommands = [wake];
    await api.waitFor(() => api.of('POST /commands/cmd_wake/result').length > 0);
    expect(api.of('POST /commands/cmd_wake/result')[0]!.body).toMatchObject({
      status: 'done',
      targets: [{ kioskId: 'SIM-001', ok: true, error: null }],
    });
    await api.waitFor(() => probeStates(api, 'SIM-001').includes(true));

    api.pendingCommands = [command('cmd_off', 'shutdown', ['SIM-001'])];
    await sim.waitForState('SIM-001', 'off', 5000);
    await api.waitFor(() => probeStates(api, 'SIM-001').at(-1) === false);
    await api.waitFor(() => api.of('POST /commands/cmd_off/result').length > 0);

    await api.waitFor(() => api.of('POST /readings').length >= 2 && api.of('POST /heartbeat').length >= 2);
    const seqs = api
      .of('POST /readings')
      .flatMap((r) => (r.body as { readings: Reading[] }).readings.map((x) => x.seq));
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    const reading = (api.of('POST /readings')[0]!.body as { readings: Reading[] }).readings[0]!;
    expect(reading).toMatchObject({
      temperatureC: expect.any(Number),
      humidityPct: expect.any(Number),
      smokeRaw: expect.any(Number),
      smokeAlarm: false,
    });
    expect(api.of('POST /heartbeat')[0]!.body).toMatchObject({
      version: expect.any(String),
      buffered: expect.any(Number),
    });
    expect(api.requests.every((r) => r.headers.authorization === 'Bearer tok_test')).toBe(true);
    expect(sim.state('SIM-001')).toMatchObject({ boots: 1, shutdowns: 1 });
    expect(api.of('POST /commands/cmd_wake/result')).toHaveLength(1);
  });

  it('never runs a shutdown method the API sends inline: the kiosks fail with SHUTDOWN_METHOD_UNKNOWN, nothing starts, nothing is sent', async () => {
    const { api, sim, agent, stateDir } = await world();
    const counter = new ByteCounter();
    const port = await counter.start();
    cleanup.push(() => counter.stop());
    const touched = path.join(stateDir, 'server-argv-ran');
    const inline = [
      { method: 'command', argv: ['/bin/sh', '-c', `touch ${touched}`] },
      { method: 'http', url: `http://127.0.0.1:${port}/x`, httpMethod: 'POST' },
    ];
    const off = command('cmd_inline', 'shutdown', ['SIM-001', 'SIM-002']);
    api.pendingCommands = [{ ...off, targets: off.targets.map((t, i) => ({ ...t, shutdown: inline[i] })) }];
    agent.start();
    cleanup.push(() => agent.stop());
    await api.waitFor(() => api.of('POST /commands/cmd_inline/result').length > 0);
    expect(api.of('POST /commands/cmd_inline/result')[0]!.body).toMatchObject({
      status: 'failed',
      targets: [
        { kioskId: 'SIM-001', ok: false, error: expect.stringMatching(/^SHUTDOWN_METHOD_UNKNOWN: .*"command"/) },
        { kioskId: 'SIM-002', ok: false, error: expect.stringMatching(/^SHUTDOWN_METHOD_UNKNOWN: .*"http"/) },
      ],
    });
    expect(fs.existsSync(touched)).toBe(false);
    expect(counter.connections).toBe(0);
    expect(counter.bytes).toBe(0);
    expect(sim.state('SIM-001')!.shutdowns + sim.state('SIM-002')!.shutdowns).toBe(0);
  });

  it('buffers readings through an outage and sends them in order, without gaps, when the line is back', async () => {
    const { api, agent } = await world();
    api.down = true;
    agent.start();
    cleanup.push(() => agent.stop());
    await api.waitFor(() => agent.readings.size >= 10);
    expect(api.of('POST /readings')).toHaveLength(0);
    api.down = false;
    await api.waitFor(() => agent.readings.size === 0 && api.of('POST /readings').length > 0);
    const seqs = api
      .of('POST /readings')
      .flatMap((r) => (r.body as { readings: Reading[] }).readings.map((x) => x.seq));
    expect(seqs[0]).toBe(1);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
  });

  it('acts on the cached plan when the API has been unreachable, then reports the offline action', async () => {
    const { api, sim, agent } = await world();
    const at = new Date(Date.now() + 1500).toISOString();
    api.route('GET /plan', () => ({
      status: 200,
      headers: { etag: '"p1"' },
      body: {
        generatedAt: new Date().toISOString(),
        items: [{ at, type: 'wake', targets: command('x', 'wake', ['SIM-002']).targets }],
      },
    }));
    agent.start();
    cleanup.push(() => agent.stop());
    await api.waitFor(() => api.of('GET /plan').length > 0);
    await new Promise((r) => setTimeout(r, 300)); // let the plan be saved
    api.down = true;
    await sim.waitForState('SIM-002', 'on', 8000);
    expect(api.of('POST /offline-actions')).toHaveLength(0);
    api.down = false;
    await api.waitFor(() => api.of('POST /offline-actions').length > 0);
    expect(api.of('POST /offline-actions')[0]!.body).toEqual({
      actions: [{ at, type: 'wake', kioskIds: ['SIM-002'], executedAt: expect.any(String) }],
    });
    // The plan request carried the ETag once it had one.
    await api.waitFor(() => api.of('GET /plan').some((r) => r.headers['if-none-match'] === '"p1"'));
  });

  it('backs the long poll off to http.commandsBackoffMaxMs at most, and the other loops to backoffMaxMs', async () => {
    const { api, agent, log } = await world({
      http: { longPollWaitS: 1, requestTimeoutMs: 2000, backoffInitialMs: 50, backoffMaxMs: 2000, commandsBackoffMaxMs: 200 },
      plan: { refreshIntervalS: 3600 },
    });
    const failing = { status: 503, body: { error: { code: 'OVERLOADED', message: 'try later' } } };
    api.route('GET /commands', () => failing).route('GET /plan', () => failing);
    agent.start();
    cleanup.push(() => agent.stop());
    const retries = (loop: string) =>
      log.lines.filter((l) => l.msg === `${loop} failed; retrying`).map((l) => l.fields!.retryInMs as number);
    // Plan: 50, 100, 200, 400, 800 ms (full jitter: half to all of each) -> past 200 within about 1.6 s.
    await api.waitFor(() => retries('plan').length >= 6, 10_000);
    const polls = retries('commands');
    expect(polls.length).toBeGreaterThanOrEqual(8);
    expect(Math.max(...polls)).toBeLessThanOrEqual(200);
    expect(Math.min(...polls.slice(3))).toBeGreaterThanOrEqual(100);
    expect(Math.max(...retries('plan'))).toBeGreaterThan(200);
  });

  it('posts a result at a random moment within http.resultSpreadMs, holding it on disk meanwhile', async () => {
    const spreadMs = 1500;
    const { api, sim, agent } = await world({
      http: {
        longPollWaitS: 1,
        requestTimeoutMs: 2000,
        backoffInitialMs: 50,
        backoffMaxMs: 200,
        resultSpreadMs: spreadMs,
      },
      // Nothing else wakes the uploader during the test (a reading would carry the result with it).
      readings: { intervalS: 3600 },
    });
    agent.start();
    cleanup.push(() => agent.stop());
    await api.waitFor(() => api.of('POST /readings').length === 1 && agent.readings.size === 0);
    // The draw: 0.8 of the spread.
    vi.spyOn(Math, 'random').mockReturnValue(0.8);
    cleanup.push(async () => void vi.restoreAllMocks());
    agent.runner.deliver([command('cmd_spread', 'wake', ['SIM-001'], 0)]);
    await sim.waitForState('SIM-001', 'on', 5000);
    await agent.runner.idle();
    const finished = Date.now();
    expect(agent.outbox.size).toBe(1);
    await api.waitFor(() => api.of('POST /commands/cmd_spread/result').length === 1, 5000);
    const waited = Date.now() - finished;
    expect(waited).toBeGreaterThanOrEqual(0.8 * spreadMs - 150);
    expect(waited).toBeLessThan(spreadMs + 1000);
    await api.waitFor(() => agent.outbox.size === 0);
  });

  it('keeps results accepted before a restart and sends them after it', async () => {
    const first = await world();
    first.api.down = true;
    first.agent.start();
    first.api.pendingCommands = [];
    // A command runs while the API is down (it was delivered earlier): simulate by delivering directly.
    first.agent.runner.deliver([command('cmd_offline', 'wake', ['SIM-001'], 0)]);
    await first.sim.waitForState('SIM-001', 'on', 5000);
    await first.agent.runner.idle();
    await first.agent.stop();
    expect(first.agent.outbox.size).toBe(1); // the result waits on disk

    const second = await world({}, first.stateDir);
    second.agent.start();
    cleanup.push(() => second.agent.stop());
    await second.api.waitFor(() => second.api.of('POST /commands/cmd_offline/result').length === 1);
    // Delivered again after the restart: the ledger on disk says it already ran.
    second.api.pendingCommands = [command('cmd_offline', 'wake', ['SIM-001'], 0)];
    await new Promise((r) => setTimeout(r, 500));
    expect(second.sim.state('SIM-001').packetsAccepted).toBe(0);
  });

  it('drops the oldest readings past the bound and reports the count in the heartbeat', async () => {
    const { api, agent } = await world({ buffer: { maxReadings: 3 } });
    api.down = true;
    agent.start();
    cleanup.push(() => agent.stop());
    await api.waitFor(() => agent.readings.dropped >= 2);
    api.down = false;
    await api.waitFor(() =>
      api.of('POST /heartbeat').some((r) => ((r.body as { dropped?: number }).dropped ?? 0) >= 2),
    );
    await api.waitFor(() => agent.readings.size === 0);
    const seqs = api
      .of('POST /readings')
      .flatMap((r) => (r.body as { readings: Reading[] }).readings.map((x) => x.seq));
    expect(seqs[0]).toBeGreaterThan(1); // the first ones were dropped, oldest first
  });

  it('halves reading batches on 413 and drops a result the API says it cannot take', async () => {
    const { api, agent } = await world({ readings: { intervalS: 0.05, batchSize: 8 } });
    api.route('POST /readings', (req) => {
      const readings = (req.body as { readings: Reading[] }).readings;
      if (readings.length > 2)
        return { status: 413, body: { error: { code: 'BATCH_TOO_LARGE', message: 'too many' } } };
      return { status: 200, body: { ackSeq: Math.max(...readings.map((r) => r.seq)) } };
    });
    api.route('POST /commands/cmd_gone/result', () => ({
      status: 404,
      body: { error: { code: 'COMMAND_NOT_FOUND', message: 'gone' } },
    }));
    api.down = true;
    agent.start();
    cleanup.push(() => agent.stop());
    agent.runner.deliver([command('cmd_gone', 'wake', ['SIM-001'], 0)]);
    agent.runner.deliver([command('cmd_after', 'wake', ['SIM-002'], 0)]);
    await api.waitFor(() => agent.readings.size >= 6 && agent.outbox.size === 2);
    api.down = false;
    await api.waitFor(() => api.of('POST /commands/cmd_after/result').length === 1 && agent.outbox.size === 0);
    await api.waitFor(() =>
      api.of('POST /readings').some((r) => r.body && (r.body as { readings: Reading[] }).readings.length <= 2),
    );
    const accepted = api
      .of('POST /readings')
      .map((r) => (r.body as { readings: Reading[] }).readings)
      .filter((b) => b.length <= 2)
      .flat()
      .map((r) => r.seq);
    expect(accepted).toEqual([...accepted].sort((a, b) => a - b));
    expect(api.of('POST /commands/cmd_gone/result')).toHaveLength(1);
  });
});
