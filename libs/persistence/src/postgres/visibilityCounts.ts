import type { ClientBase, Pool } from 'pg';
import { setting } from '@kairos/common/settings';
import { statement, type PostgresDatabase } from './database';

/*
 * Count with no filter, or only GROUP BY ExecutionStatus, sums the namespace's rows of
 * `visibility_count_deltas` (migration 9): +1/-1 rows the triggers on visibility insert in each
 * write's transaction. Insert-only, so concurrent writers never wait on a shared counter row;
 * folds keep the table small by replacing a namespace's rows with their sums.
 *
 * A fold is one statement: DELETE … RETURNING and the INSERT of the sums commit together, so a
 * reader's snapshot holds either the folded rows or their sums, never both or neither. Two
 * folders cannot both take a row: under READ COMMITTED the second DELETE to reach a row deleted by
 * a committed fold skips it (and does not see that fold's sums, inserted after its snapshot), and
 * one still in progress is waited for first. So a row is summed exactly once whoever folds. The
 * advisory lock only spares concurrent folders of one namespace the waiting (and two DELETEs
 * locking rows in different orders a deadlock): a folder that does not get it does nothing.
 */

/** The classid of the folds' two-key advisory locks (a key space apart from the migrations' one-key lock). */
const FOLD_LOCK_CLASS = 0x6b616972; // "kair"

const sumStatement = statement(
  'sum_visibility_counts',
  `SELECT status, divided, SUM(runs)::bigint AS runs, COUNT(*)::integer AS deltas
     FROM visibility_count_deltas WHERE namespace_id = $1 GROUP BY status, divided`,
);

/**
 * The fold of one namespace, answering the number of rows it folded (0 when another fold held the
 * lock); `locked: false` only for tests showing that the lock is not what keeps it exact.
 */
export function foldStatementText(locked: boolean): string {
  // The key names the schema too: the lock is per database, the table per schema.
  const lock = `pg_try_advisory_xact_lock(${FOLD_LOCK_CLASS}, hashtext(current_schema() || '.' || $1::text))`;
  return `WITH folder AS (SELECT ${locked ? lock : 'TRUE'} AS held),
     folded AS (DELETE FROM visibility_count_deltas WHERE namespace_id = $1::text AND (SELECT held FROM folder) RETURNING status, divided, runs),
     sums AS (
       INSERT INTO visibility_count_deltas (namespace_id, status, divided, runs)
         SELECT $1::text, status, divided, SUM(runs) FROM folded GROUP BY status, divided HAVING SUM(runs) <> 0
     )
     SELECT COUNT(*)::integer AS folded FROM folded`;
}

const foldStatement = statement('fold_visibility_counts', foldStatementText(true));

/** Folds the namespace's deltas into one row per status and division, unless another fold of it is under way; the rows folded. */
export async function foldVisibilityCounts(db: ClientBase | Pool, namespaceId: string): Promise<number> {
  const { rows } = await db.query<{ folded: number }>({ ...foldStatement, values: [namespaceId] });
  return rows[0]!.folded;
}

/**
 * A fold of this many times the fold threshold (rows a bulk load inserted, not the server's
 * steady trickle) is followed by VACUUM ANALYZE: until then Count would read past every row the
 * fold left dead, by the plan made for a big table, for up to autovacuum's next round (a minute).
 */
const VACUUM_AFTER_FOLDS_OF = 10;

/** Runs per status (visible runs only, statuses with none left out, in status order) and the delta rows summed. */
export interface VisibilityCounts {
  byStatus: Array<{ status: number; runs: number }>;
  deltas: number;
}

/**
 * Reads the counts, and folds a namespace when a Count sums many rows or after every
 * `store.postgresVisibilityCountFold` visibility writes of it by this process. Folds run in the
 * background, one per namespace at a time per process; a failed one leaves the rows to the next.
 */
export class VisibilityCountFolds {
  private readonly writes = new Map<string, number>();
  private readonly folding = new Set<string>();
  private readonly threshold = setting('store.postgresVisibilityCountFold');

  constructor(private readonly db: PostgresDatabase) {}

  async read(namespaceId: string): Promise<VisibilityCounts> {
    type Row = { status: number; divided: boolean; runs: string; deltas: number };
    const rows = await this.db.read<Row>(sumStatement, [namespaceId]);
    const byStatus = rows
      .filter((r) => !r.divided && Number(r.runs) > 0)
      .map((r) => ({ status: r.status, runs: Number(r.runs) }))
      .sort((a, b) => a.status - b.status);
    const deltas = rows.reduce((n, r) => n + r.deltas, 0);
    if (deltas > this.threshold) this.fold(namespaceId);
    return { byStatus, deltas };
  }

  /** A committed write of the namespace's visibility rows (each wrote a delta or two). */
  written(namespaceId: string, rows = 1): void {
    const n = (this.writes.get(namespaceId) ?? 0) + rows;
    if (n < this.threshold) {
      this.writes.set(namespaceId, n);
      return;
    }
    this.writes.delete(namespaceId);
    this.fold(namespaceId);
  }

  private fold(namespaceId: string): void {
    if (this.folding.has(namespaceId)) return;
    this.folding.add(namespaceId);
    this.db
      .run(async () => {
        const folded = await foldVisibilityCounts(this.db.pool, namespaceId);
        // SKIP_LOCKED: an autovacuum (or another process's VACUUM) already under way does it.
        if (folded >= VACUUM_AFTER_FOLDS_OF * this.threshold) await this.db.pool.query('VACUUM (ANALYZE, SKIP_LOCKED) visibility_count_deltas');
      })
      .catch(() => undefined)
      .finally(() => this.folding.delete(namespaceId));
  }
}
