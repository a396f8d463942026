import type { Logger } from '@kairos/common/logger';
import type { StoreConfig } from './config/types';
import { openSqliteStore } from '@kairos/persistence/sqlite';
import type { Store } from '@kairos/persistence/store';

export interface OpenedStore {
  store: Store;
  /** Where the data lives, for the start-up banner. */
  description: string;
  /** Settings worth showing at start-up. */
  settings: Record<string, unknown>;
}

/**
 * Opens the configured store. SQLite migrates itself (one process owns the file); a PostgreSQL
 * store must already have this build's schema (`kairos schema update`), else it is refused with a
 * message naming that command.
 */
export async function openStore(config: StoreConfig, logger: Logger): Promise<OpenedStore> {
  if (config.kind === 'postgres') {
    // The PostgreSQL driver is loaded only here: start-dev on SQLite never needs it.
    const { openPostgresStore, redactPostgresUrl } = await import('@kairos/persistence/postgres');
    const { store, schemaVersion } = await openPostgresStore({ url: config.url, logger });
    const url = redactPostgresUrl(config.url);
    logger.info('store opened', { store: 'postgres', url, schemaVersion });
    return { store, description: `PostgreSQL ${url}`, settings: { schemaVersion } };
  }
  const { store, pragmas } = openSqliteStore({ filename: config.filename, synchronous: config.synchronous, logger });
  // The pragmas as the connection reports them back: what is in effect, e.g. synchronous=FULL.
  logger.info('store opened', { store: 'sqlite', file: config.filename, pragmas });
  const where = config.filename === ':memory:' ? 'in memory (lost on exit)' : config.filename;
  return { store, description: `SQLite ${where}`, settings: pragmas };
}
