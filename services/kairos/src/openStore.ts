import type { Logger } from '@kairos/common/dist/logger';
import type { StoreConfig } from '@kairos/common/dist/config';
import { openSqliteStore } from '@kairos/persistence';
import type { Store } from '@kairos/persistence/dist/store';

/** Opens the configured store and returns it with the settings to show at start-up. */
export function openStore(config: StoreConfig, logger: Logger): { store: Store; description: string; pragmas: Record<string, unknown> } {
  if (config.kind !== 'sqlite') {
    throw new Error('the PostgreSQL store is not available yet: use --db-filename (SQLite)');
  }
  const { store, pragmas } = openSqliteStore({ filename: config.filename, logger });
  logger.info('store opened', { store: 'sqlite', file: config.filename, pragmas });
  const where = config.filename === ':memory:' ? 'in memory (lost on exit)' : config.filename;
  return { store, description: `SQLite ${where}`, pragmas };
}
