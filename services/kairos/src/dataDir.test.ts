import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultDatabaseFile } from './dataDir';

describe('defaultDatabaseFile', () => {
  const saved = process.env.XDG_DATA_HOME;
  afterEach(() => {
    if (saved === undefined) delete process.env.XDG_DATA_HOME;
    else process.env.XDG_DATA_HOME = saved;
  });

  // Every command computes it; one that names its file (a pod on a read-only root file system)
  // must not need the data directory to be writable.
  it('names kairos/kairos-dev.db in $XDG_DATA_HOME and creates nothing', () => {
    const base = mkdtempSync(join(tmpdir(), 'kairos-datadir-'));
    try {
      process.env.XDG_DATA_HOME = join(base, 'not-there');
      expect(defaultDatabaseFile()).toBe(join(base, 'not-there', 'kairos', 'kairos-dev.db'));
      expect(existsSync(join(base, 'not-there'))).toBe(false);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});
