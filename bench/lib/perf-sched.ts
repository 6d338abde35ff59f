/**
 * Who had the cores around an instant: `perf record -e sched:sched_switch` over the
 * whole machine, read back with `perf script`. Needs perf and the right to trace
 * every CPU (root, or kernel.perf_event_paranoid <= -1); a bench asks for it, and
 * says why it got nothing.
 *
 * Times are CLOCK_MONOTONIC in ms (`perf record -k CLOCK_MONOTONIC`), the clock of
 * process.hrtime, so they line up with a bench's own stamps without conversion.
 */
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';

export interface SchedSwitch {
  cpu: number;
  /** CLOCK_MONOTONIC, ms. */
  at: number;
  prev: { comm: string; tid: number; prio: number; state: string };
  next: { comm: string; tid: number; prio: number };
  /** The kernel and user frames of the thread switched out, innermost first. */
  stack: string[];
}

export interface SchedRecording {
  /** Resolves when perf has written the file. */
  done: Promise<void>;
}

/** Starts recording every context switch on the machine for `seconds`, with call chains. */
export function recordSchedSwitches(file: string, seconds: number): SchedRecording {
  const perf = spawn(
    'perf',
    [
      'record',
      '-q',
      '-e',
      'sched:sched_switch',
      '-g',
      '-k',
      'CLOCK_MONOTONIC',
      '-a',
      '-o',
      file,
      '--',
      'sleep',
      String(seconds),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  perf.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<void>((resolve, reject) => {
    perf.on('error', (err) => reject(new Error(`perf record: ${err.message}`)));
    perf.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`perf record exited with ${code}: ${stderr.trim().slice(0, 300)}`)),
    );
  });
  return { done };
}

const HEADER =
  /^\s*\[(\d+)\]\s+(\d+\.\d+):\s+prev_comm=(.*?) prev_pid=(\d+) prev_prio=(\d+) prev_state=(\S+) ==> next_comm=(.*?) next_pid=(\d+) next_prio=(\d+)/;

export async function readSchedSwitches(file: string): Promise<SchedSwitch[]> {
  const { stdout } = await promisify(execFile)('perf', ['script', '-i', file, '-F', 'cpu,time,trace,ip,sym'], {
    maxBuffer: 1 << 30,
  });
  const events: SchedSwitch[] = [];
  let current: SchedSwitch | undefined;
  for (const line of stdout.split('\n')) {
    const m = HEADER.exec(line);
    if (m) {
      current = {
        cpu: Number(m[1]),
        at: Number(m[2]) * 1000,
        prev: { comm: m[3]!, tid: Number(m[4]), prio: Number(m[5]), state: m[6]! },
        next: { comm: m[7]!, tid: Number(m[8]), prio: Number(m[9]) },
        stack: [],
      };
      events.push(current);
    } else if (current && line.trim()) {
      // "ffffffff82265908 __schedule": the symbol, or the address where there is none.
      const [address, ...symbol] = line.trim().split(/\s+/);
      current.stack.push(symbol.join(' ') || address!);
    }
  }
  return events;
}

export interface ThreadTime {
  tid: number;
  comm: string;
  /** The kernel's priority: 120 is nice 0, 100-139 nice -20..+19. */
  prio: number;
  ms: number;
}

/** Time on a core per thread within [from, to), largest first; tid 0 is the idle task. */
export function onCpuByThread(events: SchedSwitch[], from: number, to: number): ThreadTime[] {
  const running = new Map<number, { thread: SchedSwitch['next']; since: number }>();
  const total = new Map<number, ThreadTime>();
  for (const e of events) {
    const r = running.get(e.cpu);
    if (r) {
      const ms = Math.min(e.at, to) - Math.max(r.since, from);
      if (ms > 0) {
        const t = total.get(r.thread.tid) ?? { ...r.thread, ms: 0 };
        t.ms += ms;
        total.set(r.thread.tid, t);
      }
    }
    running.set(e.cpu, { thread: e.next, since: e.at });
  }
  return [...total.values()].sort((a, b) => b.ms - a.ms);
}

export interface OffCpuSpan {
  /** The core it left. */
  cpu: number;
  /** When the thread left its core and when it was back on one, ms (same clock as the events). */
  at: number;
  until: number;
  ms: number;
  /** 'R': preempted, still runnable (waiting for a core); 'S', 'D': blocked or asleep. */
  state: string;
  stack: string[];
}

/** The spans of [from, to) in which thread `tid` was off a core, in order. */
export function offCpuSpans(events: SchedSwitch[], tid: number, from: number, to: number): OffCpuSpan[] {
  const spans: OffCpuSpan[] = [];
  let out: SchedSwitch | undefined;
  for (const e of events) {
    if (e.prev.tid === tid) out = e;
    else if (e.next.tid === tid && out) {
      const start = Math.max(out.at, from);
      const end = Math.min(e.at, to);
      if (end > start)
        spans.push({ cpu: out.cpu, at: out.at, until: e.at, ms: end - start, state: out.prev.state, stack: out.stack });
      out = undefined;
    }
  }
  return spans;
}

/** A call chain in a few words: the kernel's first frames past the scheduler, and the user frame that entered it. */
export function stackSummary(stack: string[]): string {
  const frames = stack.filter((f) => !/^(__schedule|schedule|schedule_\w+|\[unknown\])$/.test(f));
  const entry = frames.findIndex((f) => f.startsWith('entry_SYSCALL'));
  const inKernel = frames.slice(0, Math.min(2, entry < 0 ? frames.length : entry)).join(' < ');
  const caller = entry >= 0 ? frames[entry + 1] : undefined;
  return caller ? `${inKernel} from ${caller}` : inKernel;
}
