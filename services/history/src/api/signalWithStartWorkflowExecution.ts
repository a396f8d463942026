import { setting } from '@kairos/common/settings';
import {
  SignalWorkflowExecutionRequest,
  SignalWithStartWorkflowExecutionResponse,
  type SignalWithStartWorkflowExecutionRequest,
} from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import type { HistoryContext } from './context';
import { WorkflowIdConflictPolicy } from '@kairos/proto/temporal/api/enums/v1/workflow';
import { StartWorkflowExecutionRequest, WorkflowExecutionStatus } from '../workflow/protos';
import { checkSignalInput, signalRun } from './shared/signaling';
import { startRun } from './shared/starter';

/**
 * Signals the workflow id's running run, or starts a new run (by the id reuse policy) whose
 * history holds the signal right after WorkflowExecutionStarted. A run that closes between the
 * look and the signal is handled by trying again.
 */
export async function signalWithStartWorkflowExecution(
  ctx: HistoryContext,
  namespaceId: string,
  request: SignalWithStartWorkflowExecutionRequest,
): Promise<SignalWithStartWorkflowExecutionResponse> {
  checkSignalInput(request.signalInput, (await ctx.executions.namespaceLimits(namespaceId)).blobSizeLimitError);
  const signal = { signalName: request.signalName, input: request.signalInput, identity: request.identity, header: request.header, requestId: request.requestId };
  for (let attempt = 0; attempt < setting('history.startAttempts'); attempt++) {
    const current = await ctx.store.getCurrentExecution(namespaceId, request.workflowId);
    // TERMINATE_EXISTING asks for a new run even when one is running: startRun terminates it.
    const restart = request.workflowIdConflictPolicy === WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING;
    if (!restart && current?.status === WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING && current.startRequestId !== request.requestId) {
      try {
        await signalRun(
          ctx,
          namespaceId,
          SignalWorkflowExecutionRequest.fromPartial({
            namespace: request.namespace,
            workflowExecution: { workflowId: request.workflowId, runId: current.runId },
            signalName: request.signalName,
            input: request.signalInput,
            identity: request.identity,
            requestId: request.requestId,
            control: request.control,
            header: request.header,
          }),
        );
        return SignalWithStartWorkflowExecutionResponse.fromPartial({ runId: current.runId, started: false });
      } catch (err) {
        // The run closed meanwhile: start a new one.
        if ((err as { code?: number }).code === 5 && attempt < 2) continue;
        throw err;
      }
    }
    const started = await startRun(
      ctx,
      namespaceId,
      StartWorkflowExecutionRequest.fromPartial({
        namespace: request.namespace,
        workflowId: request.workflowId,
        workflowType: request.workflowType,
        taskQueue: request.taskQueue,
        input: request.input,
        workflowExecutionTimeout: request.workflowExecutionTimeout,
        workflowRunTimeout: request.workflowRunTimeout,
        workflowTaskTimeout: request.workflowTaskTimeout,
        identity: request.identity,
        requestId: request.requestId,
        workflowIdReusePolicy: request.workflowIdReusePolicy,
        workflowIdConflictPolicy: request.workflowIdConflictPolicy,
        retryPolicy: request.retryPolicy,
        cronSchedule: request.cronSchedule,
        memo: request.memo,
        searchAttributes: request.searchAttributes,
        header: request.header,
        workflowStartDelay: request.workflowStartDelay,
        userMetadata: request.userMetadata,
        priority: request.priority,
      }),
      signal,
    );
    return SignalWithStartWorkflowExecutionResponse.fromPartial({ runId: started.runId, started: started.started });
  }
  throw new Error('unreachable');
}
