/**
 * Reads an `strace -f -yy` trace of the agent and checks what a power cut needs:
 * nothing the agent wrote to its state leaves the machine before it is on disk.
 *
 *   appends  every write to a durable log (`logs`) is followed by fsync/fdatasync of
 *            that file before the next network send;
 *   replaces every rename onto a state file is preceded by an fsync of the renamed
 *            file (after its last write) and followed by an fsync of its directory
 *            before the next network send;
 *   names    every file or directory created under the state directory has its
 *            parent directory fsynced before the first network send that follows
 *            the first write to it (or below it): fdatasync makes a file's data
 *            durable, not its name.
 * A sync counts when it returns; a send when it starts (strace's unfinished and
 * resumed halves are joined).
 */
import path from 'node:path';

export interface TracedCall {
  pid: number;
  name: string;
  args: string;
  result: string;
  /** Index of the line the call started on, and the one it returned on. */
  start: number;
  end: number;
}

// `strace -f -o FILE` starts each line with the pid; on a terminal it is `[pid N]`.
const LINE = /^(?:\[pid\s+(\d+)\]\s+|(\d+)\s+)?(?:(\w+)\((.*)|<\.\.\. (\w+) resumed>(.*))$/;
/** Where a call's arguments end and its result begins: `) = 0`, padded by strace. */
function splitResult(rest: string): { args: string; result: string } {
  const m = /\)\s+=\s+(\S.*)$/.exec(rest);
  return m ? { args: rest.slice(0, m.index), result: m[1]! } : { args: rest, result: '' };
}

export function parseTrace(text: string): TracedCall[] {
  const calls: TracedCall[] = [];
  const open = new Map<string, TracedCall>();
  text.split('\n').forEach((raw, index) => {
    const m = LINE.exec(raw.trim());
    if (!m) return;
    const pid = Number(m[1] ?? m[2] ?? 0);
    if (m[3]) {
      const rest = m[4]!;
      if (rest.endsWith('<unfinished ...>')) {
        const args = rest.slice(0, -'<unfinished ...>'.length).trimEnd();
        const call = { pid, name: m[3], args, result: '', start: index, end: -1 };
        open.set(`${pid}:${m[3]}`, call);
        calls.push(call);
        return;
      }
      calls.push({ pid, name: m[3], ...splitResult(rest), start: index, end: index });
      return;
    }
    const call = open.get(`${pid}:${m[5]}`);
    if (!call) return;
    open.delete(`${pid}:${m[5]}`);
    const { args, result } = splitResult(m[6]!);
    call.args += args;
    call.result = result;
    call.end = index;
  });
  return calls.filter((c) => c.end >= 0 && !c.result.startsWith('-1'));
}

/** The path strace -y prints for the first fd argument: `21</var/lib/x/readings.log>`. */
function fdPath(args: string): string | undefined {
  return /^\d+<([^>]*)>/.exec(args)?.[1];
}

/** Quoted path arguments, in order (`"a", "b"` of rename, or of openat after AT_FDCWD). */
function quotedPaths(args: string): string[] {
  return [...args.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!);
}

const WRITES = new Set(['write', 'pwrite64', 'writev', 'pwritev', 'pwritev2']);
const SYNCS = new Set(['fsync', 'fdatasync']);
const SENDS = new Set(['write', 'writev', 'sendto', 'sendmsg', 'sendmmsg']);

function isNetworkSend(call: TracedCall): boolean {
  if (!SENDS.has(call.name)) return false;
  // -yy prints a socket as `5<TCP:[127.0.0.1:40000->127.0.0.1:3000]>`.
  return /^\d+<(TCP|TCPv6|UDP|UDPv6):/.test(call.args);
}

export interface TraceReport {
  violations: string[];
  counts: { appends: number; replaces: number; created: number; sends: number };
}

export function checkSyncBeforeSend(
  calls: TracedCall[],
  options: { stateDir: string; logs: (file: string) => boolean },
): TraceReport {
  const violations: string[] = [];
  const inState = (p: string | undefined): p is string =>
    p !== undefined && (p === options.stateDir || p.startsWith(options.stateDir + path.sep));
  const sends = calls.filter(isNetworkSend).map((c) => c.start);
  const nextSendAfter = (index: number) => sends.find((s) => s > index) ?? Infinity;
  const syncs = calls.filter((c) => SYNCS.has(c.name));
  const syncedBetween = (file: string, from: number, to: number) =>
    syncs.some((s) => fdPath(s.args) === file && s.start > from && s.end < to);

  let appends = 0;
  for (const w of calls.filter((c) => WRITES.has(c.name))) {
    const file = fdPath(w.args);
    if (!inState(file) || !options.logs(file)) continue;
    appends++;
    const send = nextSendAfter(w.end);
    if (!syncedBetween(file, w.end, send))
      violations.push(`append to ${file} (line ${w.start + 1}) not synced before the send on line ${send + 1}`);
  }

  const renames = calls.filter((c) => c.name.startsWith('rename'));
  for (const r of renames) {
    const [from, to] = quotedPaths(r.args);
    if (!inState(to) || !from) continue;
    const lastWrite = calls.filter((c) => WRITES.has(c.name) && fdPath(c.args) === from && c.end < r.start).at(-1);
    if (!syncedBetween(from, lastWrite?.end ?? -1, r.start))
      violations.push(`rename ${from} -> ${to} (line ${r.start + 1}) without an fsync of the new file first`);
    const send = nextSendAfter(r.end);
    if (!syncedBetween(path.dirname(to), r.end, send))
      violations.push(
        `rename onto ${to} (line ${r.start + 1}): its directory not fsynced before the send on line ${send + 1}`,
      );
  }

  // Names made in the state directory: files first opened with O_CREAT, and mkdirs.
  const created = new Map<string, number>();
  for (const c of calls) {
    if (c.name === 'openat' && c.args.includes('O_CREAT')) {
      const p = quotedPaths(c.args)[0];
      if (inState(p) && !p.endsWith('.tmp') && !created.has(p)) created.set(p, c.end);
    } else if (c.name === 'mkdir' || c.name === 'mkdirat') {
      const p = quotedPaths(c.args)[0];
      if (inState(p) && !created.has(p)) created.set(p, c.end);
    }
  }
  // A name that a rename replaced later is covered by the rename's directory fsync.
  const renamedOnto = new Map(renames.map((r) => [quotedPaths(r.args)[1], r.end] as const));
  for (const [name, at] of created) {
    const firstWrite = calls.find(
      (c) =>
        WRITES.has(c.name) && c.start > at && (fdPath(c.args) === name || fdPath(c.args)?.startsWith(name + path.sep)),
    );
    if (!firstWrite) continue;
    const send = nextSendAfter(firstWrite.end);
    const renamed = renamedOnto.get(name);
    if (renamed !== undefined && renamed < send) continue;
    if (!syncedBetween(path.dirname(name), at, send))
      violations.push(
        `${name} created (line ${at + 1}) but ${path.dirname(name)} not fsynced before the send on line ${send + 1}`,
      );
  }

  return { violations, counts: { appends, replaces: renames.length, created: created.size, sends: sends.length } };
}
