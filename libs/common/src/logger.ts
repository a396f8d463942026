export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Structured logger: a message plus fields, one JSON line per entry. */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

const LEVEL_ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LoggerOptions {
  level: LogLevel;
  /** Where lines go; stderr by default so stdout stays for the command's own output. */
  stream?: { write(line: string): unknown };
  fields?: Record<string, unknown>;
}

/** A JSON-lines logger: `{"time","level","msg",...fields}` per entry, filtered by level. */
export function createLogger(options: LoggerOptions): Logger {
  const stream = options.stream ?? process.stderr;
  const threshold = LEVEL_ORDER[options.level];
  const make = (fields: Record<string, unknown>): Logger => {
    const log = (level: LogLevel, msg: string, extra?: Record<string, unknown>) => {
      if (LEVEL_ORDER[level] < threshold) return;
      stream.write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields, ...extra })}\n`);
    };
    return {
      debug: (msg, extra) => log('debug', msg, extra),
      info: (msg, extra) => log('info', msg, extra),
      warn: (msg, extra) => log('warn', msg, extra),
      error: (msg, extra) => log('error', msg, extra),
      child: (more) => make({ ...fields, ...more }),
    };
  };
  return make(options.fields ?? {});
}
