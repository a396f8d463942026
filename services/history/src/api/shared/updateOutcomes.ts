import { setting } from '@kairos/common/settings';
import type { ApiError } from '@kairos/common/errors';
import type { Failure } from '../../workflow/protos';

/** How an update that left the run's records ended: rejected by the workflow, or aborted with an error. */
export type UpdateEnd = { rejection: Failure | undefined } | { error: ApiError };

const KEEP_MS = setting('history.updateOutcomeRetention');
const MAX_ENTRIES = setting('history.updateOutcomeMaxEntries');

/**
 * Rejections are written nowhere (Temporal: a rejected update leaves no trace), so the callers
 * waiting on one learn of it from here: the shard owner that processed the rejection keeps it
 * for a minute. Callers wait on the same instance (requests route by workflow id).
 */
export class UpdateOutcomes {
  private readonly ends = new Map<string, { end: UpdateEnd; expires: number }>();

  rejected(executionKey: string, rejections: Array<{ updateId: string; failure: Failure | undefined }>): void {
    for (const r of rejections) this.remember(executionKey, r.updateId, { rejection: r.failure });
  }

  aborted(executionKey: string, updateIds: string[], error: ApiError): void {
    for (const id of updateIds) this.remember(executionKey, id, { error });
  }

  /** How the update ended, if it ended here recently. */
  endOf(executionKey: string, updateId: string): UpdateEnd | undefined {
    const entry = this.ends.get(`${executionKey}/${updateId}`);
    if (!entry || entry.expires < Date.now()) return undefined;
    return entry.end;
  }

  /** A re-admitted update (same id, sent again after its rejection) starts afresh. */
  forget(executionKey: string, updateId: string): void {
    this.ends.delete(`${executionKey}/${updateId}`);
  }

  private remember(executionKey: string, updateId: string, end: UpdateEnd): void {
    const now = Date.now();
    if (this.ends.size >= MAX_ENTRIES) {
      for (const [k, v] of this.ends) {
        if (v.expires < now || this.ends.size >= MAX_ENTRIES) this.ends.delete(k);
        else break;
      }
    }
    this.ends.delete(`${executionKey}/${updateId}`);
    this.ends.set(`${executionKey}/${updateId}`, { end, expires: now + KEEP_MS });
  }
}
