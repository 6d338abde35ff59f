/**
 * Structured JSON logs, one object per line on stdout: journald keeps them and
 * `journalctl -u wakeward-agent -o cat | jq` reads them.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

type Sink = (line: string) => void;
let sink: Sink = (line) => process.stdout.write(line + '\n');
let minimum: LogLevel = 'info';

export function configureLogging(options: { level?: LogLevel; sink?: Sink }): void {
  if (options.level) minimum = options.level;
  if (options.sink) sink = options.sink;
}

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(bindings: Record<string, unknown>): Logger;
}

export function createLogger(bindings: Record<string, unknown> = {}): Logger {
  const write = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[level] < ORDER[minimum]) return;
    const entry: Record<string, unknown> = { time: new Date().toISOString(), level, msg, ...bindings };
    for (const [key, value] of Object.entries(fields ?? {})) {
      entry[key] =
        value instanceof Error
          ? { name: value.name, message: value.message, code: (value as { code?: unknown }).code }
          : value;
    }
    sink(JSON.stringify(entry));
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    child: (more) => createLogger({ ...bindings, ...more }),
  };
}
