export * from './store';
export * from './errors';
export { openSqliteStore } from './sqlite/sqliteStore';
export type { OpenedSqliteStore, SqliteStoreOptions } from './sqlite/sqliteStore';
export { SQLITE_PRAGMAS, sqlitePragmas } from './sqlite/pragmas';
export type { SqliteSynchronous } from './sqlite/pragmas';
export { SQLITE_SCHEMA_VERSION } from './sqlite/schema';
export type { MigrationResult } from './sqlite/migrate';
