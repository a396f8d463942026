// The PostgreSQL store alone (`@kairos/persistence/postgres`), loaded only by the processes that use it.
export { openPostgresStore } from './postgres/postgresStore';
export type { OpenedPostgresStore, PostgresStoreOptions } from './postgres/postgresStore';
export { migratePostgres, readPostgresSchemaVersion } from './postgres/migrate';
export type { MigratePostgresOptions } from './postgres/migrate';
export { isPostgresUrl, redactPostgresUrl } from './postgres/connection';
export { POSTGRES_MIGRATIONS, POSTGRES_SCHEMA_VERSION } from './postgres/schema';
export type { PostgresMigration } from './postgres/schema';
