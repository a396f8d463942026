import type { ExecutionKey, ExecutionWrite } from './executions/executionWrite';
import type { TaskQueueKind } from './taskQueues/taskQueueStore';

/** Checks shared by the Store implementations: programming errors a write must not carry. */

export const keyString = (key: ExecutionKey): string => `${key.namespaceId}/${key.workflowId}/${key.runId}`;

export function validateWrite(write: ExecutionWrite): void {
  const { key, expectedDbVersion } = write;
  if (!Number.isSafeInteger(expectedDbVersion) || expectedDbVersion < 0) {
    throw new Error(`expectedDbVersion must be a non-negative integer, got ${expectedDbVersion}`);
  }
  const record = write.currentExecution?.record;
  if (
    record &&
    (record.namespaceId !== key.namespaceId || record.workflowId !== key.workflowId || record.runId !== key.runId)
  ) {
    throw new Error(`current-execution record ${keyString(record)} does not describe the run written, ${keyString(key)}`);
  }
  if (write.encodedEvents && write.encodedEvents.length !== write.newEvents.length) {
    throw new Error(`encodedEvents of ${keyString(key)} has ${write.encodedEvents.length} entries for ${write.newEvents.length} events`);
  }
  const vis = write.visibility;
  if (vis && (vis.namespaceId !== key.namespaceId || vis.workflowId !== key.workflowId || vis.runId !== key.runId)) {
    throw new Error(`visibility record ${keyString(vis)} does not describe the run written, ${keyString(key)}`);
  }
  for (const id of write.obsoleteTimerTaskIds ?? []) {
    if (!Number.isSafeInteger(id)) throw new Error(`obsolete timer task id of ${keyString(key)} must be an integer, got ${id}`);
  }
  for (const task of write.timerTasks) {
    if (!task.fireTime || Number.isNaN(task.fireTime.getTime())) throw new Error(`timer task of ${keyString(key)} has no valid fireTime`);
  }
}

/** Checks a group of writes for writeExecutions: each as validateWrite, and all on one shard with one fencing number. */
export function validateWrites(writes: ExecutionWrite[]): void {
  if (writes.length === 0) throw new Error('writeExecutions needs at least one write');
  for (const write of writes) {
    validateWrite(write);
    if (write.shardId !== writes[0]!.shardId || write.rangeId !== writes[0]!.rangeId) {
      throw new Error('writeExecutions: every write must be on the same shard with the same range id');
    }
  }
}

export function checkKind(kind: TaskQueueKind): void {
  if (kind !== 'workflow' && kind !== 'activity') throw new Error(`unknown task queue kind ${String(kind)}`);
}
