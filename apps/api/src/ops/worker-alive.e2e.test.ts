import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Redis from 'ioredis';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { AppConfig } from '../config/config';
import { dropDatabase } from '../database/data-source';
import { ServiceProcess, startServiceProcess } from '../../testing/service-processes';
import { deleteKeys, migratedDatabase, testConfig } from '../../testing/test-app';
import { until } from '../../testing/wait';

/**
 * A worker has no HTTP: its liveness check (deploy/kubernetes/worker-deployment.yaml,
 * docker-compose.yml) is the age of the file it touches (WORKER_ALIVE_FILE). Run here
 * against the real compiled worker: the check passes while it runs and fails once its
 * event loop stops (SIGSTOP, a hung process).
 */
const manifest = parse(readFileSync(fileURLToPath(new URL('../../../../deploy/kubernetes/worker-deployment.yaml', import.meta.url)), 'utf8'));
const container = manifest.spec.template.spec.containers[0];
const manifestPath: string = container.env.find((e: { name: string }) => e.name === 'WORKER_ALIVE_FILE').value;
const probeCommand: string[] = container.livenessProbe.exec.command;

describe('the worker liveness check (WORKER_ALIVE_FILE)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wk-alive-'));
  const aliveFile = join(dir, 'worker-alive');
  let config: AppConfig;
  let db: DataSource;
  let worker: ServiceProcess;

  /** The manifest's own probe command, pointed at this test's file: true when it passes. */
  const probePasses = () => {
    try {
      execFileSync(probeCommand[0], probeCommand.slice(1).map((arg) => arg.replaceAll(manifestPath, aliveFile)), { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  };
  const makeOld = () => {
    const fiveMinutesAgo = new Date(Date.now() - 5 * 60_000);
    utimesSync(aliveFile, fiveMinutesAgo, fiveMinutesAgo);
  };

  beforeAll(async () => {
    config = testConfig();
    db = await migratedDatabase(config);
    worker = await startServiceProcess(config, { ROLE: 'worker', WORKER_ALIVE_FILE: aliveFile });
  });

  afterAll(async () => {
    await worker?.kill('SIGKILL');
    await db?.destroy();
    await dropDatabase(config.db);
    const redis = new Redis(config.redis.url);
    await deleteKeys(redis, config.redis.prefix);
    redis.disconnect();
    rmSync(dir, { recursive: true, force: true });
  });

  it('passes while the worker runs: the file is touched again within seconds of ageing', async () => {
    expect(existsSync(aliveFile)).toBe(true);
    expect(probePasses()).toBe(true);
    makeOld();
    expect(probePasses()).toBe(false);
    await until(async () => probePasses(), 15_000, 250);
    expect(Date.now() - statSync(aliveFile).mtimeMs).toBeLessThan(15_000);
  });

  it('fails when the worker hangs', async () => {
    worker.child.kill('SIGSTOP');
    try {
      makeOld();
      // Longer than the 10 s between touches: a running worker would have touched it.
      await new Promise((resolve) => setTimeout(resolve, 12_000));
      expect(probePasses()).toBe(false);
    } finally {
      worker.child.kill('SIGCONT');
    }
    await until(async () => probePasses(), 15_000, 250);
  });
});
