/**
 * No leaked children: shutdown methods run as real process trees (a leader and
 * grandchildren sharing its stderr, as ssh and net rpc helpers do), and every
 * process of a tree is gone when the method ends, times out or the agent stops.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentConfigSchema } from '../config';
import { hangingTreeScript, processesWithMarker, waitFor } from '../../testing/processes';
import { memoryLogger } from '../../testing/silent-log';
import { createShutdownKiosks } from './shutdown';

const tree = hangingTreeScript();
const markers: string[] = [];
function newMarker(): string {
  const marker = `wakeward-tree-${randomUUID()}`;
  markers.push(marker);
  return marker;
}

afterEach(() => {
  // Never leave a tree behind for the next test, whatever happened.
  for (const pid of markers.flatMap(processesWithMarker)) process.kill(pid, 'SIGKILL');
  markers.length = 0;
});

const shutdownRunning = (argv: string[], timeoutMs: number) =>
  createShutdownKiosks(
    AgentConfigSchema.parse({
      apiUrl: 'http://127.0.0.1:1',
      subnets: ['10.1.2.0/24'],
      shutdown: { methods: { tree: { kind: 'exec', argv, timeoutMs } } },
    }),
    memoryLogger(),
    () => [],
  );

describe('shutdown methods as process groups (real processes)', () => {
  it('a method that hangs with its children is killed whole at its timeout, and the call returns', async () => {
    const marker = newMarker();
    const shutdown = shutdownRunning([process.execPath, tree, marker], 1500);
    const started = Date.now();
    const pending = shutdown([{ kioskId: 'k1', shutdown: { method: 'tree' } }]);
    await waitFor(() => processesWithMarker(marker).length === 3, 10_000, 'the leader and its two children');
    const [outcome] = await Promise.race([
      pending,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('still pending 8 s after start')), 8000)),
    ]);
    expect(outcome!.error).toMatch(/^SHUTDOWN_TIMEOUT/);
    expect(Date.now() - started).toBeLessThan(8000);
    await waitFor(() => processesWithMarker(marker).length === 0, 2000, 'no process of the tree left');
  });

  it('what a method leaves behind when it exits is killed with it', async () => {
    const marker = newMarker();
    const shutdown = shutdownRunning([process.execPath, tree, marker, '--leave'], 10_000);
    const [outcome] = await shutdown([{ kioskId: 'k1', shutdown: { method: 'tree' } }]);
    expect(outcome).toEqual({ kioskId: 'k1', ok: true, error: null });
    await waitFor(() => processesWithMarker(marker).length === 0, 2000, 'no process of the tree left');
  });

  it('a program that does not exist fails the kiosk with SHUTDOWN_FAILED and leaves nothing running', async () => {
    const shutdown = shutdownRunning(['/nonexistent/net', 'rpc'], 1000);
    const [outcome] = await shutdown([{ kioskId: 'k1', shutdown: { method: 'tree' } }]);
    expect(outcome!.error).toMatch(/^SHUTDOWN_FAILED: \/nonexistent\/net failed \(ENOENT\)/);
    await shutdown.endAll();
  });
});
