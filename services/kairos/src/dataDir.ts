import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The user's data directory (XDG on Linux), where the dev server keeps its database by default. */
export function defaultDatabaseFile(): string {
  const base = process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  const dir = join(base, 'kairos');
  mkdirSync(dir, { recursive: true });
  return join(dir, 'kairos-dev.db');
}
