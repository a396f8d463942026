import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { afterAll } from 'vitest';

/** A temporary directory for the test file's databases, removed after its tests; `newFile()` names the next one. */
export function databaseFiles(prefix = 'kairos-sqlite-test-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let counter = 0;
  return { dir, newFile: (): string => join(dir, `store-${++counter}.db`) };
}
