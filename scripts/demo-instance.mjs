// What makes one checkout's `npm start` its own: a database and a Redis key prefix
// named after the checkout's path, a lock file so a second `npm start` in the same
// checkout refuses instead of re-enrolling the first one's simulated agents, and a
// check that the port is free (a second API could not listen, and its simulated
// fleet would enrol against the first one).
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';

/** `wakeward_demo_<hash8>` and `wk_demo_<hash8>:`, the hash being that of the checkout's absolute path. */
export function demoInstanceNames(checkoutPath) {
  const hash = createHash('sha256').update(resolve(checkoutPath)).digest('hex').slice(0, 8);
  return { dbName: `wakeward_demo_${hash}`, redisPrefix: `wk_demo_${hash}:` };
}

const isRunning = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
};

/**
 * Writes this process's pid to `lockPath`, unless a running process already holds it:
 * then returns that process's pid (and writes nothing). A lock left by a process that
 * has exited is taken over. `release` removes it.
 */
export function claimLock(lockPath, pid = process.pid) {
  let holder;
  try {
    holder = Number.parseInt(readFileSync(lockPath, 'utf8'), 10);
  } catch {
    holder = undefined;
  }
  if (holder && holder !== pid && isRunning(holder)) return { heldBy: holder };
  mkdirSync(dirname(lockPath), { recursive: true });
  writeFileSync(lockPath, `${pid}\n`);
  return { release: () => rmSync(lockPath, { force: true }) };
}

/** Whether something already listens on `port` (tried on every interface, as the API binds). */
export function portIsFree(port, host = '0.0.0.0') {
  return new Promise((done) => {
    const probe = createServer();
    probe.once('error', () => done(false));
    probe.listen(port, host, () => probe.close(() => done(true)));
  });
}
