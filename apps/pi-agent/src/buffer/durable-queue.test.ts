import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DurableQueue } from './durable-queue';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'wakeward-buffer-'));

describe('DurableQueue', () => {
  it('keeps order and seq across reopen, and seq never goes back after acks and compaction', () => {
    const dir = tmp();
    let q = DurableQueue.open<{ t: number }>(dir, 'readings', { maxPending: 100, compactAfter: 3 });
    for (let i = 1; i <= 5; i++) expect(q.append({ t: i })).toBe(i);
    q.ack(5); // everything sent: compaction leaves an empty log
    q.close();
    q = DurableQueue.open(dir, 'readings', { maxPending: 100, compactAfter: 3 });
    expect(q.size).toBe(0);
    expect(q.append({ t: 6 })).toBe(6);
    expect(q.append({ t: 7 })).toBe(7);
    q.ack(6);
    q.close();
    q = DurableQueue.open(dir, 'readings', { maxPending: 100 });
    expect(q.peek()).toEqual([{ seq: 7, value: { t: 7 } }]);
    q.close();
  });

  it('drops the oldest past the bound and counts them, across restarts', () => {
    const dir = tmp();
    const drops: number[] = [];
    let q = DurableQueue.open<number>(dir, 'readings', { maxPending: 10, onDrop: (n) => drops.push(n) });
    for (let i = 1; i <= 25; i++) q.append(i);
    expect(q.size).toBe(10);
    expect(q.dropped).toBe(15);
    expect(q.peek(1)[0]).toEqual({ seq: 16, value: 16 });
    q.close();
    q = DurableQueue.open<number>(dir, 'readings', { maxPending: 10 });
    expect(q.size).toBe(10);
    expect(q.dropped).toBe(15);
    expect(q.peek().map((r) => r.seq)).toEqual([16, 17, 18, 19, 20, 21, 22, 23, 24, 25]);
    // A smaller bound after an upgrade applies at once.
    q.close();
    q = DurableQueue.open<number>(dir, 'readings', { maxPending: 4 });
    expect(q.peek().map((r) => r.seq)).toEqual([22, 23, 24, 25]);
    expect(q.dropped).toBe(21);
    q.close();
  });

  it('holds a week of readings at one per 30 s within the default bound', () => {
    const dir = tmp();
    const q = DurableQueue.open<{ at: string; temperatureC: number }>(dir, 'readings', { maxPending: 50_000 });
    const week = 7 * 24 * 120;
    for (let i = 0; i < week; i++) q.append({ at: new Date(i * 30_000).toISOString(), temperatureC: 24 });
    expect(q.size).toBe(20_160);
    expect(q.dropped).toBe(0);
    q.close();
  }, 120_000);

  it('ignores a torn last line (power cut mid-write) and appends cleanly after it', () => {
    const dir = tmp();
    let q = DurableQueue.open<string>(dir, 'outbox', { maxPending: 100 });
    q.append('a');
    q.append('b');
    q.close();
    fs.appendFileSync(path.join(dir, 'outbox.log'), '{"seq":3,"v":"hal');
    q = DurableQueue.open<string>(dir, 'outbox', { maxPending: 100 });
    expect(q.peek().map((r) => r.value)).toEqual(['a', 'b']);
    expect(q.append('c')).toBe(3);
    q.close();
    q = DurableQueue.open<string>(dir, 'outbox', { maxPending: 100 });
    expect(q.peek().map((r) => r.value)).toEqual(['a', 'b', 'c']);
    q.close();
  });

  it('loses nothing it accepted when the writing process is killed with SIGKILL', async () => {
    const dir = tmp();
    const script = path.join(dir, 'writer.ts');
    const queueModule = path.resolve(__dirname, 'durable-queue.ts');
    fs.writeFileSync(
      script,
      `import { DurableQueue } from ${JSON.stringify(queueModule)};\n` +
        `const q = DurableQueue.open<{ n: number }>(${JSON.stringify(dir)}, 'readings', { maxPending: 1_000_000, compactAfter: 50 });\n` +
        `let n = 0;\n` +
        `setInterval(() => { for (let i = 0; i < 20; i++) { const seq = q.append({ n: ++n }); process.stdout.write('accepted ' + seq + '\\n'); if (n % 7 === 0) q.ack(seq - 3); } }, 1);\n`,
    );
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: path.resolve(__dirname, '../..'),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let accepted = 0;
    let output = '';
    await new Promise<void>((resolve, reject) => {
      child.once('error', reject);
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const lines = output.split('\n');
        output = lines.pop()!;
        for (const line of lines) if (line.startsWith('accepted ')) accepted = Number(line.slice(9));
        if (accepted >= 2000) {
          child.kill('SIGKILL');
          resolve();
        }
      });
    });
    await new Promise((r) => child.once('exit', r));
    expect(child.signalCode).toBe('SIGKILL');

    const q = DurableQueue.open<{ n: number }>(dir, 'readings', { maxPending: 1_000_000 });
    const pending = q.peek();
    // Acks only ever covered seq - 3 of the latest append, so everything after the
    // last ack is still pending, in order, with no gap and nothing torn.
    expect(q.lastSeq).toBeGreaterThanOrEqual(accepted);
    const seqs = pending.map((r) => r.seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => seqs[0]! + i));
    expect(seqs[seqs.length - 1]).toBe(q.lastSeq);
    expect(seqs.length).toBeGreaterThanOrEqual(3); // the last three were never acknowledged
    for (const r of pending) expect(r.value.n).toBe(r.seq);
    // A new append continues the sequence instead of reusing a number.
    expect(q.append({ n: -1 })).toBe(q.lastSeq);
    expect(q.lastSeq).toBe(seqs[seqs.length - 1]! + 1);
    q.close();
  });
});
