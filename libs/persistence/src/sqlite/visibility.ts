import type Database from 'better-sqlite3';
import { setting } from '@kairos/common/settings';
import { buildCountQuery, buildListQuery, type CountResult, type ResolvedQuery } from '@kairos/visibility';
import { countsAnswer } from '../visibility/visibilityCounts';
import { visibilityRecordOf, visibilityValues } from '../visibility/visibilityRows';
import type { VisibilityListRequest, VisibilityPage, VisibilityRecord, VisibilityStore } from '../visibility/visibilityStore';
import { VISIBILITY_COLUMNS, VISIBILITY_PRIMARY_KEY, VISIBILITY_UPDATED_COLUMNS, visibilitySqlOptions } from '../visibility/visibilityTable';
import type { SqliteConnection } from './connection';

/** Upserts a run's row; called inside the transaction of the execution write that carries it. */
export type SqliteVisibilityUpsert = (record: VisibilityRecord) => void;

export function sqliteVisibility(conn: SqliteConnection): { store: VisibilityStore; upsert: SqliteVisibilityUpsert } {
  const upsertRow = conn.db.prepare(
    `INSERT INTO visibility (${VISIBILITY_COLUMNS.join(', ')}) VALUES (${VISIBILITY_COLUMNS.map(() => '?').join(', ')})
       ON CONFLICT (${VISIBILITY_PRIMARY_KEY.join(', ')}) DO UPDATE SET ${VISIBILITY_UPDATED_COLUMNS.map((c) => `${c} = excluded.${c}`).join(', ')}`,
  );

  // The counts the triggers of migration 9 keep, in the rows buildCountQuery's readResult reads.
  const countAll = conn.db.prepare('SELECT COALESCE(SUM(runs), 0) AS "count" FROM visibility_counts WHERE namespace_id = ? AND divided = 0');
  const countByStatus = conn.db.prepare(
    'SELECT status AS "group_value", SUM(runs) AS "count" FROM visibility_counts WHERE namespace_id = ? AND divided = 0 GROUP BY status HAVING SUM(runs) > 0 ORDER BY status',
  );

  /** Statements of compiled queries, by SQL text (a query's shape repeats; its values are parameters). */
  const queryStatements = new Map<string, Database.Statement>();
  function queryStatement(sql: string): Database.Statement {
    let statement = queryStatements.get(sql);
    if (!statement) {
      if (queryStatements.size >= setting('store.sqliteCachedQueries')) queryStatements.delete(queryStatements.keys().next().value!);
      statement = conn.db.prepare(sql);
      queryStatements.set(sql, statement);
    }
    return statement;
  }

  const store: VisibilityStore = {
    async listVisibility(request: VisibilityListRequest): Promise<VisibilityPage> {
      const list = buildListQuery(
        request.query,
        { namespaceId: request.namespaceId, pageSize: request.pageSize, pageToken: request.nextPageToken },
        visibilitySqlOptions('sqlite'),
      );
      const rows = queryStatement(list.sql).all(...list.params) as Array<Record<string, unknown>>;
      const nextPageToken = list.nextPageToken(rows);
      return { executions: rows.map(visibilityRecordOf), ...(nextPageToken ? { nextPageToken } : {}) };
    },

    async countVisibility(namespaceId: string, query: ResolvedQuery): Promise<CountResult> {
      const count = buildCountQuery(query, { namespaceId }, visibilitySqlOptions('sqlite'));
      if (countsAnswer(query)) {
        const counts = count.groupBy ? countByStatus : countAll;
        return count.readResult(counts.all(namespaceId) as Array<Record<string, unknown>>);
      }
      return count.readResult(queryStatement(count.sql).all(...count.params) as Array<Record<string, unknown>>);
    },
  };

  return { store, upsert: (record) => void upsertRow.run(...visibilityValues(record)) };
}
