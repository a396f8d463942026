// The SQLite store alone (`@kairos/persistence/sqlite`): start-dev loads it without the PostgreSQL driver.
export { openSqliteStore } from './sqlite/sqliteStore';
export type { OpenedSqliteStore, SqliteStoreOptions } from './sqlite/sqliteStore';
export { SQLITE_PRAGMAS, sqlitePragmas } from './sqlite/pragmas';
export type { SqliteSynchronous } from './sqlite/pragmas';
export { SQLITE_SCHEMA_VERSION } from './sqlite/schema';
export type { MigrationResult } from './sqlite/migrate';
