import { buildCountQuery, buildListQuery, type CountResult, type ResolvedQuery } from '@kairos/visibility';
import { visibilityRecordOf } from '../visibility/visibilityRows';
import type { VisibilityListRequest, VisibilityPage, VisibilityStore } from '../visibility/visibilityStore';
import { visibilitySqlOptions } from '../visibility/visibilityTable';
import type { PostgresDatabase } from './database';

// Queries are compiled by @kairos/visibility and run unnamed (their text varies with the filter);
// a run's row is written by the execution write that carries it (kairos_write_execution).
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
