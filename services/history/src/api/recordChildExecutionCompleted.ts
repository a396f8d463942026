import { workflowNotFound } from '@kairos/common/errors';
import type { RecordChildExecutionCompletedRequest } from '@kairos/proto/kairos/historyservice/v1/request_response';
import { recordChildCompleted } from '../workflow/children';
import type { HistoryContext } from './context';

/**
 * A child run closed: the parent records it (ChildWorkflowExecutionCompleted, Failed, …). A parent
 * that closed meanwhile, or that no longer waits for this child, changes nothing.
 */
export async function recordChildExecutionCompleted(ctx: HistoryContext, request: RecordChildExecutionCompletedRequest): Promise<void> {
  const parent = request.parentExecution!;
  const key = { namespaceId: request.namespaceId, workflowId: parent.workflowId, runId: parent.runId };
  await ctx.executions.transact(key, async (run) => {
    if (!run.isOpen) throw workflowNotFound('workflow execution already completed');
    const child = run.state.children[request.initiatedEventId];
    const execution = request.childExecution!;
    const firstRunId = request.childFirstExecutionRunId || execution.runId;
    if (!child || child.workflowId !== execution.workflowId || (child.runId && child.runId !== firstRunId && child.runId !== execution.runId)) return run.discard();
    // A child that closed before its start was recorded: the started event written first takes
    // the header of the initiated event.
    const initiatedEvent =
      child.startedEventId === 0 ? (await ctx.executions.readHistory(key, child.initiatedEventId, child.initiatedEventId + 1, 1))[0] : undefined;
    recordChildCompleted(run, child, execution, request.completion!, { initiatedEvent, firstExecutionRunId: firstRunId });
  });
}
