import { resetRedirectLimitReached, workflowNotFound } from '@kairos/common/errors';
import type { RecordChildExecutionCompletedRequest } from '@kairos/proto/kairos/historyservice/v1/request_response';
import { recordChildCompleted } from '../workflow/children';
import type { HistoryContext } from './context';

/**
 * A child run closed: the parent records it (ChildWorkflowExecutionCompleted, Failed, …). A parent
 * that closed meanwhile, or that no longer waits for this child, changes nothing.
 */
export async function recordChildExecutionCompleted(ctx: HistoryContext, request: RecordChildExecutionCompletedRequest): Promise<void> {
  const parent = request.parentExecution!;
  let runId = parent.runId;
  // A parent closed by a reset hands the completion to the run the reset made (Temporal follows
  // at most 100 such links).
  for (let hops = 0; ; hops++) {
    const resetRunId = await recordInParent(ctx, request, runId);
    if (!resetRunId) return;
    if (hops >= MAX_RESET_REDIRECTS) throw resetRedirectLimitReached();
    runId = resetRunId;
  }
}

const MAX_RESET_REDIRECTS = 100;

/** Records the completion in run `runId` of the parent; answers the reset run id of a parent closed by a reset. */
async function recordInParent(ctx: HistoryContext, request: RecordChildExecutionCompletedRequest, runId: string): Promise<string | undefined> {
  const key = { namespaceId: request.namespaceId, workflowId: request.parentExecution!.workflowId, runId };
  return ctx.executions.transact(key, async (run): Promise<string | undefined> => {
    if (!run.isOpen && run.info.resetRunId) {
      run.discard();
      return run.info.resetRunId;
    }
    if (!run.isOpen) throw workflowNotFound('workflow execution already completed');
    const child = run.state.children[request.initiatedEventId];
    const execution = request.childExecution!;
    const firstRunId = request.childFirstExecutionRunId || execution.runId;
    if (!child || child.workflowId !== execution.workflowId || (child.runId && child.runId !== firstRunId && child.runId !== execution.runId)) {
      run.discard();
      return undefined;
    }
    // A child that closed before its start was recorded: the started event written first takes
    // the header of the initiated event.
    const initiatedEvent =
      child.startedEventId === 0 ? (await ctx.executions.readHistory(key, child.initiatedEventId, child.initiatedEventId + 1, 1))[0] : undefined;
    recordChildCompleted(run, child, execution, request.completion!, { initiatedEvent, firstExecutionRunId: firstRunId });
    return undefined;
  });
}
