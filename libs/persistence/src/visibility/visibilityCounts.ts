import type { ResolvedQuery } from '@kairos/visibility';

/**
 * Whether Count `query` can be answered from the per-status run counts a store keeps (SQLite's
 * `visibility_counts`, PostgreSQL's `visibility_count_deltas`): no filter, internal runs hidden (as every query not naming
 * TemporalNamespaceDivision), and no GROUP BY or GROUP BY ExecutionStatus alone. Such a Count
 * would otherwise read every visibility row of the namespace.
 */
export function countsAnswer(query: ResolvedQuery): boolean {
  if (query.where || query.mentionsNamespaceDivision) return false;
  if (query.groupBy.length === 0) return true;
  const [field] = query.groupBy;
  return query.groupBy.length === 1 && field!.category === 'system' && field!.name === 'ExecutionStatus';
}
