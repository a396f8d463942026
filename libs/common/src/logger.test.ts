import { describe, expect, it } from 'vitest';
import { createLogger, isLogLevel, noopLogger, type LoggerOptions } from './logger';

function capture(options: Omit<LoggerOptions, 'stream'>) {
  const raw: string[] = [];
  const logger = createLogger({ ...options, stream: { write: (line: string) => raw.push(line) } });
  return { logger, raw, lines: () => raw.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('createLogger', () => {
  it('writes one JSON line per entry: time, level, msg, then fields', () => {
    const now = new Date('2026-11-25T10:00:00.000Z');
    const { logger, raw } = capture({ level: 'info', fields: { service: 'history' }, now: () => now });
    logger.info('shard acquired', { shard: 3 });
    expect(raw).toEqual(['{"time":"2026-11-25T10:00:00.000Z","level":"info","msg":"shard acquired","service":"history","shard":3}\n']);
  });

  it('text format: key=value pairs as Temporal writes them, values quoted when they need it, credentials masked', () => {
    const now = new Date('2026-11-25T10:00:00.000Z');
    const { logger, raw } = capture({ level: 'info', format: 'text', fields: { service: 'history' }, now: () => now });
    logger.warn('shard lost', { shard: 3, reason: 'lease taken', url: 'postgres://u:secret@db/k', pragmas: { synchronous: 'FULL' } });
    expect(raw).toEqual([
      'time=2026-11-25T10:00:00.000Z level=WARN msg="shard lost" service=history shard=3 reason="lease taken" url=postgres://u:***@db/k pragmas="{\\"synchronous\\":\\"FULL\\"}"\n',
    ]);
  });

  it('filters below the level', () => {
    const { logger, lines } = capture({ level: 'warn' });
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    expect(lines().map((l) => l.level)).toEqual(['warn', 'error']);
  });

  it('child loggers add fields, share level and stream, and do not change the parent', () => {
    const { logger, lines } = capture({ level: 'info', fields: { service: 'matching' } });
    const child = logger.child({ taskQueue: 'q1' });
    const grandchild = child.child({ taskQueue: 'q2', partition: 0 });
    child.debug('hidden');
    child.info('from child');
    grandchild.info('from grandchild', { extra: true });
    logger.info('from parent');
    expect(lines().map(({ time: _t, ...rest }) => rest)).toEqual([
      { level: 'info', msg: 'from child', service: 'matching', taskQueue: 'q1' },
      { level: 'info', msg: 'from grandchild', service: 'matching', taskQueue: 'q2', partition: 0, extra: true },
      { level: 'info', msg: 'from parent', service: 'matching' },
    ]);
  });

  it('serialises errors with their stack, keeps reserved keys safe, survives circular fields', () => {
    const { logger, lines } = capture({ level: 'debug' });
    const err = Object.assign(new Error('boom'), { code: 'SQLITE_BUSY' });
    logger.error('failed', { error: err, msg: 'shadow', bytes: new Uint8Array([1, 2]), big: 10n, skipped: undefined });
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    logger.warn('circular', { circular });
    const [first, second] = lines();
    expect(first).toMatchObject({ level: 'error', msg: 'failed', 'field.msg': 'shadow', bytes: 'AQI=', big: '10' });
    expect(first).not.toHaveProperty('skipped');
    expect(first!.error).toMatchObject({ name: 'Error', message: 'boom', code: 'SQLITE_BUSY' });
    expect(String((first!.error as { stack: string }).stack)).toContain('logger.test.ts');
    expect(second).toMatchObject({ level: 'warn', msg: 'circular' });
    expect(second!.logError).toContain('circular');
  });

  it('rejects an unknown level', () => {
    expect(() => createLogger({ level: 'verbose' as never })).toThrow(/unknown log level "verbose"/);
    expect(isLogLevel('warn')).toBe(true);
    expect(isLogLevel('WARN')).toBe(false);
  });

  it('has a no-op logger', () => {
    expect(() => noopLogger.child({ a: 1 }).error('x')).not.toThrow();
  });
});
