/**
 * The API in a child process of its own, for benchmarks whose load generator must
 * not share the API's event loop: the compiled API (tsc -b apps/api/tsconfig.testing.json) on a fresh,
 * migrated MySQL database and a Redis key prefix of its own (startTestApi, as the
 * tests), listening on 127.0.0.1; database and keys are removed on stop.
 *
 * One bench script is both ends:
 *
 *   if (isApiChild()) void serveApiChild<Ask>({ start: async (api) => { await seed(api.db); return (ask) => ... } });
 *   else void main();   // in main: const api = await forkApiChild<Ask>(__filename); ... await api.stop();
 *
 * `start` may return a handler for the parent's `api.ask(message)`: what it returns
 * (or throws) is the answer. Messages are ordered; the handler may run concurrently.
 */
import { execSync, fork } from 'node:child_process';
import { join, resolve } from 'node:path';
import type { AppConfig } from '../../apps/api/src/config/config';
import type { TestApi } from '../../apps/api/testing/test-app';

const ROOT = resolve(__dirname, '../..');
/** The compiled API, which the child loads (tsx would not emit NestJS's decorator metadata). */
export const API_DIST = join(ROOT, 'apps/api/dist-testing/apps/api/src');
const CHILD_ARG = 'api-child';

export interface ApiChild<Ask> {
  url: string;
  /** The child's database, for benchmarks that also measure straight SQL. */
  db: AppConfig['db'];
  ask<Answer = unknown>(message: Ask): Promise<Answer>;
  /** Closes the API and removes its database and Redis keys; resolves when the child has exited. */
  stop(): Promise<void>;
}

type ToChild<Ask> = { type: 'ask'; id: number; message: Ask } | { type: 'stop' };
type FromChild =
  | { type: 'ready'; url: string; db: AppConfig['db'] }
  | { type: 'answer'; id: number; value?: unknown; error?: string }
  | { type: 'error'; message: string };

export const isApiChild = (): boolean => process.argv[2] === CHILD_ARG;

/** Builds the API, forks `script` as its API child and waits until it listens. */
export async function forkApiChild<Ask = never>(script: string): Promise<ApiChild<Ask>> {
  console.log('building the API (tsc -b apps/api/tsconfig.testing.json) ...');
  execSync('npx tsc -b apps/api/tsconfig.testing.json', { cwd: ROOT, stdio: 'inherit' });
  const child = fork(script, [CHILD_ARG], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let nextId = 0;
  let stopping = false;
  void exited.then(() => {
    if (stopping) return;
    for (const call of pending.values()) call.reject(new Error(`API child exited (${child.exitCode ?? child.signalCode})`));
  });
  const ready = await new Promise<FromChild & { type: 'ready' }>((resolveReady, reject) => {
    child.on('message', (m: FromChild) => {
      if (m.type === 'ready') resolveReady(m);
      else if (m.type === 'error') reject(new Error(`API child: ${m.message}`));
      else {
        const call = pending.get(m.id)!;
        pending.delete(m.id);
        if (m.error === undefined) call.resolve(m.value);
        else call.reject(new Error(m.error));
      }
    });
    void exited.then(() => reject(new Error(`API child exited (${child.exitCode ?? child.signalCode})`)));
  });
  const send = (m: ToChild<Ask>) => child.send(m);
  return {
    url: ready.url,
    db: ready.db,
    ask<Answer>(message: Ask) {
      const id = nextId++;
      return new Promise<Answer>((resolveAsk, reject) => {
        pending.set(id, { resolve: resolveAsk as (value: unknown) => void, reject });
        send({ type: 'ask', id, message });
      });
    },
    async stop() {
      stopping = true;
      if (child.exitCode === null && child.signalCode === null) send({ type: 'stop' });
      await exited;
    },
  };
}

/** The child's side: starts the API, runs `start` (seeding), answers `ask`s, cleans up on stop. */
export async function serveApiChild<Ask = never>(options: {
  /** Settings over the tests' (see testConfig), e.g. { TELEMETRY_DELETE_PAUSE_MS: '0' }. */
  overrides?: Record<string, string>;
  start?(api: TestApi): Promise<((message: Ask) => unknown) | void>;
}): Promise<void> {
  const send = (m: FromChild) => process.send!(m);
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { startTestApi } = require(join(API_DIST, '../testing/test-app.js')) as typeof import('../../apps/api/testing/test-app');
    const api = await startTestApi(options.overrides);
    const answer = (await options.start?.(api)) as ((message: Ask) => unknown) | undefined;
    process.on('message', async (m: ToChild<Ask>) => {
      if (m.type === 'stop') {
        await api.close();
        process.exit(0);
      }
      try {
        send({ type: 'answer', id: m.id, value: await answer?.(m.message) });
      } catch (err) {
        send({ type: 'answer', id: m.id, error: (err as Error).stack ?? String(err) });
      }
    });
    send({ type: 'ready', url: api.url, db: api.config.db });
  } catch (err) {
    send({ type: 'error', message: (err as Error).stack ?? String(err) });
    process.exit(1);
  }
}
