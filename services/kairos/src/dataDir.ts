import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The user's data directory (XDG on Linux), where the dev server keeps its database by default.
 * Only a path: the directory is made when the store opens there (openSqliteStore), so a command
 * that names its file or needs none writes nothing here (a pod's root file system is read-only).
 */
export function defaultDatabaseFile(): string {
  const base = process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(base, 'kairos', 'kairos-dev.db');
}
