import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { claimLock, demoInstanceNames, portIsFree } from './demo-instance.mjs';

describe('demoInstanceNames', () => {
  it('gives each checkout its own database and Redis prefix, stable across runs', () => {
    const a = demoInstanceNames('/home/ana/wakeward');
    expect(a.dbName).toMatch(/^wakeward_demo_[0-9a-f]{8}$/);
    expect(a.redisPrefix).toBe(`wk_demo_${a.dbName.slice(-8)}:`);
    expect(demoInstanceNames('/home/ana/wakeward/')).toEqual(a);
    expect(demoInstanceNames('/home/ana/wakeward-2').dbName).not.toBe(a.dbName);
  });
});

describe('claimLock', () => {
  let dir;
  afterEach(() => dir && rmSync(dir, { recursive: true, force: true }));

  it('refuses while a running process holds the lock, and takes over one left by an exited process', () => {
    dir = mkdtempSync(join(tmpdir(), 'wk-lock-'));
    const lock = join(dir, 'sub', 'demo.lock');
    const first = claimLock(lock, process.pid);
    expect(first.release).toBeTypeOf('function');
    expect(claimLock(lock, process.pid + 1)).toEqual({ heldBy: process.pid });
    first.release();
    expect(claimLock(lock, 4242).release).toBeTypeOf('function');

    writeFileSync(lock, '2147483646\n'); // no such process
    expect(claimLock(lock, process.pid).release).toBeTypeOf('function');
  });
});

describe('portIsFree', () => {
  it('tells a port in use from a free one', async () => {
    const server = createServer();
    await new Promise((done) => server.listen(0, '127.0.0.1', done));
    const { port } = server.address();
    expect(await portIsFree(port, '127.0.0.1')).toBe(false);
    await new Promise((done) => server.close(done));
    expect(await portIsFree(port, '127.0.0.1')).toBe(true);
  });
});
