import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentConfigSchema } from '../config';
import { KioskSimulator } from '../sim/kiosks';
import { freePortRange } from '../sim/ports';
import { memoryLogger } from '../testing/silent-log';
import { FakeAgentApi } from '../testing/fake-agent-api';
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

const shutdownConfig = (methods: Record<string, unknown>, defaultMethod?: string) =>
  AgentConfigSchema.parse({ apiUrl: 'http://127.0.0.1:1', shutdown: { methods, defaultMethod } }).shutdown;

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup) await c();
  cleanup = [];
});

describe('exec shutdown templates (real child processes)', () => {
  it('passes kiosk fields as single literal argv elements, never through a shell', async () => {
    const out = path.join(dir, 'argv-1.json');
    const canary = path.join(dir, 'canary');
    fs.writeFileSync(canary, 'still here');
    const config = shutdownConfig({
      ssh: {
        kind: 'exec',
        argv: [
          process.execPath,
          recorder,
          out,
          'admin@{ip}',
          'shutdown',
          '/s',
          '/t',
          '0',
          '/c',
          'Wakeward: {name}',
          '{user}',
        ],
      },
    });
    const shutdown = createShutdownKiosks(config, memoryLogger());
    const evil = `name; rm -rf ${canary} $(touch ${canary}.pwned) \`id\` | cat`;
    const [outcome] = await shutdown([
      { kioskId: 'MZ-1F-07', ip: '10.1.2.17', name: evil, shutdown: { method: 'ssh', user: "o'brien && reboot" } },
    ]);
    expect(outcome).toEqual({ kioskId: 'MZ-1F-07', ok: true, error: null });
    expect(JSON.parse(fs.readFileSync(out, 'utf8'))).toEqual([
      'admin@10.1.2.17',
      'shutdown',
      '/s',
      '/t',
      '0',
      '/c',
      `Wakeward: ${evil}`,
      "o'brien && reboot",
    ]);
    expect(fs.readFileSync(canary, 'utf8')).toBe('still here');
    expect(fs.existsSync(`${canary}.pwned`)).toBe(false);
  });

  it('refuses to substitute an ip that is not an IP or a placeholder the kiosk lacks', async () => {
    const config = shutdownConfig(
      {
        ssh: {
          kind: 'exec',
          argv: [process.execPath, recorder, path.join(dir, 'never.json'), 'admin@{ip}', '{password}'],
        },
      },
      'ssh',
    );
    const shutdown = createShutdownKiosks(config, memoryLogger());
    const outcomes = await shutdown([
      { kioskId: 'a', ip: '10.1.2.17; reboot' },
      { kioskId: 'b', ip: '10.1.2.18' },
    ]);
    expect(outcomes[0]!.error).toMatch(/^SHUTDOWN_FIELD_INVALID/);
    expect(outcomes[1]!.error).toMatch(/^SHUTDOWN_TEMPLATE_INCOMPLETE: .*\{password\}/);
    expect(fs.existsSync(path.join(dir, 'never.json'))).toBe(false);
  });

  it('reports a failing command with its exit code and stderr', async () => {
    const config = shutdownConfig({
      net: { kind: 'exec', argv: [process.execPath, recorder, path.join(dir, 'argv-f.json'), '--fail'] },
    });
    const [outcome] = await createShutdownKiosks(
      config,
      memoryLogger(),
    )([{ kioskId: 'k', shutdown: { method: 'net' } }]);
    expect(outcome!.ok).toBe(false);
    expect(outcome!.error).toMatch(/^SHUTDOWN_FAILED: .*\(255\): Connection refused/);
  });

  it('kills a command that outlives its timeout', async () => {
    const config = shutdownConfig({
      slow: {
        kind: 'exec',
        argv: [process.execPath, recorder, path.join(dir, 'argv-h.json'), '--hang'],
        timeoutMs: 300,
      },
    });
    const started = Date.now();
    const [outcome] = await createShutdownKiosks(
      config,
      memoryLogger(),
    )([{ kioskId: 'k', shutdown: { method: 'slow' } }]);
    expect(outcome!.error).toMatch(/^SHUTDOWN_TIMEOUT/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('fails a kiosk whose method this agent does not know', async () => {
    const [outcome] = await createShutdownKiosks(
      shutdownConfig({}),
      memoryLogger(),
    )([{ kioskId: 'k', shutdown: { method: 'ipmi' } }]);
    expect(outcome!.error).toMatch(/^SHUTDOWN_METHOD_UNKNOWN: .*"ipmi"/);
  });
});

describe('http shutdown', () => {
  it('calls the URL template with encoded placeholders and the configured method', async () => {
    const api = new FakeAgentApi();
    const base = await api.start();
    cleanup.push(() => api.stop());
    const config = shutdownConfig(
      {
        agentd: {
          kind: 'http',
          method: 'POST',
          url: `${base}/power/{kioskId}/off?who={name}`,
          body: '{"reason":"{name}"}',
        },
      },
      'agentd',
    );
    const [outcome] = await createShutdownKiosks(config, memoryLogger())([{ kioskId: 'MZ 1F/07', name: 'a&b "c"' }]);
    expect(outcome!.ok).toBe(true);
    expect(api.requests[0]).toMatchObject({
      method: 'POST',
      path: '/power/MZ%201F%2F07/off?who=a%26b%20%22c%22',
      body: { reason: 'a&b "c"' },
    });
  });

  it('shuts a simulated kiosk down through its control endpoint', async () => {
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
    const fragment = sim.agentConfigFragment() as {
      shutdown: { methods: Record<string, unknown>; defaultMethod: string };
    };
    const shutdown = createShutdownKiosks(
      shutdownConfig(fragment.shutdown.methods, fragment.shutdown.defaultMethod),
      memoryLogger(),
    );
    const [outcome] = await shutdown([{ kioskId: 'SIM-001' }]);
    expect(outcome!.ok).toBe(true);
    await sim.waitForState('SIM-001', 'off', 2000);
    const [missing] = await shutdown([{ kioskId: 'SIM-404' }]);
    expect(missing!.error).toMatch(/answered 404/);
  });
});

describe('fillTemplate', () => {
  it('replaces every occurrence and leaves other braces alone', () => {
    expect(fillTemplate('{a}-{a}-{ b }', { a: 'x' })).toBe('x-x-{ b }');
  });
});

describe('methods sent by the API with the kiosk', () => {
  it('runs an inline command argv with placeholders, still without a shell', async () => {
    const out = path.join(dir, 'argv-inline.json');
    const shutdown = createShutdownKiosks(shutdownConfig({}), memoryLogger());
    const [outcome] = await shutdown([
      {
        kioskId: 'k-1',
        ip: '10.1.2.17',
        name: 'Lobby `reboot`',
        shutdown: { method: 'command', argv: [process.execPath, recorder, out, 'admin@{ip}', '{name}'], timeoutS: 5 },
      },
    ]);
    expect(outcome).toEqual({ kioskId: 'k-1', ok: true, error: null });
    expect(JSON.parse(fs.readFileSync(out, 'utf8'))).toEqual(['admin@10.1.2.17', 'Lobby `reboot`']);
  });

  it('calls an inline http method', async () => {
    const api = new FakeAgentApi();
    const base = await api.start();
    cleanup.push(() => api.stop());
    const shutdown = createShutdownKiosks(shutdownConfig({}), memoryLogger());
    const [outcome] = await shutdown([
      { kioskId: 'k-2', shutdown: { method: 'http', url: `${base}/off/{kioskId}`, httpMethod: 'PUT' } },
    ]);
    expect(outcome!.ok).toBe(true);
    expect(api.requests[0]).toMatchObject({ method: 'PUT', path: '/off/k-2' });
  });

  it('can be locked down to local methods or to a list of programs', async () => {
    const locked = AgentConfigSchema.parse({
      apiUrl: 'http://127.0.0.1:1',
      shutdown: { allowServerDefined: false },
    }).shutdown;
    const [a] = await createShutdownKiosks(
      locked,
      memoryLogger(),
    )([{ kioskId: 'k', shutdown: { method: 'command', argv: ['true'] } }]);
    expect(a!.error).toMatch(/allowServerDefined/);
    const listed = AgentConfigSchema.parse({
      apiUrl: 'http://127.0.0.1:1',
      shutdown: { allowedPrograms: ['ssh'] },
    }).shutdown;
    const [b] = await createShutdownKiosks(
      listed,
      memoryLogger(),
    )([{ kioskId: 'k', shutdown: { method: 'command', argv: ['rm', '-rf', '/tmp/x'] } }]);
    expect(b!.error).toMatch(/"rm" is not in shutdown.allowedPrograms/);
  });

  it('prefers a method of the same name in the local config', async () => {
    const out = path.join(dir, 'argv-local.json');
    const config = shutdownConfig({ command: { kind: 'exec', argv: [process.execPath, recorder, out, 'local'] } });
    await createShutdownKiosks(
      config,
      memoryLogger(),
    )([{ kioskId: 'k', shutdown: { method: 'command', argv: ['false'] } }]);
    expect(JSON.parse(fs.readFileSync(out, 'utf8'))).toEqual(['local']);
  });
});
