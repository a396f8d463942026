import { scheduleNotFound } from '@kairos/common/errors';
import type { ExecutionKey } from '@kairos/persistence/store';
import { WorkflowExecutionStatus } from '../../workflow/protos';
import type { RunTransaction } from '../../workflow/runTransaction';
import type { HistoryContext } from '../context';

/**
 * The key of a schedule's record: the current run of its scheduler workflow id, if it is a live
 * schedule (a deleted one is gone; only a running record is a schedule, as Temporal treats it).
 */
export async function scheduleKey(ctx: HistoryContext, namespaceId: string, schedulerWorkflowId: string): Promise<ExecutionKey> {
  const current = await ctx.store.getCurrentExecution(namespaceId, schedulerWorkflowId);
  if (!current || current.status !== WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) throw scheduleNotFound(schedulerWorkflowId);
  return { namespaceId, workflowId: schedulerWorkflowId, runId: current.runId };
}

/** Runs `mutate` on the schedule's record; NOT_FOUND as Temporal words it when there is none. */
export async function transactSchedule<T>(
  ctx: HistoryContext,
  namespaceId: string,
  schedulerWorkflowId: string,
  mutate: (run: RunTransaction) => T | Promise<T>,
): Promise<T> {
  const key = await scheduleKey(ctx, namespaceId, schedulerWorkflowId);
  return ctx.executions.transact(key, (run) => {
    if (!run.isOpen || !run.state.schedule) throw scheduleNotFound(schedulerWorkflowId);
    return mutate(run);
  });
}
