import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Failure } from '@kairos/proto/temporal/api/failure/v1/message';
import { allSettings, formatDefault, overrideSettings, setting, settingsMarkdown, SETTINGS, TEMPORAL_DYNAMIC_CONFIG_KEYS } from './index';

const DOC = join(__dirname, '../../../../docs/settings.md');

describe('the settings registry', () => {
  it('docs/settings.md is the table generated from it (run `npm run docs:settings` after a change)', () => {
    expect(readFileSync(DOC, 'utf8')).toBe(settingsMarkdown());
  });

  it('gives every setting a positive default (a duration may be none; a choice: one of its values), a reader, a file and a one-line reason', () => {
    for (const s of allSettings()) {
      if (s.type === 'choice') {
        expect(s.choices, s.name).toContain(s.default);
        for (const value of Object.values(s.defaultFor ?? {})) expect(s.choices, s.name).toContain(value);
      } else {
        expect(Number.isFinite(s.default) && (s.default > 0 || (s.type === 'duration' && s.default === 0)), s.name).toBe(true);
      }
      expect(s.readBy.length, s.name).toBeGreaterThan(0);
      expect(s.readIn, s.name).not.toBe('');
      expect(s.why, s.name).toMatch(/^[^\n]{10,}$/);
      expect(s.name).toMatch(/^[a-z]+\.[A-Za-z]+$/);
    }
  });

  it('reads values by name', () => {
    expect(setting('cluster.shardLease')).toBe(10_000);
    expect(setting('history.longPoll')).toBe(20_000);
    expect(setting('limits.namespaceRps')).toBe(SETTINGS['limits.namespaceRps'].default);
    // A choice reads as one of its values; start-dev's own default is resolved by its configuration.
    expect(setting('store.sqliteSynchronous')).toBe('FULL');
    expect(SETTINGS['store.sqliteSynchronous'].defaultFor['start-dev']).toBe('NORMAL');
  });

  it('shows defaults as people read them', () => {
    expect(formatDefault({ unit: 'ms', default: 30_000 })).toBe('30 s');
    expect(formatDefault({ unit: 'ms', default: 300_000 })).toBe('5 min');
    expect(formatDefault({ unit: 'ms', default: 86_400_000 })).toBe('24 h');
    expect(formatDefault({ unit: 'ms', default: 200 })).toBe('200 ms');
    expect(formatDefault({ unit: 'bytes', default: 2 * 1024 * 1024 })).toBe('2 MiB');
    expect(formatDefault({ unit: 'bytes', default: 512 * 1024 })).toBe('512 KiB');
    expect(formatDefault({ unit: 'per second', default: 2_400 })).toBe('2,400/s');
    expect(formatDefault({ unit: '×', default: 2 })).toBe('×2');
    expect(formatDefault({ unit: 'items', default: 51_200 })).toBe('51,200');
  });
});

describe('grpc.maxNestingDepth', () => {
  /** A failure whose cause chain is `depth` failures long: one nested decode per failure. */
  const chainBytes = (depth: number): Uint8Array => {
    let failure: Failure | undefined;
    for (let level = depth; level >= 1; level--) failure = Failure.fromPartial({ message: `level ${level}`, cause: failure });
    return Failure.encode(failure!).finish();
  };
  const decodedDepth = (bytes: Uint8Array): number => {
    let depth = 0;
    for (let f: Failure | undefined = Failure.decode(bytes); f; f = f.cause) depth += 1;
    return depth;
  };

  it('is the depth the generated decoders accept (libs/proto/scripts/decodeDepth.mjs), and one deeper is refused', () => {
    const depth = setting('grpc.maxNestingDepth');
    expect(decodedDepth(chainBytes(depth))).toBe(depth);
    expect(() => Failure.decode(chainBytes(depth + 1))).toThrow('protobuf decode recursion limit exceeded');
  });
});

describe('Temporal dynamic-config keys (start-dev --dynamic-config-value)', () => {
  it('each names a numeric setting whose reason cites that key', () => {
    for (const [key, name] of Object.entries(TEMPORAL_DYNAMIC_CONFIG_KEYS)) {
      expect(SETTINGS[name].type, name).not.toBe('choice');
      expect(SETTINGS[name].why, name).toContain(key);
    }
  });

  it('an override replaces the default, and one made after the setting was read is refused', () => {
    overrideSettings(new Map([['history.maxTotalUpdates', 7]]));
    expect(setting('history.maxTotalUpdates')).toBe(7);
    expect(() => overrideSettings(new Map([['history.maxTotalUpdates', 8]]))).toThrow('setting history.maxTotalUpdates was read before it was overridden');
  });
});
