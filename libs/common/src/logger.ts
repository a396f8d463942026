import { redactUrlCredentials } from './redact';
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
/** `json`: one JSON object per line; `text`: `key=value` pairs, as Temporal's text logs (`pretty` is its other name for it). */
export type LogFormat = 'json' | 'text';
export const LOG_FORMATS: readonly string[] = ['json', 'text', 'pretty'];

/** Structured logger: a message plus fields, one JSON line per entry. */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

const LEVEL_ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && (LOG_LEVELS as readonly string[]).includes(value);
}

export interface LoggerOptions {
  level: LogLevel;
  /** Where lines go; stderr by default so stdout stays for the command's own output. */
  stream?: { write(line: string): unknown };
  /** Fields on every line (e.g. `{ service: 'history' }`). */
  fields?: Record<string, unknown>;
  /** Clock, for tests. */
  now?: () => Date;
  /** json by default. */
  format?: LogFormat;
}

/** Keys every line starts with; a field of the same name is written as `field.<name>`. */
const RESERVED = new Set(['time', 'level', 'msg']);

/**
 * Errors serialise as `{}` by default: keep their name, message, code and stack. Every string is
 * written with URL credentials masked (a NATS or PostgreSQL URL in a warning, an error's text).
 */
function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'string') return redactUrlCredentials(value);
  if (value instanceof Error) {
    const out: Record<string, unknown> = { name: value.name, message: redactUrlCredentials(value.message) };
    const code = (value as { code?: unknown }).code;
    if (code !== undefined) out.code = code;
    if (value.stack) out.stack = redactUrlCredentials(value.stack);
    if (value.cause !== undefined) out.cause = value.cause;
    return out;
  }
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  return value;
}

function serialise(entry: Record<string, unknown>): string {
  try {
    return JSON.stringify(entry, jsonReplacer);
  } catch (err) {
    // Circular structures and throwing getters: keep the line, say why the fields are missing.
    return JSON.stringify({ time: entry.time, level: entry.level, msg: entry.msg, logError: String(err) });
  }
}

/** A value as a logfmt token: bare when it needs no quotes, else a JSON string. */
function textValue(value: unknown): string {
  const json = serialiseValue(value);
  const text = typeof value === 'string' ? redactUrlCredentials(value) : json;
  return /^[^\s"=\\]+$/.test(text) ? text : JSON.stringify(text);
}

function serialiseValue(value: unknown): string {
  try {
    return JSON.stringify(value, jsonReplacer) ?? String(value);
  } catch (err) {
    return `<${String(err)}>`;
  }
}

/** `time=… level=INFO msg="…" key=value …`, the shape of Temporal's text logs. */
function textLine(entry: Record<string, unknown>): string {
  return Object.entries(entry)
    .map(([key, value]) => `${key}=${key === 'level' ? String(value).toUpperCase() : textValue(value)}`)
    .join(' ');
}

/**
 * A JSON-lines logger: `{"time","level","msg",...fields}` per entry, filtered by level. Child
 * loggers add fields and share the level and stream.
 */
export function createLogger(options: LoggerOptions): Logger {
  if (!isLogLevel(options.level)) throw new Error(`unknown log level ${JSON.stringify(options.level)}`);
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? (() => new Date());
  const threshold = LEVEL_ORDER[options.level];
  const format = options.format ?? 'json';
  const make = (fields: Record<string, unknown>): Logger => {
    const log = (level: LogLevel, msg: string, extra?: Record<string, unknown>) => {
      if (LEVEL_ORDER[level] < threshold) return;
      const entry: Record<string, unknown> = { time: now().toISOString(), level, msg };
      for (const source of [fields, extra]) {
        if (!source) continue;
        for (const [key, value] of Object.entries(source)) {
          if (value === undefined) continue;
          entry[RESERVED.has(key) ? `field.${key}` : key] = value;
        }
      }
      stream.write(`${format === 'text' ? textLine(entry) : serialise(entry)}\n`);
    };
    return {
      debug: (msg, extra) => log('debug', msg, extra),
      info: (msg, extra) => log('info', msg, extra),
      warn: (msg, extra) => log('warn', msg, extra),
      error: (msg, extra) => log('error', msg, extra),
      child: (more) => make({ ...fields, ...more }),
    };
  };
  return make({ ...options.fields });
}

/** A logger that drops everything (tests, tools). */
export const noopLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => noopLogger,
};
