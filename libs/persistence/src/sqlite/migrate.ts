import type Database from 'better-sqlite3';
import { SQLITE_MIGRATIONS, SQLITE_SCHEMA_VERSION } from './schema';

/** Brings the database to the newest schema, one transaction per migration; refuses newer ones. */
export function migrate(db: Database.Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_at INTEGER NOT NULL, description TEXT NOT NULL)');
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number | null };
  const current = row.v ?? 0;
  if (current > SQLITE_SCHEMA_VERSION) {
    throw new Error(
      `database schema version ${current} is newer than this Kairos knows (${SQLITE_SCHEMA_VERSION}); upgrade Kairos`,
    );
  }
  for (const migration of SQLITE_MIGRATIONS) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      db.prepare('INSERT INTO schema_version (version, applied_at, description) VALUES (?, ?, ?)').run(
        migration.version,
        Date.now(),
        migration.description,
      );
    }).immediate();
  }
}
