import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, retiredSettings } from './config';

describe('loadConfig', () => {
  it('fills defaults from a minimal environment', () => {
    const config = loadConfig({ env: { WAKEWARD_API_URL: 'https://wakeward.example' } });
    expect(config.stateDir).toBe('/var/lib/wakeward-agent');
    expect(config.wake).toMatchObject({ port: 9, repeat: 3 });
    expect(config.probe).toMatchObject({ intervalS: 30, snapshotIntervalS: 300, ports: [5900] });
    expect(config.buffer.maxReadings).toBeGreaterThanOrEqual(20_160);
    expect(config.plan.offlineAfterS).toBe(60);
  });

  it('merges a JSON file with environment variables, env winning', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wakeward-config-'));
    const file = path.join(dir, 'agent.json');
    fs.writeFileSync(
      file,
      JSON.stringify({
        apiUrl: 'http://127.0.0.1:3000',
        wake: { port: 7, address: '127.0.0.1' },
        subnets: ['10.1.2.0/24'],
      }),
    );
    const config = loadConfig({
      configFile: file,
      env: { WAKEWARD_WAKE_PORT: '40009', WAKEWARD_SUBNETS: '10.1.2.0/24, 10.1.3.0/24' },
    });
    expect(config.apiUrl).toBe('http://127.0.0.1:3000');
    expect(config.wake).toMatchObject({ port: 40009, address: '127.0.0.1' });
    expect(config.subnets).toEqual(['10.1.2.0/24', '10.1.3.0/24']);
  });

  it('names the bad setting and where it came from', () => {
    expect(() => loadConfig({ env: {} })).toThrow(/apiUrl: required but not set \(set WAKEWARD_API_URL/);
    expect(() => loadConfig({ env: { WAKEWARD_API_URL: 'http://x', WAKEWARD_WAKE_PORT: 'nine' } })).toThrow(
      /wake\.port: .*environment variable WAKEWARD_WAKE_PORT/,
    );
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wakeward-config-'));
    const file = path.join(dir, 'agent.json');
    fs.writeFileSync(
      file,
      JSON.stringify({ apiUrl: 'http://x', shutdown: { methods: { ssh: { kind: 'exec', argv: [] } } } }),
    );
    expect(() => loadConfig({ configFile: file, env: {} })).toThrow(/shutdown\.methods\.ssh\.argv: .*config file/);
    fs.writeFileSync(file, JSON.stringify({ apiUrl: 'http://x', wake: { prot: 9 } }));
    expect(() => loadConfig({ configFile: file, env: {} })).toThrow(/wake: .*prot/);
    fs.writeFileSync(file, '{ not json');
    expect(() => loadConfig({ configFile: file, env: {} })).toThrow(ConfigError);
  });

  describe('shutdown methods', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wakeward-config-'));
    const load = (shutdown: unknown) => {
      const file = path.join(dir, 'agent.json');
      fs.writeFileSync(file, JSON.stringify({ apiUrl: 'http://x', shutdown }));
      return loadConfig({ configFile: file, env: {} });
    };
    const exec = (argv: string[]) => ({ methods: { 'net-rpc': { kind: 'exec', argv } } });

    it('refuses an unknown placeholder at start, naming where it is', () => {
      expect(() => load(exec(['net', 'rpc', 'shutdown', '-I', '{ip}', '-C', '{name}']))).toThrow(
        /shutdown\.methods\.net-rpc\.argv\.6: unknown placeholder \{name\}; a template may use \{kioskId\}, \{code\}, \{ip\}, \{mac\}, \{broadcast\}/,
      );
      expect(() => load({ methods: { 'http-post': { kind: 'http', url: 'http://{ip}/off?user={user}' } } })).toThrow(
        /shutdown\.methods\.http-post\.url: unknown placeholder \{user\}/,
      );
      expect(() =>
        load({ methods: { 'http-post': { kind: 'http', url: 'http://{ip}/off', body: '{"who":"{name}"}' } } }),
      ).toThrow(/shutdown\.methods\.http-post\.body: unknown placeholder \{name\}/);
    });

    it('refuses a placeholder as the program and a URL that is not http(s)', () => {
      expect(() => load(exec(['{code}', 'x']))).toThrow(/shutdown\.methods\.net-rpc\.argv: the program/);
      expect(() => load({ methods: { x: { kind: 'http', url: 'file:///etc/passwd' } } })).toThrow(
        /shutdown\.methods\.x\.url: must start with http/,
      );
      expect(() => load({ methods: {}, allowTargets: ['127.0.0.1'] })).toThrow(/shutdown\.allowTargets\.0/);
    });

    it('accepts the five placeholders, and JSON braces that are none', () => {
      const config = load({
        methods: {
          'http-post': {
            kind: 'http',
            url: 'http://{ip}:8080/off/{kioskId}',
            body: '{"code":"{code}","mac":"{mac}","b":"{broadcast}"}',
          },
        },
        allowTargets: ['127.0.0.0/8'],
      });
      expect(config.shutdown.methods['http-post']).toMatchObject({ kind: 'http', method: 'POST', timeoutMs: 10_000 });
      expect(config.shutdown.allowTargets).toEqual(['127.0.0.0/8']);
    });

    it('still loads old files with allowServerDefined or allowedPrograms, which are retired', () => {
      const config = load({ ...exec(['net', '{ip}']), allowServerDefined: true, allowedPrograms: ['ssh'] });
      expect(retiredSettings(config)).toEqual([
        expect.stringMatching(/^shutdown\.allowServerDefined is no longer used and is ignored/),
        expect.stringMatching(/^shutdown\.allowedPrograms is no longer used and is ignored/),
      ]);
      expect(retiredSettings(load(exec(['net', '{ip}'])))).toEqual([]);
    });
  });
});
