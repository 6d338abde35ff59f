import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileCommandLedger } from './command-ledger';

let dir: string;
const logFile = () => path.join(dir, 'commands-ledger.jsonl');
const lines = () => fs.readFileSync(logFile(), 'utf8').split('\n').filter(Boolean);
const nextTurn = () => new Promise((r) => setImmediate(r));
const HOUR = 3600_000;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('FileCommandLedger', () => {
  it('knows a record at once and has it on disk after flush, for the next start', () => {
    const ledger = new FileCommandLedger(dir);
    ledger.record('cmd_a', 'started', Date.now() + HOUR);
    expect(ledger.get('cmd_a')).toBe('started');
    expect(lines()).toEqual([]);
    ledger.flush();
    expect(lines()).toHaveLength(1);
    expect(new FileCommandLedger(dir).get('cmd_a')).toBe('started');
    ledger.close();
  });

  it('writes queued records by itself after the current phase of the event loop', async () => {
    const ledger = new FileCommandLedger(dir);
    ledger.record('cmd_a', 'started', Date.now() + HOUR);
    ledger.record('cmd_b', 'cancelled');
    await nextTurn();
    expect(lines().map((l) => JSON.parse(l).id)).toEqual(['cmd_a', 'cmd_b']);
    ledger.close();
  });

  it('keeps the last state of an id and skips a line torn by a power cut', () => {
    const ledger = new FileCommandLedger(dir);
    ledger.record('cmd_a', 'cancelled');
    ledger.record('cmd_a', 'started', Date.now() + HOUR);
    ledger.close();
    fs.appendFileSync(logFile(), '{"id":"cmd_b","sta');
    const reopened = new FileCommandLedger(dir);
    expect(reopened.get('cmd_a')).toBe('started');
    expect(reopened.get('cmd_b')).toBeUndefined();
    reopened.close();
  });

  it('takes over the whole-file ledger of earlier agent versions', () => {
    const legacy = path.join(dir, 'commands-ledger.json');
    fs.writeFileSync(legacy, JSON.stringify({ cmd_old: { state: 'started', forgetAfter: Date.now() + HOUR } }));
    const ledger = new FileCommandLedger(dir);
    expect(ledger.get('cmd_old')).toBe('started');
    expect(fs.existsSync(legacy)).toBe(false);
    ledger.close();
    expect(new FileCommandLedger(dir).get('cmd_old')).toBe('started');
  });

  it('forgets entries past their time when it starts and when it rewrites the log', () => {
    const ledger = new FileCommandLedger(dir);
    const longAgo = Date.now() - 30 * 24 * HOUR;
    ledger.record('cmd_expired', 'started', longAgo);
    ledger.record('cmd_live', 'started', Date.now() + HOUR);
    ledger.close();
    const reopened = new FileCommandLedger(dir);
    expect(reopened.get('cmd_expired')).toBeUndefined();
    expect(reopened.get('cmd_live')).toBe('started');
    expect(lines()).toHaveLength(1);
    // A long-running agent: the log is rewritten every thousand records, without the old ones.
    for (let i = 0; i < 1000; i++) reopened.record(`cmd_${i}`, 'started', longAgo);
    reopened.flush();
    expect(lines()).toHaveLength(1);
    expect(reopened.get('cmd_live')).toBe('started');
    reopened.record('cmd_after', 'started', Date.now() + HOUR);
    reopened.close();
    expect(lines().map((l) => JSON.parse(l).id)).toEqual(['cmd_live', 'cmd_after']);
  });
});
