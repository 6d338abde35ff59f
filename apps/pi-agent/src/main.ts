#!/usr/bin/env node
/** The agent's command line; `wakeward-agent help` prints USAGE. */
import fs from 'node:fs';
import os from 'node:os';
import { isValidMac } from '@wakeward/wol';
import { z } from 'zod';
import { Agent } from './agent';
import { saveEnrolment } from './buffer/token-store';
import { AgentApiClient, withBackoff } from './client';
import { ConfigError, loadConfig, retiredSettings } from './config';
import { runDemoFleet } from './sim/demo-fleet';
import { configureLogging, createLogger } from './log';
import { KioskSimulator } from './sim/kiosks';
import { AGENT_VERSION } from './version';

const USAGE = `wakeward-agent — the Raspberry Pi agent of Wakeward

  wakeward-agent --version
  wakeward-agent --check-config [--config FILE]    validate settings, touch nothing
  wakeward-agent enroll --code CODE [--config FILE] exchange an enrolment code for a token
  wakeward-agent run [--config FILE]                the daemon (systemd runs this)
  wakeward-agent simulate-kiosks [--count N | --kiosks FILE] [--udp-base-port P]
       [--vnc-base-port P] [--control-port P] [--boot-delay-ms MS]
       [--shutdown-delay-ms MS] [--initially-on] [--write-agent-config FILE]
     --kiosks FILE: [{"kioskId": "...", "mac": "00:1a:2b:3c:4d:5e"}, ...]
  wakeward-agent demo-fleet --api-url URL --state-dir DIR
     the demo's kiosks and two agents per site, loopback only (used by npm start)

Settings come from the JSON file (--config or WAKEWARD_CONFIG) and WAKEWARD_*
environment variables; see apps/pi-agent/README.md.
`;

interface ParsedArgs {
  command: string;
  flags: Map<string, string | true>;
}

export function parseArgs(argv: string[]): ParsedArgs {
  const flags = new Map<string, string | true>();
  let command = '';
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg.startsWith('--')) {
      const [name, inline] = arg.slice(2).split('=', 2) as [string, string | undefined];
      const next = argv[i + 1];
      if (inline !== undefined) flags.set(name, inline);
      else if (
        next !== undefined &&
        !next.startsWith('--') &&
        !['version', 'check-config', 'initially-on', 'help'].includes(name)
      ) {
        flags.set(name, next);
        i++;
      } else flags.set(name, true);
    } else if (!command) command = arg;
    else throw new UsageError(`unexpected argument ${JSON.stringify(arg)}`);
  }
  return { command, flags };
}

class UsageError extends Error {}

function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const value = args.flags.get(name);
  if (value === true) throw new UsageError(`--${name} needs a value`);
  return value;
}

