import { buildCountQuery, buildListQuery, type CountResult, type ResolvedQuery } from '@kairos/visibility';
import { countsAnswer } from '../visibility/visibilityCounts';
import { visibilityRecordOf } from '../visibility/visibilityRows';
import type { VisibilityListRequest, VisibilityPage, VisibilityStore } from '../visibility/visibilityStore';
import { visibilitySqlOptions } from '../visibility/visibilityTable';
import type { PostgresDatabase } from './database';
import type { VisibilityCountFolds } from './visibilityCounts';

// Queries are compiled by @kairos/visibility and run unnamed (their text varies with the filter);
// a run's row is written by the execution write that carries it (kairos_write_execution).
export function postgresVisibility(db: PostgresDatabase, counts: VisibilityCountFolds): VisibilityStore {
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
      if (countsAnswer(query)) {
        // The sums of the count deltas, in the rows buildCountQuery's readResult reads.
        const { byStatus } = await counts.read(namespaceId);
        if (count.groupBy) return count.readResult(byStatus.map((s) => ({ group_value: s.status, count: s.runs })));
        return count.readResult([{ count: byStatus.reduce((n, s) => n + s.runs, 0) }]);
      }
      const rows = await db.run(async () => (await db.pool.query<Record<string, unknown>>({ text: count.sql, values: count.params })).rows);
      return count.readResult(rows);
    },
  };
}
