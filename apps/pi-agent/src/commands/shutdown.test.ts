import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentConfigSchema } from '../config';
import type { KioskTarget } from '../protocol';
import { KioskSimulator } from '../sim/kiosks';
import { freePortRange } from '../sim/ports';
import { ByteCounter } from '../../testing/byte-counter';
import { FakeAgentApi } from '../../testing/fake-agent-api';
import { memoryLogger } from '../../testing/silent-log';
import { createShutdownKiosks, fillTemplate } from './shutdown';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wakeward-shutdown-'));
/** A stand-in for ssh/net: writes the argv it received as JSON, one file per run. */
const recorder = path.join(dir, 'record-argv.js');
fs.writeFileSync(
  recorder,
  `require('fs').writeFileSync(process.argv[2], JSON.stringify(process.argv.slice(3)));\n` +
    `if (process.argv.includes('--fail')) { process.stderr.write('Connection refused\\n'); process.exit(255); }\n` +
    `if (process.argv.includes('--hang')) setTimeout(() => {}, 60000);\n`,
);
const recorded = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8')) as string[];

/** This test host's addresses as the shutdown sees them: one inside the kiosks' subnet. */
const OWN_ADDRESSES = ['10.1.2.1'];

const agentConfig = (shutdown: Record<string, unknown>, subnets = ['10.1.2.0/24']) =>
  AgentConfigSchema.parse({ apiUrl: 'http://127.0.0.1:1', subnets, shutdown });
const shutdownWith = (shutdown: Record<string, unknown>, subnets?: string[]) =>
  createShutdownKiosks(agentConfig(shutdown, subnets), memoryLogger(), () => OWN_ADDRESSES);

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup) await c();
  cleanup = [];
});

async function byteCounter(): Promise<{ counter: ByteCounter; port: number }> {
  const counter = new ByteCounter();
  const port = await counter.start();
  cleanup.push(() => counter.stop());
  return { counter, port };
}

const kiosk: KioskTarget = {
  kioskId: '3f2a9c1e-8b7d-4e6f-a5b4-c3d2e1f0a9b8',
  code: 'MZ-1F-07',
  ip: '10.1.2.17',
  mac: '00-1A-2B-3C-4D-5E',
  broadcast: '10.1.2.255',
  name: 'Lobby; rm -rf / `reboot`',
};

