import type { NamespaceStore, StoredTimerTask, VisibilityStore } from '@kairos/persistence/store';
import type { HistoryClient } from '@kairos/cluster';
import type { ExecutionManager } from '../shard/executionManager';
import { startDecidedInline } from './scheduleActions';
import { runBatchStep } from './batchSteps';
import { TimerTaskKind } from '../workflow/protos';
import { scheduleWakeupFired } from '../workflow/schedules';
import { applyTimerTask } from '../workflow/timerTasks';

/** Applies a fired timer to its execution; a stale timer writes nothing. */
export function createTimerTaskExecutor(
  executions: ExecutionManager,
  history?: () => HistoryClient,
  /** Where batch operations list their targets (absent: no batch steps run). */
  visibility?: VisibilityStore & Pick<NamespaceStore, 'getSearchAttributes'>,
) {
  return async ({ task }: StoredTimerTask): Promise<void> => {
    const key = { namespaceId: task.namespaceId, workflowId: task.workflowId, runId: task.runId };
    if (task.kind === TimerTaskKind.TIMER_TASK_KIND_DELETE_CLOSED_RUN) {
      // Retention is over (a run already deleted is NOT_FOUND, which the queue drops).
      await executions.deleteClosed(key);
      return;
    }
    if (task.kind === TimerTaskKind.TIMER_TASK_KIND_SCHEDULE_WAKEUP) {
      await executions.transact(key, async (run) => {
        if (!scheduleWakeupFired(run, task.fireTime!)) return run.discard();
        if (history) await startDecidedInline(history, key, run);
      });
      return;
    }
    if (task.kind === TimerTaskKind.TIMER_TASK_KIND_BATCH_STEP) {
      if (!history || !visibility) throw new Error('this history service cannot run batch operations');
      await runBatchStep({ executions, history, visibility }, key, task.fireTime!);
      return;
    }
    await executions.transact(key, (run) => {
      if (!applyTimerTask(run, task)) run.discard();
    });
  };
}
