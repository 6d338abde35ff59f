import { closeSync, openSync, utimesSync } from 'node:fs';

/**
 * A worker has no HTTP for an orchestrator to probe: instead it touches a file while its
 * event loop turns (WORKER_ALIVE_FILE), and a liveness check looks at the file's age
 * (deploy/kubernetes/worker-deployment.yaml, docker-compose.yml). Nothing here depends
 * on MySQL or Redis: an outage of either must not get workers restarted.
 * The first touch throws (a path that cannot be written stops the start); later ones
 * that fail are left to the probe to notice. Returns a function that stops it.
 */
export function keepAliveFile(path: string, everyMs = 10_000): () => void {
  touch(path);
  const timer = setInterval(() => {
    try {
      touch(path);
    } catch {
      /* the file ages, and the liveness check says so */
    }
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

function touch(path: string): void {
  const now = new Date();
  try {
    utimesSync(path, now, now);
  } catch {
    closeSync(openSync(path, 'a'));
  }
}
