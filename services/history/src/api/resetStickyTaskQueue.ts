import { workflowNotFound } from '@kairos/common/errors';
import type { ResetStickyTaskQueueRequest } from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import type { HistoryContext } from './context';
import { clearStickiness } from '../workflow/workflowTasks';

/** Forgets the run's sticky queue: its next workflow task goes to the normal queue (no event). */
export async function resetStickyTaskQueue(ctx: HistoryContext, namespaceId: string, request: ResetStickyTaskQueueRequest): Promise<void> {
  const key = await ctx.executions.resolveRunId(namespaceId, request.execution?.workflowId ?? '', request.execution?.runId);
  await ctx.executions.transact(key, (run) => {
    if (!run.isOpen) throw workflowNotFound('workflow execution already completed');
    if (!run.info.stickyTaskQueue) return run.discard();
    clearStickiness(run);
  });
}
