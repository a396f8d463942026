import type Database from 'better-sqlite3';
import { UnsupportedSchemaVersionError } from '../errors';
import type { MigrationResult } from '../migrationResult';
import { SQLITE_MIGRATIONS, type SqliteMigration } from './schema';

export type { MigrationResult };

/** The schema version recorded in the database; 0 when it has none yet. */
export function readSchemaVersion(db: Database.Database): number {
  const hasTable = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'")
    .pluck()
    .get();
  if (!hasTable) return 0;
  const version = db.prepare('SELECT MAX(version) FROM schema_version').pluck().get() as number | null;
  return version ?? 0;
}

/**
 * Brings the database to the newest schema in `migrations`, one transaction per migration, each
 * recorded in `schema_version`. Refuses a database whose schema is newer than the newest migration,
 * and a database that has tables but no `schema_version` (not a Kairos database). Safe when several
 * processes open the same new file at once: each step re-reads the version under the write lock.
 */
export function migrate(
  db: Database.Database,
  migrations: readonly SqliteMigration[] = SQLITE_MIGRATIONS,
  where = db.name,
): MigrationResult {
  checkMigrations(migrations);
  const target = migrations.length;
  let from: number | undefined;
  for (;;) {
    const done = db
      .transaction((): boolean => {
        const current = readSchemaVersion(db);
        if (from === undefined) from = current;
        if (current === 0) refuseForeignDatabase(db, where);
        if (current > target) throw new UnsupportedSchemaVersionError(current, target, where);
        if (current === target) return true;
        const next = migrations[current]!;
        db.exec(
          'CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL PRIMARY KEY, description TEXT NOT NULL, applied_at INTEGER NOT NULL)',
        );
        db.exec(next.sql);
        db.prepare('INSERT INTO schema_version (version, description, applied_at) VALUES (?, ?, ?)').run(
          next.version,
          next.description,
          Date.now(),
        );
        return false;
      })
      .immediate();
    if (done) return { from: from!, to: target };
  }
}

function checkMigrations(migrations: readonly SqliteMigration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`SQLite migrations must be numbered 1..N in order; found ${m.version} at position ${i + 1}`);
  });
}

function refuseForeignDatabase(db: Database.Database, where: string): void {
  const tables = db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'schema_version'")
    .pluck()
    .all() as string[];
  if (tables.length > 0) {
    throw new Error(`${where}: not a Kairos database (it has tables ${tables.slice(0, 5).join(', ')} but no schema_version)`);
  }
}
