import { setting } from '@kairos/common/settings';
import { addMs } from '@kairos/domain';
import type { RunTransaction } from './runTransaction';

/** Temporal keeps at most this many auto-reset points per chain (the oldest go first). */
const MAX_AUTO_RESET_POINTS = setting('history.maxAutoResetPoints');

/**
 * Temporal's auto-reset points: the first workflow task completed in this chain by each pair of
 * binary checksum and build id (either or both may be empty: a worker that sends neither still
 * gets its point, as on the Temporal server), a place a reset can go back to; kept into continued
 * runs.
 */
export function addAutoResetPoint(run: RunTransaction, binaryChecksum: string, buildId: string, completedEventId: number): void {
  const info = run.info;
  const points = info.autoResetPoints?.points ?? [];
  if (points.some((p) => p.binaryChecksum === binaryChecksum && p.buildId === buildId)) return;
  const point = {
    binaryChecksum,
    buildId,
    runId: info.runId,
    firstWorkflowTaskCompletedId: completedEventId,
    createTime: run.now,
    expireTime: run.retentionMs > 0 ? addMs(run.now, run.retentionMs) : undefined,
    resettable: true,
  };
  info.autoResetPoints = { points: [...points, point].slice(-MAX_AUTO_RESET_POINTS) };
}
