/**
 * An append-only, fsynced queue on disk for what must survive a power cut or
 * SIGKILL: environment readings, command results, offline actions. `append`
 * returns only after the record is on disk, so "accepted" means "will be sent".
 *
 * Files, per queue name:
 *   <name>.log        one JSON line per record: {"seq":N,"v":...}
 *   <name>.meta.json  {floorSeq, lastSeq, dropped}; records with seq <= floorSeq are
 *                     done (acknowledged by the API or dropped past the bound).
 * `seq` only grows, across restarts too: the API de-duplicates readings by (agent, seq).
 * The log is rewritten without done records once they outnumber the live ones.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fsyncDirectory, readJsonIfExists, writeFileAtomic, writeJsonAtomic } from './atomic-file';

interface QueueMeta {
  floorSeq: number;
  lastSeq: number;
  dropped: number;
}

export interface QueuedRecord<T> {
  seq: number;
  value: T;
}

export interface DurableQueueOptions {
  /** Most records kept pending; past it the oldest are dropped and counted. */
  maxPending: number;
  /** Rewrite the log once this many done records sit in it (and they outnumber live ones). */
  compactAfter?: number;
  onDrop?: (count: number, totalDropped: number) => void;
}

export class DurableQueue<T> {
  private readonly logFile: string;
  private readonly metaFile: string;
  private fd: number;
  private meta: QueueMeta;
  private pending: Array<QueuedRecord<T>> = [];
  private deadLines = 0;

  private constructor(
    dir: string,
    readonly name: string,
    private readonly options: DurableQueueOptions,
  ) {
    const madeDir = fs.mkdirSync(dir, { recursive: true });
    this.logFile = path.join(dir, `${name}.log`);
    this.metaFile = path.join(dir, `${name}.meta.json`);
    this.meta = readJsonIfExists<QueueMeta>(this.metaFile) ?? { floorSeq: 0, lastSeq: 0, dropped: 0 };
    this.load();
    const newLog = !fs.existsSync(this.logFile);
    this.fd = fs.openSync(this.logFile, 'a');
    // fdatasync makes a record durable, not the file's name: without these, a power
    // cut could take a new log (or its directory) away with every record synced in it.
    if (madeDir !== undefined) fsyncNewDirectories(madeDir, dir);
    if (newLog) fsyncDirectory(dir);
    this.enforceBound();
  }

  static open<T>(dir: string, name: string, options: DurableQueueOptions): DurableQueue<T> {
    return new DurableQueue<T>(dir, name, options);
  }

  /** Appends durably and returns the record's seq. */
  append(value: T): number {
    const seq = this.meta.lastSeq + 1;
    const line = Buffer.from(JSON.stringify({ seq, v: value }) + '\n');
    fs.writeSync(this.fd, line);
    fs.fdatasyncSync(this.fd);
    this.meta.lastSeq = seq;
    this.pending.push({ seq, value });
    this.enforceBound();
    return seq;
  }

  /** Oldest pending records first. */
  peek(limit = Infinity): Array<QueuedRecord<T>> {
    return this.pending.slice(0, limit);
  }

  /** Marks every record up to and including `seq` as done. */
  ack(seq: number): void {
    if (seq <= this.meta.floorSeq) return;
    let n = 0;
    while (n < this.pending.length && this.pending[n]!.seq <= seq) n++;
    this.pending.splice(0, n);
    this.deadLines += n;
    this.meta.floorSeq = Math.min(seq, this.meta.lastSeq);
    this.writeMeta();
    this.maybeCompact();
  }

  get size(): number {
    return this.pending.length;
  }

  get dropped(): number {
    return this.meta.dropped;
  }

  get lastSeq(): number {
    return this.meta.lastSeq;
  }

  close(): void {
    fs.closeSync(this.fd);
  }

  private load(): void {
    let text = '';
    try {
      text = fs.readFileSync(this.logFile, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    // A write torn by a power cut leaves a last line without its newline; it was
    // never acknowledged to anyone, so cut it off before appending after it.
    const complete = text.lastIndexOf('\n') + 1;
    if (complete < text.length) {
      fs.truncateSync(this.logFile, Buffer.byteLength(text.slice(0, complete)));
      text = text.slice(0, complete);
    }
    for (const line of text.split('\n')) {
      if (line === '') continue;
      let record: { seq: number; v: T };
      try {
        record = JSON.parse(line) as { seq: number; v: T };
      } catch {
        this.deadLines++;
        continue;
      }
      this.meta.lastSeq = Math.max(this.meta.lastSeq, record.seq);
      if (record.seq <= this.meta.floorSeq) this.deadLines++;
      else this.pending.push({ seq: record.seq, value: record.v });
    }
    this.pending.sort((a, b) => a.seq - b.seq);
  }

  private enforceBound(): void {
    const excess = this.pending.length - this.options.maxPending;
    if (excess <= 0) return;
    const removed = this.pending.splice(0, excess);
    this.deadLines += removed.length;
    this.meta.floorSeq = removed[removed.length - 1]!.seq;
    this.meta.dropped += removed.length;
    this.writeMeta();
    this.options.onDrop?.(removed.length, this.meta.dropped);
    this.maybeCompact();
  }

  private writeMeta(): void {
    writeJsonAtomic(this.metaFile, this.meta);
  }

  private maybeCompact(): void {
    if (this.deadLines < (this.options.compactAfter ?? 1000) || this.deadLines < this.pending.length) return;
    // Meta first: it holds lastSeq, which must survive the records that carried it.
    this.writeMeta();
    const body = this.pending.map((r) => JSON.stringify({ seq: r.seq, v: r.value }) + '\n').join('');
    fs.closeSync(this.fd);
    writeFileAtomic(this.logFile, body);
    fsyncDirectory(path.dirname(this.logFile));
    this.fd = fs.openSync(this.logFile, 'a');
    this.deadLines = 0;
  }
}

/** Fsyncs the parent of each directory `mkdir -p` made, from `first` down to `last`. */
function fsyncNewDirectories(first: string, last: string): void {
  for (let made = path.resolve(last); ; made = path.dirname(made)) {
    fsyncDirectory(path.dirname(made));
    if (made === path.resolve(first) || made === path.dirname(made)) return;
  }
}
