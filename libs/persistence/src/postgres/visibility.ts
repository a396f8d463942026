import type { PoolClient } from 'pg';
import { buildCountQuery, buildListQuery, type CountResult, type ResolvedQuery } from '@kairos/visibility';
import { visibilityRecordOf, visibilityValues } from '../visibility/visibilityRows';
import type { VisibilityListRequest, VisibilityPage, VisibilityRecord, VisibilityStore } from '../visibility/visibilityStore';
import { SEARCH_ATTRIBUTES_COLUMN, VISIBILITY_COLUMNS, VISIBILITY_PRIMARY_KEY, VISIBILITY_UPDATED_COLUMNS, visibilitySqlOptions } from '../visibility/visibilityTable';
import { asBuffer, query, statement, type PostgresDatabase } from './database';

// Queries are compiled by @kairos/visibility and run unnamed (their text varies with the filter).
const upsertStatement = statement(
  'upsert_visibility',
  `INSERT INTO visibility (${VISIBILITY_COLUMNS.join(', ')})
     VALUES (${VISIBILITY_COLUMNS.map((c, i) => (c === SEARCH_ATTRIBUTES_COLUMN ? `$${i + 1}::jsonb` : `$${i + 1}`)).join(', ')})
     ON CONFLICT (${VISIBILITY_PRIMARY_KEY.join(', ')}) DO UPDATE SET ${VISIBILITY_UPDATED_COLUMNS.map((c) => `${c} = excluded.${c}`).join(', ')}`,
);

/** Upserts a run's row inside the transaction of the execution write that carries it. */
export async function upsertVisibilityRow(client: PoolClient, record: VisibilityRecord): Promise<void> {
  await query(client, upsertStatement, visibilityValues(record, asBuffer));
}

export function postgresVisibility(db: PostgresDatabase): VisibilityStore {
  return {
    async listVisibility(request: VisibilityListRequest): Promise<VisibilityPage> {
      const list = buildListQuery(
        request.query,
        { namespaceId: request.namespaceId, pageSize: request.pageSize, pageToken: request.nextPageToken },
        visibilitySqlOptions('postgres'),
      );
      const rows = await db.run(async () => (await db.pool.query<Record<string, unknown>>({ text: list.sql, values: list.params })).rows);
      const nextPageToken = list.nextPageToken(rows);
      return { executions: rows.map(visibilityRecordOf), ...(nextPageToken ? { nextPageToken } : {}) };
    },

    async countVisibility(namespaceId: string, query: ResolvedQuery): Promise<CountResult> {
      const count = buildCountQuery(query, { namespaceId }, visibilitySqlOptions('postgres'));
      const rows = await db.run(async () => (await db.pool.query<Record<string, unknown>>({ text: count.sql, values: count.params })).rows);
      return count.readResult(rows);
    },
  };
}