describe('named methods of the agent config (real child processes)', () => {
  it('runs the named method with each placeholder substituted and checked, as literal argv elements', async () => {
    const out = path.join(dir, 'argv-1.json');
    const shutdown = shutdownWith({
      methods: {
        'net-rpc': {
          kind: 'exec',
          argv: [
            process.execPath,
            recorder,
            out,
            'rpc',
            '-I',
            '{ip}',
            '--mac={mac}',
            '{code}',
            '{kioskId}',
            '{broadcast}',
          ],
        },
      },
    });
    const [outcome] = await shutdown([{ ...kiosk, shutdown: { method: 'net-rpc' } }]);
    expect(outcome).toEqual({ kioskId: kiosk.kioskId, ok: true, error: null });
    expect(recorded(out)).toEqual([
      'rpc',
      '-I',
      '10.1.2.17',
      '--mac=00:1a:2b:3c:4d:5e',
      'MZ-1F-07',
      kiosk.kioskId,
      '10.1.2.255',
    ]);
  });

  it('takes nothing but the name from the target: its other fields are never run or substituted', async () => {
    const out = path.join(dir, 'argv-only-name.json');
    const touched = path.join(dir, 'touched-by-server-argv');
    const shutdown = shutdownWith({
      methods: { 'ssh-shutdown': { kind: 'exec', argv: [process.execPath, recorder, out, 'admin@{ip}'] } },
    });
    const [outcome] = await shutdown([
      {
        ...kiosk,
        shutdown: {
          method: 'ssh-shutdown',
          argv: ['/bin/sh', '-c', `touch ${touched}`],
          url: 'http://127.0.0.1:9/x',
          ip: '10.1.2.99',
        },
      },
    ]);
    expect(outcome!.ok).toBe(true);
    expect(recorded(out)).toEqual(['admin@10.1.2.17']);
    expect(fs.existsSync(touched)).toBe(false);
  });

  it('falls back to shutdown.defaultMethod for a name it does not know, else fails the kiosk', async () => {
    const out = path.join(dir, 'argv-default.json');
    const methods = { 'net-rpc': { kind: 'exec', argv: [process.execPath, recorder, out, '{code}'] } };
    const [fallback] = await shutdownWith({ methods, defaultMethod: 'net-rpc' })([
      { ...kiosk, shutdown: { method: 'ipmi' } },
    ]);
    expect(fallback!.ok).toBe(true);
    expect(recorded(out)).toEqual(['MZ-1F-07']);

    const [unknown] = await shutdownWith({ methods })([{ ...kiosk, shutdown: { method: 'ipmi' } }]);
    expect(unknown!.error).toMatch(/^SHUTDOWN_METHOD_UNKNOWN: .*"ipmi"/);
    const [unnamed] = await shutdownWith({ methods })([kiosk]);
    expect(unnamed!.error).toMatch(/^SHUTDOWN_METHOD_UNKNOWN: .*names no shutdown method/);
    // Names of the object prototype are no methods either.
    const [proto] = await shutdownWith({ methods })([{ ...kiosk, shutdown: { method: 'constructor' } }]);
    expect(proto!.error).toMatch(/^SHUTDOWN_METHOD_UNKNOWN/);
  });

  it('reports a failing command with its exit code and stderr', async () => {
    const shutdown = shutdownWith({
      methods: { net: { kind: 'exec', argv: [process.execPath, recorder, path.join(dir, 'argv-f.json'), '--fail'] } },
    });
    const [outcome] = await shutdown([{ kioskId: 'k', shutdown: { method: 'net' } }]);
    expect(outcome!.ok).toBe(false);
    expect(outcome!.error).toMatch(/^SHUTDOWN_FAILED: .*\(255\): Connection refused/);
  });

  it('kills a command that outlives its timeout', async () => {
    const shutdown = shutdownWith({
      methods: {
        slow: {
          kind: 'exec',
          argv: [process.execPath, recorder, path.join(dir, 'argv-h.json'), '--hang'],
          timeoutMs: 300,
        },
      },
    });
    const started = Date.now();
    const [outcome] = await shutdown([{ kioskId: 'k', shutdown: { method: 'slow' } }]);
    expect(outcome!.error).toMatch(/^SHUTDOWN_TIMEOUT/);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('methods sent by the server are never run', () => {
  it('an inline command fails with SHUTDOWN_METHOD_UNKNOWN and starts nothing', async () => {
    const touched = path.join(dir, 'inline-command-ran');
    const [outcome] = await shutdownWith({ methods: {} })([
      { ...kiosk, shutdown: { method: 'command', argv: ['/bin/sh', '-c', `touch ${touched}`], timeoutS: 5 } },
    ]);
    expect(outcome!.error).toMatch(/^SHUTDOWN_METHOD_UNKNOWN: .*"command"/);
    expect(fs.existsSync(touched)).toBe(false);
  });

  it('an inline http method fails with SHUTDOWN_METHOD_UNKNOWN and sends nothing', async () => {
    const { counter, port } = await byteCounter();
    const [outcome] = await shutdownWith({ methods: {} })([
      { ...kiosk, shutdown: { method: 'http', url: `http://127.0.0.1:${port}/x`, httpMethod: 'POST' } },
    ]);
    expect(outcome!.error).toMatch(/^SHUTDOWN_METHOD_UNKNOWN: .*"http"/);
    expect(counter.connections).toBe(0);
    expect(counter.bytes).toBe(0);
  });

  it('with a default method configured, an inline method runs the default, never its own argv', async () => {
    const out = path.join(dir, 'argv-inline-default.json');
    const touched = path.join(dir, 'inline-default-ran');
    const [outcome] = await shutdownWith({
      methods: { 'net-rpc': { kind: 'exec', argv: [process.execPath, recorder, out, '{ip}'] } },
      defaultMethod: 'net-rpc',
    })([{ ...kiosk, shutdown: { method: 'command', argv: ['/bin/sh', '-c', `touch ${touched}`] } }]);
    expect(outcome!.ok).toBe(true);
    expect(recorded(out)).toEqual(['10.1.2.17']);
    expect(fs.existsSync(touched)).toBe(false);
  });
});

describe('placeholder values are checked before anything starts', () => {
  const never = path.join(dir, 'never.json');
  const everyField = {
    methods: {
      all: {
        kind: 'exec',
        argv: [process.execPath, recorder, never, '{ip}', '{broadcast}', '{mac}', '{code}', '{kioskId}'],
      },
    },
    defaultMethod: 'all',
  };

  it.each([
    ['ip', { ip: '10.9.9.9' }, /outside the declared subnets/],
    ['ip', { ip: '127.0.0.1' }, /loopback/],
    ['ip', { ip: '169.254.169.254' }, /link-local/],
    ['ip', { ip: '10.1.2.1' }, /address of this host/],
    ['ip', { ip: '10.1.2.17; reboot' }, /not an IPv4 address/],
    ['ip', { ip: '10.1.2.300' }, /not an IPv4 address/],
    ['ip', { ip: '::1' }, /not an IPv4 address/],
    ['broadcast', { broadcast: '255.255.255.255' }, /limited broadcast/],
    ['broadcast', { broadcast: '10.1.3.255' }, /outside the declared subnets/],
    ['mac', { mac: '00:1a:2b:3c:4d' }, /not a MAC address/],
    ['code', { code: 'MZ-1F-07; reboot' }, /not a kiosk code/],
    ['code', { code: '$(id)' }, /not a kiosk code/],
    ['code', { code: '`reboot`' }, /not a kiosk code/],
    ['code', { code: '-oProxyCommand=id' }, /not a kiosk code/],
    ['code', { code: 'a b' }, /not a kiosk code/],
    ['kioskId', { kioskId: '../../etc' }, /not a kiosk id/],
    ['kioskId', { kioskId: '-rf' }, /not a kiosk id/],
  ])(
    'a bad %s (%j) fails the kiosk with SHUTDOWN_FIELD_INVALID; the program is not started',
    async (field, bad, why) => {
      const [outcome] = await shutdownWith(everyField)([{ ...kiosk, ...bad }]);
      expect(outcome!.ok).toBe(false);
      expect(outcome!.error).toMatch(new RegExp(`^SHUTDOWN_FIELD_INVALID: ${field}: `));
      expect(outcome!.error).toMatch(why);
      expect(fs.existsSync(never)).toBe(false);
    },
  );

  it('checks only the fields the method uses, and names a missing one', async () => {
    const out = path.join(dir, 'argv-code-only.json');
    const shutdown = shutdownWith({
      methods: {
        byCode: { kind: 'exec', argv: [process.execPath, recorder, out, '{code}'] },
        byIp: { kind: 'exec', argv: [process.execPath, recorder, never, '{ip}'] },
      },
    });
    const sloppy = { ...kiosk, ip: '10.9.9.9', mac: 'nope', broadcast: 'x' };
    const [ok] = await shutdown([{ ...sloppy, shutdown: { method: 'byCode' } }]);
    expect(ok!.ok).toBe(true);
    expect(recorded(out)).toEqual(['MZ-1F-07']);
    const [missing] = await shutdown([{ kioskId: 'k-1', shutdown: { method: 'byIp' } }]);
    expect(missing!.error).toMatch(/^SHUTDOWN_TEMPLATE_INCOMPLETE: .*\{ip\}/);
    expect(fs.existsSync(never)).toBe(false);
  });

  it('with no subnets declared, no address is a kiosk', async () => {
    const [outcome] = await shutdownWith(everyField, [])([kiosk]);
    expect(outcome!.error).toMatch(/^SHUTDOWN_FIELD_INVALID: ip: no subnets are declared/);
  });

  it('an http method sends nothing to a refused address; shutdown.allowTargets lets the simulation use loopback', async () => {
    const { counter, port } = await byteCounter();
    const methods = { 'http-post': { kind: 'http', url: `http://{ip}:${port}/off/{kioskId}`, timeoutMs: 300 } };
    const target = { ...kiosk, ip: '127.0.0.1', shutdown: { method: 'http-post' } };

    const [refused] = await shutdownWith({ methods }, ['127.0.0.0/8'])([target]);
    expect(refused!.error).toMatch(/^SHUTDOWN_FIELD_INVALID: ip: 127\.0\.0\.1 is a loopback/);
    expect(counter.connections).toBe(0);

    // Allowed: the listener is reached (it never answers, so the request times out).
    const [allowed] = await shutdownWith({ methods, allowTargets: ['127.0.0.0/8'] }, ['127.0.0.0/8'])([target]);
    expect(allowed!.error).toMatch(/^SHUTDOWN_TIMEOUT/);
    expect(counter.bytes).toBeGreaterThan(0);
  });
});

describe('http methods', () => {
  it('call the URL template with encoded placeholders and the configured method and body', async () => {
    const api = new FakeAgentApi();
    const base = await api.start();
    cleanup.push(() => api.stop());
    const shutdown = shutdownWith({
      methods: {
        'http-post': {
          kind: 'http',
          method: 'PUT',
          url: `${base}/power/{kioskId}/off?code={code}`,
          body: '{"code":"{code}","mac":"{mac}"}',
        },
      },
    });
    const [outcome] = await shutdown([{ ...kiosk, code: 'MZ_1F.07', shutdown: { method: 'http-post' } }]);
    expect(outcome!.ok).toBe(true);
    expect(api.requests[0]).toMatchObject({
      method: 'PUT',
      path: `/power/${kiosk.kioskId}/off?code=MZ_1F.07`,
      body: { code: 'MZ_1F.07', mac: '00:1a:2b:3c:4d:5e' },
    });
  });

  it('treat a redirect as a failure and never follow it', async () => {
    const { counter, port } = await byteCounter();
    const api = new FakeAgentApi().route('POST /off', () => ({
      status: 302,
      headers: { location: `http://127.0.0.1:${port}/elsewhere` },
    }));
    const base = await api.start();
    cleanup.push(() => api.stop());
    const [outcome] = await shutdownWith({ methods: { 'http-post': { kind: 'http', url: `${base}/off` } } })([
      { ...kiosk, shutdown: { method: 'http-post' } },
    ]);
    expect(outcome!.error).toMatch(/^SHUTDOWN_FAILED: .*answered 302, a redirect, which is not followed/);
    expect(api.requests).toHaveLength(1);
    expect(counter.connections).toBe(0);
  });

  it('shut a simulated kiosk down through its control endpoint (the method `simulated`)', async () => {
    const base = await freePortRange(3);
    const sim = new KioskSimulator({
      kiosks: KioskSimulator.kioskSpecs(1),
      udpBasePort: base,
      vncBasePort: base + 1,
      controlPort: base + 2,
      initiallyOn: true,
      shutdownDelayMs: 10,
    });
    await sim.start();
    cleanup.push(() => sim.stop());
    const fragment = sim.agentConfigFragment() as { shutdown: Record<string, unknown> };
    const shutdown = shutdownWith(fragment.shutdown);
    const [outcome] = await shutdown([{ kioskId: 'SIM-001', shutdown: { method: 'simulated' } }]);
    expect(outcome!.ok).toBe(true);
    await sim.waitForState('SIM-001', 'off', 2000);
    const [missing] = await shutdown([{ kioskId: 'SIM-404', shutdown: { method: 'simulated' } }]);
    expect(missing!.error).toMatch(/answered 404/);
  });
});

describe('fillTemplate', () => {
  it('replaces every occurrence and leaves other braces alone', () => {
    expect(fillTemplate('{a}-{a}-{ b }', { a: 'x' })).toBe('x-x-{ b }');
  });
});

describe('settings of server-defined methods, retired', () => {
  it('still load from old config files, are ignored, and are named in a warning at start', async () => {
    const config = agentConfig({ methods: {}, allowServerDefined: true, allowedPrograms: ['ssh', 'net'] });
    const log = memoryLogger();
    const shutdown = createShutdownKiosks(config, log, () => []);
    expect(log.lines.filter((l) => l.level === 'warn').map((l) => l.msg)).toEqual([
      expect.stringMatching(/^shutdown\.allowServerDefined is no longer used/),
      expect.stringMatching(/^shutdown\.allowedPrograms is no longer used/),
    ]);
    const touched = path.join(dir, 'retired-allow-ran');
    const [outcome] = await shutdown([
      { ...kiosk, shutdown: { method: 'command', argv: ['/bin/sh', '-c', `touch ${touched}`] } },
    ]);
    expect(outcome!.error).toMatch(/^SHUTDOWN_METHOD_UNKNOWN/);
    expect(fs.existsSync(touched)).toBe(false);
  });
});
