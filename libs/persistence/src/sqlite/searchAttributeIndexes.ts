import type Database from 'better-sqlite3';
import { sqliteSearchAttributeExpr, VISIBILITY_TABLE, type SearchAttributeType } from '@kairos/visibility';

/*
 * SQLite has no index over every key of a JSON column (PostgreSQL's GIN), so a filter on a custom
 * search attribute would read every visibility row of the namespace. Each custom attribute compared
 * as one scalar gets an expression index instead, as Temporal's SQL stores index their custom
 * attribute columns: (namespace, value, the default order), so `Attr = x` reads only its rows,
 * already in List's order, however many match. Partial (rows having the attribute), so runs
 * without it cost nothing to write. The index is per name across namespaces and stays after the
 * attribute is removed (it then only costs its writes).
 */

/** Types compared as one JSON scalar (=, IN, ranges); Text (words) and KeywordList (membership) are not. */
const SCALAR_TYPES: ReadonlySet<SearchAttributeType> = new Set<SearchAttributeType>(['Keyword', 'Int', 'Double', 'Bool', 'Datetime']);

/** List's default order, as the visibility table's by_default_order index spells it (after namespace_id). */
const DEFAULT_ORDER_KEYS = VISIBILITY_TABLE.indexes.find((i) => i.suffix === 'by_default_order')!.keys.slice(1);

/** The index's name: the attribute's name in hex, since names may hold any character. */
export const searchAttributeIndexName = (name: string) => `visibility_sa_${Buffer.from(name, 'utf8').toString('hex')}`;

/** The CREATE INDEX for attribute `name`, or undefined when its type or name cannot be served by one. */
export function searchAttributeIndexSql(name: string, type: SearchAttributeType): string | undefined {
  // The compiler refuses names with '"' in SQLite (no JSON path can name them).
  if (!SCALAR_TYPES.has(type) || name.includes('"')) return undefined;
  const value = sqliteSearchAttributeExpr(name);
  return `CREATE INDEX IF NOT EXISTS ${searchAttributeIndexName(name)} ON visibility (namespace_id, ${value}, ${DEFAULT_ORDER_KEYS.join(', ')}) WHERE ${value} IS NOT NULL`;
}

/** Creates the index of an attribute just registered (building it over the rows there are). */
export function ensureSearchAttributeIndex(db: Database.Database, name: string, type: SearchAttributeType): void {
  const sql = searchAttributeIndexSql(name, type);
  if (sql) db.exec(sql);
}

/** On open: the indexes of the attributes registered before Kairos made them (a no-op once they exist). */
export function ensureSearchAttributeIndexes(db: Database.Database, typeOf: (stored: string) => SearchAttributeType): void {
  const rows = db.prepare('SELECT DISTINCT name, type FROM custom_search_attributes').raw().all() as Array<[string, string]>;
  for (const [name, type] of rows) ensureSearchAttributeIndex(db, name, typeOf(type));
}
