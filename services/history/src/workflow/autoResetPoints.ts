import { setting } from '@kairos/common/settings';
import { addMs } from '@kairos/domain';
import type { RunTransaction } from './runTransaction';

/** Temporal keeps at most this many auto-reset points per chain (the oldest go first). */
const MAX_AUTO_RESET_POINTS = setting('history.maxAutoResetPoints');

/**
 * Temporal's auto-reset points: the first workflow task a build (or binary checksum) completed in
 * this chain, a place a reset can go back to; kept into continued runs.
 */
export function addAutoResetPoint(run: RunTransaction, buildId: string, isChecksum: boolean, completedEventId: number): void {
  if (!buildId) return;
  const info = run.info;
  const points = info.autoResetPoints?.points ?? [];
  if (points.some((p) => (isChecksum ? p.binaryChecksum : p.buildId) === buildId)) return;
  const point = {
    binaryChecksum: isChecksum ? buildId : '',
    buildId: isChecksum ? '' : buildId,
    runId: info.runId,
    firstWorkflowTaskCompletedId: completedEventId,
    createTime: run.now,
    expireTime: run.retentionMs > 0 ? addMs(run.now, run.retentionMs) : undefined,
    resettable: true,
  };
  info.autoResetPoints = { points: [...points, point].slice(-MAX_AUTO_RESET_POINTS) };
}
