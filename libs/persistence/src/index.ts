export * from './store';
export * from './errors';
export { openSqliteStore, SQLITE_PRAGMAS } from './sqlite/sqliteStore';
export type { OpenedSqliteStore, SqliteStoreOptions } from './sqlite/sqliteStore';
export { SQLITE_SCHEMA_VERSION } from './sqlite/schema';
