import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApiApp } from '../app';
import { createLogger } from '../common/logger';
import { kioskBody, seedTwoHospitals } from '../../testing/fixtures';
import { Client, startTestApi, TestApi } from '../../testing/test-app';
import type { NewPowerCommand } from '../agent-commands/agent-command';
import { AgentCommandsService } from '../agent-commands/agent-commands.service';
import { AgentClient, enrolAgent } from '../../testing/agent-kit';
import { CommandNotifier } from '../agent-commands/command-notifier';
import { PendingCommandsRepository } from '../agent-commands/pending-commands.repository';

describe('agent commands: long poll, redelivery, expiry, cancel, several API processes', () => {
  let api: TestApi;
  let ids: Awaited<ReturnType<typeof seedTwoHospitals>>;
  let ops: Client;
  let commands: AgentCommandsService;
  let notifier: CommandNotifier;
  let kiosks: Array<{ id: string; mac: string }>;

  const wake = (ms = 60_000): NewPowerCommand => ({
    type: 'wake',
    dueAt: new Date(),
    expiresAt: new Date(Date.now() + ms),
    targets: [{ kioskId: kiosks[0].id, mac: kiosks[0].mac, ip: '10.1.2.1', broadcast: '10.1.2.255' }],
  });
  const result = (kioskId: string) => ({
    status: 'done',
    startedAt: new Date().toISOString(),
    finishedAt: new Date().toISOString(),
    targets: [{ kioskId, ok: true, error: null }],
  });
  /** Resolves once a long poll of this process is registered for the agent: no sleeping. */
  const pollRegistered = (n: CommandNotifier, agentId: string) =>
    new Promise<void>((resolve) => {
      const listen = n.listen.bind(n);
      const spy = vi.spyOn(n, 'listen').mockImplementation((id, fn) => {
        const off = listen(id, fn);
        if (id === agentId) {
          spy.mockRestore();
          resolve();
        }
        return off;
      });
    });
  const pendingCount = async () => Number((await api.db.query('SELECT COUNT(*) AS n FROM agent_commands'))[0].n);

  beforeAll(async () => {
    api = await startTestApi();
    ids = await seedTwoHospitals(api.db);
    ops = await api.login('ops');
    commands = api.app.get(AgentCommandsService);
    notifier = api.app.get(CommandNotifier);
    kiosks = [];
    for (const n of [1, 2, 3]) {
      const extra =
        n === 3
          ? {
              ip: '10.1.3.3',
              subnet: '10.1.3.0/24',
              shutdownMethod: 'net-rpc',
            }
          : {};
      const res = await ops.post('/api/kiosks', kioskBody(ids.siteA, n, extra));
      expect(res.status).toBe(201);
      kiosks.push(res.body);
    }
  });
  afterAll(() => api?.close());

  it('a command enqueued while the agent waits arrives in under 100 ms; an idle poll returns [] after `wait`', async () => {
    const { agentId, client } = await enrolAgent(ops, ids.siteA, 'pi-lat');
    const registered = pollRegistered(notifier, agentId);
    let arrived = 0;
    const poll = client.get('/commands?wait=10').then((r) => ((arrived = performance.now()), r));
    await registered;
    const sent = performance.now();
    const command = await commands.enqueue(agentId, wake());
    const res = await poll;
    expect(res.status).toBe(200);
    expect(res.body.commands).toEqual([command]);
    expect(arrived - sent).toBeLessThan(100);
    expect(command).toMatchObject({
      id: expect.stringMatching(/^cmd_/),
      type: 'wake',
      targets: [{ kioskId: kiosks[0].id }],
    });

    await client.post(`/commands/${command.id}/result`, result(kiosks[0].id));
    const idleStart = performance.now();
    const idle = await client.get('/commands?wait=1');
    const idleMs = performance.now() - idleStart;
    expect(idle.body).toEqual({ commands: [] });
    expect(idleMs).toBeGreaterThanOrEqual(990);
    expect(idleMs).toBeLessThan(1500);
  });

  it('a command is delivered on every poll until its result arrives; the result is stored once, resends are 204', async () => {
    const { agentId, client } = await enrolAgent(ops, ids.siteA, 'pi-redeliver');
    const command = await commands.enqueue(agentId, wake());
    for (let i = 0; i < 3; i++)
      expect((await client.get('/commands?wait=0')).body.commands.map((c: { id: string }) => c.id)).toEqual([
        command.id,
      ]);

    const report = result(kiosks[0].id);
    expect((await client.post(`/commands/${command.id}/result`, report)).status).toBe(204);
    expect((await client.post(`/commands/${command.id}/result`, report)).status).toBe(204);
    const rows = await api.db.query('SELECT * FROM command_results WHERE command_id = ?', [command.id]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ agent_id: agentId, status: 'done' });
    const targets = typeof rows[0].targets === 'string' ? JSON.parse(rows[0].targets) : rows[0].targets;
    expect(targets).toEqual([{ kioskId: kiosks[0].id, ok: true, error: null }]);
    expect((await client.get('/commands?wait=0')).body.commands).toEqual([]);
  });

  it('a command the agent already holds does not end its next poll early; a new one does, at once', async () => {
    const { agentId, client } = await enrolAgent(ops, ids.siteA, 'pi-held');
    // Delivered ahead of time: the agent now holds it until its dueAt.
    const held = await commands.enqueue(agentId, { ...wake(), dueAt: new Date(Date.now() + 30_000) });
    expect((await client.get('/commands?wait=5')).body.commands.map((c: { id: string }) => c.id)).toEqual([held.id]);
    // The next poll waits its full time (no tight loop), then redelivers what is still pending.
    const start = performance.now();
    const again = await client.get('/commands?wait=1');
    expect(performance.now() - start).toBeGreaterThanOrEqual(990);
    expect(again.body.commands.map((c: { id: string }) => c.id)).toEqual([held.id]);
    // A new command ends a waiting poll at once, carrying both.
    const registered = pollRegistered(notifier, agentId);
    const poll = client.get('/commands?wait=10');
    await registered;
    const sent = performance.now();
    const fresh = await commands.enqueue(agentId, wake());
    const res = await poll;
    // Ended by the command, not by its 10 s wait (a bound far from both: 100 ms failed on a loaded 2-core machine).
    expect(performance.now() - sent).toBeLessThan(1000);
    expect(res.body.commands.map((c: { id: string }) => c.id).sort()).toEqual([held.id, fresh.id].sort());
  });

  it('results for commands not sent to the agent are 404 and store nothing; bad results are 400', async () => {
    const a = await enrolAgent(ops, ids.siteA, 'pi-own-1');
    const b = await enrolAgent(ops, ids.siteA, 'pi-own-2');
    const command = await commands.enqueue(a.agentId, wake());
    const foreign = await b.client.post(`/commands/${command.id}/result`, result(kiosks[0].id));
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.code).toBe('COMMAND_NOT_FOUND');
    expect((await b.client.post('/commands/cmd_unknown/result', result(kiosks[0].id))).status).toBe(404);
    const bad = await a.client.post(`/commands/${command.id}/result`, { ...result(kiosks[0].id), status: 'maybe' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('status');
    expect(await api.db.query('SELECT * FROM command_results WHERE command_id = ?', [command.id])).toEqual([]);
    expect((await a.client.get('/commands?wait=0')).body.commands).toHaveLength(1);
  });

  it('a command is no longer delivered once it has expired', async () => {
    const { agentId, client } = await enrolAgent(ops, ids.siteA, 'pi-expiry');
    const command = await commands.enqueue(agentId, wake(600));
    expect((await client.get('/commands?wait=0')).body.commands).toHaveLength(1);
    // Expiry is a moment in time: there is no event to await.
    await new Promise((r) => setTimeout(r, Date.parse(command.expiresAt) - Date.now() + 20));
    expect((await client.get('/commands?wait=0')).body.commands).toEqual([]);
    await expect(commands.enqueue(agentId, wake(-1000))).rejects.toMatchObject({ code: 'COMMAND_EXPIRED' });
  });

  it("one poll step answers with 9,000 commands and drops 9,000 expired ones (more than Lua's unpack() takes at once)", async () => {
    const pending = api.app.get(PendingCommandsRepository);
    const agentId = 'agt_many';
    const key = (name: string) => `${api.config.redis.prefix}${name}:${agentId}`;
    const now = Date.now();
    const entry = (i: number, expiresAtMs: number) => ({
      agentId,
      command: { id: `cmd_many_${String(i).padStart(5, '0')}`, type: 'cancel' as const, cancels: `cmd_x${i}` },
      expiresAtMs,
    });
    await pending.add(Array.from({ length: 9_000 }, (_, i) => entry(i, now + 60_000)));
    await pending.add(Array.from({ length: 9_000 }, (_, i) => entry(9_000 + i, now + 300)));
    await new Promise((r) => setTimeout(r, now + 320 - Date.now()));

    const first = await pending.pollStep(agentId, false);
    expect(first.answer).toBe(true);
    expect(first.commands).toHaveLength(9_000);
    expect(first.commands[0].id).toBe('cmd_many_00000');
    expect(await api.redis.hlen(key('agent-commands'))).toBe(9_000);
    expect(await api.redis.scard(key('agent-delivered'))).toBe(9_000);
    // All delivered by that answer: the next step waits, a final one answers again.
    expect((await pending.pollStep(agentId, false)).answer).toBe(false);
    expect((await pending.pollStep(agentId, true)).commands).toHaveLength(9_000);
    await api.redis.del(key('agent-commands'), key('agent-delivered'));
  });

  it('cancel replaces a pending command by a cancel naming it; the cancel is reported like any command', async () => {
    const { agentId, client } = await enrolAgent(ops, ids.siteA, 'pi-cancel');
    const command = await commands.enqueue(agentId, wake());
    // The agent may already hold the command: from now on it gets the cancel instead.
    expect((await client.get('/commands?wait=0')).body.commands.map((c: { id: string }) => c.id)).toEqual([command.id]);
    const cancel = await commands.cancel(agentId, command.id);
    const res = await client.get('/commands?wait=10');
    expect(res.body.commands).toEqual([{ id: cancel.id, type: 'cancel', cancels: command.id }]);
    await expect(commands.cancel(agentId, command.id)).rejects.toMatchObject({ code: 'COMMAND_NOT_PENDING' });
    await expect(commands.cancel(agentId, 'cmd_nope')).rejects.toMatchObject({ code: 'COMMAND_NOT_FOUND' });

    expect((await client.post(`/commands/${cancel.id}/result`, { ...result(kiosks[0].id), targets: [] })).status).toBe(
      204,
    );
    expect((await client.get('/commands?wait=0')).body.commands).toEqual([]);
    const [row] = await api.db.query('SELECT cancelled_at FROM agent_commands WHERE id = ?', [command.id]);
    expect(row.cancelled_at).toBeInstanceOf(Date);
  });

  it('a client that goes away stops waiting: its listener is removed', async () => {
    const { agentId, client } = await enrolAgent(ops, ids.siteA, 'pi-gone');
    const registered = pollRegistered(notifier, agentId);
    const abort = new AbortController();
    const poll = client.get('/commands?wait=25', {}, abort.signal).catch((e: Error) => e);
    await registered;
    expect(notifier.waitingAgents).toBe(1);
    abort.abort();
    await poll;
    await vi.waitFor(() => expect(notifier.waitingAgents).toBe(0), { timeout: 2000, interval: 10 });
  });

  it("keeps an agent's connection open between requests 30 s apart (Node's default closes it after 5 s)", async () => {
    const { default: http } = await import('node:http');
    const keepAlive = new http.Agent({ keepAlive: true });
    const get = () =>
      new Promise<boolean>((resolve, reject) => {
        const req = http.get(`${api.url}/healthz`, { agent: keepAlive }, (res) => {
          res.resume();
          res.on('end', () => resolve(req.reusedSocket));
        });
        req.on('error', reject);
      });
    expect(await get()).toBe(false);
    await new Promise((r) => setTimeout(r, 5_500));
    expect(await get()).toBe(true);
    expect(api.app.getHttpServer().keepAliveTimeout).toBeGreaterThanOrEqual(30_000);
    keepAlive.destroy();
  });

  it('wait is validated: at most 30 whole seconds', async () => {
    const { client } = await enrolAgent(ops, ids.siteA, 'pi-wait');
    for (const wait of ['31', '-1', 'abc', '1.5']) {
      const res = await client.get(`/commands?wait=${wait}`);
      expect(res.status).toBe(400);
      expect(res.body.error.field).toBe('wait');
    }
  });

  it('a command enqueued through API process 1 reaches an agent long-polling process 2 within 100 ms', async () => {
    const second: NestExpressApplication = await createApiApp(api.config, createLogger('silent'));
    await second.listen(0, '127.0.0.1');
    try {
      const url2 = `http://127.0.0.1:${(second.getHttpServer().address() as AddressInfo).port}`;
      const { agentId, token } = await enrolAgent(ops, ids.siteA, 'pi-replica');
      const viaSecond = new AgentClient(url2, token);
      const registered = pollRegistered(second.get(CommandNotifier), agentId);
      let arrived = 0;
      const poll = viaSecond.get('/commands?wait=10').then((r) => ((arrived = performance.now()), r));
      await registered;
      const sent = performance.now();
      const command = await commands.enqueue(agentId, wake());
      const res = await poll;
      expect(res.body.commands.map((c: { id: string }) => c.id)).toEqual([command.id]);
      expect(arrived - sent).toBeLessThan(100);
      // The result may go to either process.
      expect((await viaSecond.post(`/commands/${command.id}/result`, result(kiosks[0].id))).status).toBe(204);
      expect((await new AgentClient(api.url, token).get('/commands?wait=0')).body.commands).toEqual([]);
    } finally {
      await second.close();
    }
  });

  describe('console: POST /api/sites/:siteId/commands', () => {
    let otherKiosk: string;
    let badMac: string;
    beforeAll(async () => {
      otherKiosk = (await ops.post('/api/kiosks', kioskBody(ids.siteB, 40))).body.id;
      badMac = (await ops.post('/api/kiosks', kioskBody(ids.siteA, 90, { code: 'BAD-MAC' }))).body.id;
      // Written before MACs were validated, or edited in the database by hand.
      await api.db.query(`UPDATE kiosks SET mac = 'zz:zz:zz:zz:zz:zz' WHERE id = ?`, [badMac]);
    });

    const heartbeat = (a: { client: AgentClient }) =>
      a.client.post('/heartbeat', { version: '1.2.0', uptimeS: 10, time: new Date().toISOString(), buffered: 0 });

    it('wake and shutdown go the act-now way: one command to every online agent whose subnets reach the kiosks, with MAC, IP, broadcast and shutdown method; recorded, audited', async () => {
      const vlan2 = await enrolAgent(ops, ids.siteA, 'pi-vlan2', ['10.1.2.0/24']);
      const both = await enrolAgent(ops, ids.siteA, 'pi-both', ['10.1.2.0/24', '10.1.3.0/24']);
      const other = await enrolAgent(ops, ids.siteB, 'pi-site-b', ['10.1.2.0/24']);
      const revoked = await enrolAgent(ops, ids.siteA, 'pi-revoked', ['10.1.2.0/24']);
      const silent = await enrolAgent(ops, ids.siteA, 'pi-silent', ['10.1.2.0/24', '10.1.3.0/24']);
      for (const a of [vlan2, both, other, revoked]) await heartbeat(a);
      await ops.post(`/api/agents/${revoked.agentId}/revoke`);

      const before = Date.now();
      const res = await ops.post(`/api/sites/${ids.siteA}/commands`, { type: 'wake', kioskIds: [kiosks[0].id, kiosks[2].id] });
      expect(res.status).toBe(201);
      const byAgent = Object.fromEntries(res.body.commands.map((c: { agentId: string }) => [c.agentId, c]));
      expect(byAgent[vlan2.agentId].kioskIds).toEqual([kiosks[0].id]);
      expect(byAgent[both.agentId].kioskIds).toEqual([kiosks[0].id, kiosks[2].id]);
      expect(byAgent[other.agentId]).toBeUndefined();
      expect(byAgent[revoked.agentId]).toBeUndefined();
      // Enrolled but no heartbeat: offline, so not counted on to send.
      expect(byAgent[silent.agentId]).toBeUndefined();
      expect(res.body.uncovered).toEqual([]);

      const [delivered] = (await both.client.get('/commands?wait=0')).body.commands;
      const dueAt = Date.parse(delivered.dueAt);
      expect(dueAt).toBeGreaterThanOrEqual(before - 1);
      expect(dueAt).toBeLessThanOrEqual(Date.now());
      expect(delivered).toEqual({
        id: byAgent[both.agentId].id,
        type: 'wake',
        dueAt: delivered.dueAt,
        expiresAt: new Date(dueAt + api.config.dispatch.commandTtlMs).toISOString(),
        targets: [
          expect.objectContaining({
            kioskId: kiosks[0].id,
            mac: '00:1a:2b:3c:4d:01',
            ip: '10.1.2.1',
            broadcast: '10.1.2.255',
          }),
          expect.objectContaining({
            kioskId: kiosks[2].id,
            ip: '10.1.3.3',
            broadcast: '10.1.3.255',
            shutdown: { method: 'net-rpc' },
          }),
        ],
      });
      expect((await other.client.get('/commands?wait=0')).body.commands).toEqual([]);
      // Recorded as a manual dispatch per kiosk, and one audit entry for the request.
      const rows = await api.db.query(`SELECT kiosk_id, source, requested_by, status FROM dispatches WHERE source = 'manual' ORDER BY id`);
      expect(rows.map((r: { kiosk_id: string }) => r.kiosk_id).sort()).toEqual([kiosks[0].id, kiosks[2].id].sort());
      expect(rows.every((r: { requested_by: string; status: string }) => r.requested_by === 'ops' && r.status === 'sent')).toBe(true);
      const audit = await api.db.query(`SELECT \`after\` FROM audit_entries WHERE entity_type = 'power_command' AND action = 'create'`);
      expect(audit).toHaveLength(1);
      const after = typeof audit[0].after === 'string' ? JSON.parse(audit[0].after) : audit[0].after;
      expect(after).toMatchObject({ action: 'wake', counts: { kiosks: 2, sent: 2, noAgent: 0 } });
    });

    it("a shutdown names the kiosk's method and carries nothing else: no program, argv or URL", async () => {
      const agent = await enrolAgent(ops, ids.siteA, 'pi-shutdown', ['10.1.3.0/24']);
      await heartbeat(agent);
      const res = await ops.post(`/api/sites/${ids.siteA}/commands`, { type: 'shutdown', kioskIds: [kiosks[2].id] });
      expect(res.status).toBe(201);
      const [delivered] = (await agent.client.get('/commands?wait=0')).body.commands;
      expect(delivered).toMatchObject({ type: 'shutdown', targets: [{ kioskId: kiosks[2].id }] });
      expect(delivered.targets[0].shutdown).toEqual({ method: 'net-rpc' });
      expect(JSON.stringify(delivered)).not.toMatch(/argv|url|command/i);
    });

    it.each([
      ['unknown command type', { type: 'reboot' }, 'type', 'VALIDATION_FAILED'],
      ['a kiosk of another site', { kioskIds: ['other'] }, 'kioskIds.0', 'COMMAND_KIOSK_INVALID'],
      ['a kiosk id that is no UUID', { kioskIds: ['nope'] }, 'kioskIds.0', 'VALIDATION_FAILED'],
      [
        'a probe whose expiresAt is before its dueAt',
        { type: 'probe', dueAt: new Date(Date.now() + 60_000).toISOString(), expiresAt: new Date().toISOString() },
        'expiresAt',
        'VALIDATION_FAILED',
      ],
      ['a wake with a dueAt (wake and shutdown run now)', { dueAt: new Date(Date.now() + 60_000).toISOString() }, 'dueAt', 'VALIDATION_FAILED'],
      [
        'a shutdown for a kiosk without shutdown method',
        { type: 'shutdown' },
        'kioskIds.0',
        'KIOSK_SHUTDOWN_METHOD_MISSING',
      ],
      ['a kiosk with a malformed MAC', { kioskIds: ['badmac'] }, 'kioskIds.0', 'KIOSK_MAC_INVALID'],
      ['an unknown field', { colour: 'blue' }, undefined, 'VALIDATION_FAILED'],
    ])('%s is a 400 naming the field, and nothing is sent', async (_, patch, field, code) => {
      const body: Record<string, unknown> = { type: 'wake', kioskIds: [kiosks[0].id], ...patch };
      body.kioskIds = (body.kioskIds as string[]).map((id) =>
        id === 'other' ? otherKiosk : id === 'badmac' ? badMac : id,
      );
      const before = await pendingCount();
      const res = await ops.post(`/api/sites/${ids.siteA}/commands`, body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe(code);
      if (field) expect(res.body.error.field).toBe(field);
      expect(await pendingCount()).toBe(before);
    });

    it('is for ops and admin only', async () => {
      const staff = await api.login('staff-a');
      const res = await staff.post(`/api/sites/${ids.siteA}/commands`, { type: 'wake', kioskIds: [kiosks[0].id] });
      expect(res.status).toBe(403);
    });
  });
});
