/**
 * Which commands this agent has already started, cancelled or let expire, on disk,
 * so a command delivered twice (or again after a restart) runs at most once.
 * Commands only scheduled are not recorded: after a restart the API delivers them
 * again, because no result was reported.
 */
import path from 'node:path';
import { readJsonIfExists, writeJsonAtomic } from '../buffer/atomic-file';

export type LedgerState = 'started' | 'cancelled' | 'expired';

interface LedgerEntry {
  state: LedgerState;
  /** After this instant the API will not deliver the id again, so the entry can go. */
  forgetAfter: number;
}

const KEEP_AFTER_EXPIRY_MS = 24 * 3600_000;
/** A cancel may arrive before its command; keep it long enough to outlive any delivery. */
const KEEP_CANCEL_MS = 3 * 24 * 3600_000;

export interface CommandLedger {
  get(id: string): LedgerState | undefined;
  record(id: string, state: LedgerState, expiresAt?: number): void;
}

export class MemoryCommandLedger implements CommandLedger {
  protected entries = new Map<string, LedgerEntry>();
  get(id: string): LedgerState | undefined {
    return this.entries.get(id)?.state;
  }
  record(id: string, state: LedgerState, expiresAt?: number): void {
    const now = Date.now();
    const forgetAfter = expiresAt !== undefined ? expiresAt + KEEP_AFTER_EXPIRY_MS : now + KEEP_CANCEL_MS;
    this.entries.set(id, { state, forgetAfter });
    for (const [key, entry] of this.entries) if (entry.forgetAfter < now) this.entries.delete(key);
    this.persist();
  }
  protected persist(): void {}
}

export class FileCommandLedger extends MemoryCommandLedger {
  private readonly file: string;
  constructor(stateDir: string) {
    super();
    this.file = path.join(stateDir, 'commands-ledger.json');
    const stored = readJsonIfExists<Record<string, LedgerEntry>>(this.file) ?? {};
    this.entries = new Map(Object.entries(stored));
  }
  protected override persist(): void {
    writeJsonAtomic(this.file, Object.fromEntries(this.entries));
  }
}
