import type { StoredTimerTask } from '@kairos/persistence/store';
import type { ExecutionManager } from '../shard/executionManager';
import { applyTimerTask } from '../workflow/timerTasks';

/** Applies a fired timer to its execution; a stale timer writes nothing. */
export function createTimerTaskExecutor(executions: ExecutionManager) {
  return async ({ task }: StoredTimerTask): Promise<void> => {
    const key = { namespaceId: task.namespaceId, workflowId: task.workflowId, runId: task.runId };
    await executions.transact(key, (run) => {
      if (!applyTimerTask(run, task)) run.discard();
    });
  };
}
