/**
 * Reference DDL for the visibility table the SQL compiler targets, with the indexes serving the
 * default order and the common filters (see README for more). Generated from VISIBILITY_TABLE,
 * as the stores' migrations are.
 */
import type { Dialect } from './sql';
import { visibilityTableDdl } from './table';

export function visibilitySchema(dialect: Dialect, table = 'visibility'): string[] {
  return visibilityTableDdl(dialect, { table, ifNotExists: true });
}
