/**
 * Which commands this agent has already started, cancelled or let expire, on disk,
 * so a command delivered twice (or again after a restart) runs at most once.
 * Commands only scheduled are not recorded: after a restart the API delivers them
 * again, because no result was reported.
 */
import fs from 'node:fs';
import path from 'node:path';
import { readJsonIfExists, writeFileAtomic } from '../buffer/atomic-file';
import { afterThisTurn } from './check-phase';

export type LedgerState = 'started' | 'cancelled' | 'expired';

interface LedgerEntry {
  state: LedgerState;
  /** After this instant the API will not deliver the id again, so the entry can go. */
  forgetAfter: number;
}

const KEEP_AFTER_EXPIRY_MS = 24 * 3600_000;
/** A cancel may arrive before its command; keep it long enough to outlive any delivery. */
const KEEP_CANCEL_MS = 3 * 24 * 3600_000;
/** Every this many records the log is rewritten with only the entries still needed. */
const COMPACT_EVERY_RECORDS = 1000;

const ledgerLine = (id: string, entry: LedgerEntry) => JSON.stringify({ id, ...entry }) + '\n';

export interface CommandLedger {
  get(id: string): LedgerState | undefined;
  record(id: string, state: LedgerState, expiresAt?: number): void;
  /** Puts what was recorded on disk (at least in the kernel's hands) before a command runs. */
  flush(): void;
  /** Makes everything recorded durable and releases the file (agent shutdown). */
  close?(): void;
}

export class MemoryCommandLedger implements CommandLedger {
  protected entries = new Map<string, LedgerEntry>();
  get(id: string): LedgerState | undefined {
    return this.entries.get(id)?.state;
  }
  record(id: string, state: LedgerState, expiresAt?: number): void {
    const now = Date.now();
    const forgetAfter = expiresAt !== undefined ? expiresAt + KEEP_AFTER_EXPIRY_MS : now + KEEP_CANCEL_MS;
    const entry = { state, forgetAfter };
    this.entries.set(id, entry);
    this.persist(id, entry);
  }
  protected forgetOld(now = Date.now()): void {
    for (const [key, entry] of this.entries) if (entry.forgetAfter < now) this.entries.delete(key);
  }
  flush(): void {}
  protected persist(_id: string, _entry: LedgerEntry): void {}
}

/**
 * An append-only log (`commands-ledger.jsonl`, one JSON object per line). A command
 * is recorded at the instant it falls due, possibly together with others due at
 * the same instant, so recording must be cheap:
 *   - `record` updates memory only (enough to refuse a second delivery at once) and
 *     queues the line;
 *   - `flush` writes the queued lines with one write() to the file kept open; the
 *     runner calls it before it executes anything, and it also runs by itself
 *     after the current phase of the event loop;
 *   - an fdatasync follows off the event loop.
 * So the line reaches the kernel before the command's first packet or ssh: a crash
 * or kill of the agent never runs a command twice. Only a power cut in the few
 * milliseconds before the fdatasync completes can lose it; the command is then
 * delivered and run again, which for a wake is one more magic packet, and which
 * the command's `expiresAt` bounds for a shutdown.
 */
export class FileCommandLedger extends MemoryCommandLedger {
  private readonly file: string;
  private fd: number;
  /** Recorded, not yet written: turned into lines only when written, off the critical instant. */
  private queued: Array<[string, LedgerEntry]> = [];
  private flushScheduled = false;
  private recordsSinceRewrite = 0;
  private syncing = false;
  private syncScheduled = false;
  private syncAgain = false;

  constructor(stateDir: string) {
    super();
    this.file = path.join(stateDir, 'commands-ledger.jsonl');
    this.load(stateDir);
    this.forgetOld();
    this.fd = this.rewrite();
  }

  /** Writes queued lines to the file (to the kernel; the disk follows by fdatasync). */
  override flush(): void {
    if (!this.queued.length) return;
    if (this.fd < 0) this.fd = fs.openSync(this.file, 'a');
    const text = this.queued.map(([id, entry]) => ledgerLine(id, entry)).join('');
    this.recordsSinceRewrite += this.queued.length;
    this.queued = [];
    fs.writeSync(this.fd, text);
    if (this.recordsSinceRewrite >= COMPACT_EVERY_RECORDS) {
      this.forgetOld();
      fs.closeSync(this.fd);
      this.fd = this.rewrite();
    }
    // Handing the fdatasync to libuv's thread pool costs tens of microseconds:
    // started in the next turn of the event loop, after this turn's packets.
    if (!this.syncScheduled) {
      this.syncScheduled = true;
      afterThisTurn(() => {
        this.syncScheduled = false;
        if (this.fd >= 0) this.syncSoon();
      });
    }
  }

  close(): void {
    this.flush();
    if (this.fd < 0) return;
    fs.fdatasyncSync(this.fd);
    fs.closeSync(this.fd);
    this.fd = -1;
  }

  protected override persist(id: string, entry: LedgerEntry): void {
    this.queued.push([id, entry]);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    afterThisTurn(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private syncSoon(): void {
    if (this.syncing) {
      this.syncAgain = true;
      return;
    }
    this.syncing = true;
    fs.fdatasync(this.fd, () => {
      // An error here means the fd was closed meanwhile (close() synced it itself).
      this.syncing = false;
      if (this.syncAgain && this.fd >= 0) {
        this.syncAgain = false;
        this.syncSoon();
      }
    });
  }

  /** Live entries from the log; a line torn by a power cut (the last one) is skipped. */
  private load(stateDir: string): void {
    // Agents before 0.2 kept the whole ledger as one JSON object.
    const legacyFile = path.join(stateDir, 'commands-ledger.json');
    const legacy = readJsonIfExists<Record<string, LedgerEntry>>(legacyFile);
    if (legacy) for (const [id, entry] of Object.entries(legacy)) this.entries.set(id, entry);
    let text = '';
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        const { id, state, forgetAfter } = JSON.parse(line) as LedgerEntry & { id: string };
        this.entries.set(id, { state, forgetAfter });
      } catch {
        /* torn last line: that command never started */
      }
    }
    if (legacy) {
      fs.closeSync(this.rewrite());
      fs.rmSync(legacyFile, { force: true });
    }
  }

  /** Rewrites the log with the live entries only (atomically) and opens it for appending. */
  private rewrite(): number {
    const text = [...this.entries].map(([id, entry]) => ledgerLine(id, entry)).join('');
    writeFileAtomic(this.file, text);
    this.recordsSinceRewrite = 0;
    return fs.openSync(this.file, 'a');
  }
}
