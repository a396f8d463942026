import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';

/**
 * A fingerprint of everything Kairos keeps in a SQLite store (or of the `only` tables): each
 * table's row count and a hash of its rows. Two equal snapshots mean nothing was written in
 * between.
 */
export function snapshotStore(dbFile: string, only?: string[]): Record<string, string> {
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
      .all() as Array<{ name: string }>;
    const out: Record<string, string> = {};
    for (const { name } of tables) {
      if (only && !only.includes(name)) continue;
      const rows = db.prepare(`SELECT * FROM "${name}"`).raw().all() as unknown[][];
      const hash = createHash('sha256');
      const serialized = rows
        .map((row) => row.map((v) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : String(v))).join('|'))
        .sort();
      for (const line of serialized) hash.update(line).update('\n');
      out[name] = `${rows.length}:${hash.digest('hex').slice(0, 16)}`;
    }
    return out;
  } finally {
    db.close();
  }
}
