/**
 * The benches' child processes: request/answer over IPC (Node children) or JSON
 * lines (the kiosk receiver, python3).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import readline from 'node:readline';

/** Parent side: sends `{id, type, ...}` and resolves with the child's `{id, result}` (or rejects on `{id, error}`). */
export class Child {
  private seq = 0;
  private readonly pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  readonly ready: Promise<void>;

  constructor(
    readonly name: string,
    readonly proc: ChildProcess,
    messages: EventEmitter = proc,
    private readonly send: (msg: object, done: (err: Error | null) => void) => unknown = (msg, done) =>
      proc.send(msg, done),
  ) {
    let ready!: () => void;
    this.ready = new Promise((r) => (ready = r));
    messages.on('message', (m: { id?: number; result?: unknown; error?: string; ready?: boolean }) => {
      if (m.ready) return ready();
      const p = this.pending.get(m.id!);
      if (!p) return;
      this.pending.delete(m.id!);
      if (m.error) p.reject(new Error(`${name}: ${m.error}`));
      else p.resolve(m.result);
    });
    proc.on('exit', (code, signal) => {
      for (const p of this.pending.values()) p.reject(new Error(`${name} exited (${code ?? signal})`));
      this.pending.clear();
    });
  }

  call<T = any>(type: string, args: Record<string, unknown> = {}): Promise<T> {
    const id = ++this.seq;
    return new Promise<T>((resolveCall, reject) => {
      this.pending.set(id, { resolve: resolveCall, reject });
      // A child already gone (the bench stopping on Ctrl-C, say) fails this call, instead
      // of an unhandled 'error' event that would end the bench before its cleanup.
      this.send({ id, type, ...args }, (err) => {
        if (err && this.pending.delete(id)) reject(new Error(`${this.name}: ${err.message}`));
      });
    });
  }
}

type Handler = (msg: any) => unknown;

/** Child side, in a Node child: answers `{id, type, ...}` requests with `{id, result}` or `{id, error}`. */
export function serve(handlers: Record<string, Handler>): void {
  process.on('message', async (m: { id: number; type: string }) => {
    try {
      const result = await handlers[m.type]!(m);
      process.send!({ id: m.id, result });
    } catch (err) {
      process.send!({ id: m.id, error: (err as Error).stack ?? String(err) });
    }
  });
  process.on('disconnect', () => process.exit(0));
  process.send!({ ready: true });
}

/**
 * The kiosks: bench/lib/kiosk-receiver.py, stamping each packet with the kernel's
 * arrival time (SO_TIMESTAMPNS) and reading nothing during the instant; see there
 * why. Same call() as the Node children, over JSON lines on stdin/stdout.
 */
export function spawnReceiver(): Child {
  const proc = spawn('python3', [join(__dirname, 'kiosk-receiver.py')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: proc.stdout! });
  const messages = new EventEmitter();
  lines.on('line', (line) => messages.emit('message', JSON.parse(line)));
  const child = new Child('kiosks', proc, messages, (msg, done) =>
    proc.stdin!.write(JSON.stringify(msg) + '\n', (err) => done(err ?? null)),
  );
  proc.stdin!.on('error', () => undefined); // reported to the call by write()'s callback
  return child;
}