function numberFlag(args: ParsedArgs, name: string, fallback: number): number {
  const value = stringFlag(args, name);
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} must be a whole number, got ${JSON.stringify(value)}`);
  return Number(value);
}

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  if (args.flags.has('help')) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (args.flags.has('version')) {
    process.stdout.write(`${AGENT_VERSION}\n`);
    return 0;
  }
  const configFile = stringFlag(args, 'config');
  if (args.flags.has('check-config')) {
    const config = loadConfig({ configFile });
    const shown = { ...config, token: config.token ? '(set)' : undefined };
    const notes = retiredSettings(config).map((n) => `note: ${n}\n`);
    process.stdout.write(`configuration OK\n${notes.join('')}${JSON.stringify(shown, null, 2)}\n`);
    return 0;
  }

  switch (args.command) {
    case 'enroll':
      return enroll(args, configFile);
    case 'run':
      return run(configFile);
    case 'simulate-kiosks':
      return simulateKiosks(args);
    case 'demo-fleet':
      return demoFleet(args);
    case '':
    case 'help':
      process.stdout.write(USAGE);
      return args.command === 'help' ? 0 : 2;
    default:
      throw new UsageError(`unknown command ${JSON.stringify(args.command)}; try --help`);
  }
}

async function enroll(args: ParsedArgs, configFile: string | undefined): Promise<number> {
  const code = stringFlag(args, 'code');
  if (!code) throw new UsageError('enroll needs --code CODE (from the console: Agents > Enrol)');
  const config = loadConfig({ configFile });
  const log = createLogger({ service: 'wakeward-agent' });
  const client = new AgentApiClient({ baseUrl: config.apiUrl, requestTimeoutMs: config.http.requestTimeoutMs });
  const request = { code, name: config.name, hostname: os.hostname(), version: AGENT_VERSION, subnets: config.subnets };
  // Leased lines drop: retry a failed connection (never a refused code) a few times.
  const res = await withBackoff(() => client.enroll(request), {
    initialMs: 1000,
    maxMs: 15_000,
    maxAttempts: 6,
    onRetry: (error, delayMs) => log.warn('enrolment request failed; retrying', { error, retryInMs: delayMs }),
  });
  saveEnrolment(config.stateDir, { agentId: res.agentId, token: res.token, enrolledAt: new Date().toISOString() });
  log.info('enrolled', { agentId: res.agentId, stateDir: config.stateDir });
  return 0;
}

async function run(configFile: string | undefined): Promise<number> {
  const config = loadConfig({ configFile });
  configureLogging({ level: config.logLevel });
  const log = createLogger({ service: 'wakeward-agent', agent: config.name });
  const agent = new Agent(config, log);
  if (!agent.enrolled) {
    log.error('not enrolled: run `wakeward-agent enroll --code CODE` first, or set WAKEWARD_TOKEN');
    return 3;
  }
  agent.start();
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await agent.stop();
  return 0;
}

/** `npm start`'s simulated fleet: kiosks and two agents per site, loopback only (sim/demo-fleet.ts). */
async function demoFleet(args: ParsedArgs): Promise<number> {
  const apiUrl = stringFlag(args, 'api-url');
  const stateDir = stringFlag(args, 'state-dir');
  if (!apiUrl || !stateDir) throw new UsageError('demo-fleet needs --api-url URL --state-dir DIR');
  const fleet = await runDemoFleet({
    apiUrl,
    stateDir,
    username: process.env.WAKEWARD_DEMO_USER ?? 'ops',
    password: process.env.WAKEWARD_DEMO_PASSWORD ?? 'demo-password',
  });
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await fleet.stop();
  return 0;
}

async function simulateKiosks(args: ParsedArgs): Promise<number> {
  const log = createLogger({ service: 'kiosk-simulator' });
  const kiosksFile = stringFlag(args, 'kiosks');
  const kiosks = kiosksFile
    ? readKioskSpecs(kiosksFile)
    : KioskSimulator.kioskSpecs(numberFlag(args, 'count', 5), stringFlag(args, 'prefix') ?? 'SIM');
  const simulator = new KioskSimulator({
    kiosks,
    udpBasePort: numberFlag(args, 'udp-base-port', 47000),
    vncBasePort: numberFlag(args, 'vnc-base-port', 48000),
    controlPort: numberFlag(args, 'control-port', 46999),
    bootDelayMs: numberFlag(args, 'boot-delay-ms', 3000),
    shutdownDelayMs: numberFlag(args, 'shutdown-delay-ms', 1000),
    initiallyOn: args.flags.has('initially-on'),
  });
  simulator.on('state', (kioskId, power) => log.info('kiosk power', { kioskId, power }));
  simulator.on('packet', (kioskId, accepted) => log.info('magic packet', { kioskId, accepted }));
  await simulator.start();
  const fragment = simulator.agentConfigFragment();
  const outFile = stringFlag(args, 'write-agent-config');
  if (outFile) fs.writeFileSync(outFile, JSON.stringify(fragment, null, 2));
  log.info('kiosk simulator running', {
    controlUrl: simulator.controlUrl,
    kiosks: simulator.states(),
    agentConfig: outFile ?? fragment,
  });
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await simulator.stop();
  return 0;
}

/** `--kiosks FILE`: the API's own kiosk ids and MACs, so commands from a real API match. */
function readKioskSpecs(file: string): Array<{ kioskId: string; mac: string }> {
  const schema = z
    .array(z.object({ kioskId: z.string().min(1), mac: z.string().refine(isValidMac, 'not a valid MAC address') }))
    .min(1);
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`--kiosks ${file}: ${(err as Error).message}`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new UsageError(`--kiosks ${file}: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      if (err instanceof ConfigError || err instanceof UsageError) process.stderr.write(`${err.message}\n`);
      else {
        const code = (err as { code?: unknown }).code;
        process.stderr.write(
          `wakeward-agent: ${typeof code === 'string' ? `${code}: ` : ''}${(err as Error).message}\n`,
        );
      }
      process.exit(err instanceof UsageError ? 2 : 1);
    },
  );
}
