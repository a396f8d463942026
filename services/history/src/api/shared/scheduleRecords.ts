import { notFound, scheduleNotFound, type ApiError } from '@kairos/common/errors';
import type { ExecutionKey } from '@kairos/persistence/store';
import { WorkflowExecutionStatus } from '../../workflow/protos';
import type { RunTransaction } from '../../workflow/runTransaction';
import type { HistoryContext } from '../context';

/**
 * The key of a schedule's record: the current run of its scheduler workflow id, if it is a live
 * schedule (a deleted one is gone; only a running record is a schedule, as Temporal treats it).
 */
export async function scheduleKey(ctx: HistoryContext, namespaceId: string, schedulerWorkflowId: string, whenDeleted: ApiError = notFound('schedule not found')): Promise<ExecutionKey> {
  const current = await ctx.store.getCurrentExecution(namespaceId, schedulerWorkflowId);
  if (!current) throw scheduleNotFound(schedulerWorkflowId);
  // A deleted schedule's record is kept closed for the retention: Temporal's words for it.
  if (current.status !== WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) throw whenDeleted;
  return { namespaceId, workflowId: schedulerWorkflowId, runId: current.runId };
}

/** Runs `mutate` on the schedule's record; NOT_FOUND as Temporal words it when there is none. */
export async function transactSchedule<T>(
  ctx: HistoryContext,
  namespaceId: string,
  schedulerWorkflowId: string,
  mutate: (run: RunTransaction) => T | Promise<T>,
  whenDeleted: ApiError = notFound('schedule not found'),
): Promise<T> {
  const key = await scheduleKey(ctx, namespaceId, schedulerWorkflowId, whenDeleted);
  return ctx.executions.transact(key, (run) => {
    if (!run.state.schedule) throw scheduleNotFound(schedulerWorkflowId);
    if (!run.isOpen) throw whenDeleted;
    return mutate(run);
  });
}
