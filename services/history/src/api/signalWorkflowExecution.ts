import { Status } from 'nice-grpc-common';
import { ApiError } from '@kairos/common/errors';
import type {
  RequestCancelWorkflowExecutionRequest,
  SignalWorkflowExecutionRequest,
} from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import type { HistoryContext } from '../context';
import { workflowNotFound } from '../executionManager';
import type { ExecutionUpdate } from '../executionUpdate';
import { payloadsSize } from '../payloads';
import { EventType, type Header, type Payloads, type WorkflowExecution } from '../protos';
import { scheduleWorkflowTask } from '../workflowTasks';

/** Temporal's history.maximumSignalsPerExecution default. */
export const MAX_SIGNALS_PER_EXECUTION = 10_000;

/** Whether this run already applied the request id (a retried signal or cancel changes nothing). */
function alreadyApplied(update: ExecutionUpdate, requestId: string): boolean {
  return requestId !== '' && update.state.appliedRequestIds.includes(requestId);
}

function remember(update: ExecutionUpdate, requestId: string): void {
  if (requestId) update.state.appliedRequestIds.push(requestId);
}

/** Refuses a signal input over the namespace's blob limit, as Temporal does, before anything is read. */
export function checkSignalInput(input: Payloads | undefined, limit: number): void {
  if (payloadsSize(input) > limit) throw new ApiError(Status.INVALID_ARGUMENT, 'Blob data size exceeds limit.');
}

/**
 * Records a signal: WorkflowExecutionSignaled (buffered while a workflow task is started) and a
 * workflow task to deliver it, unless one is already scheduled or started.
 */
export function appendSignal(
  update: ExecutionUpdate,
  signal: { signalName: string; input?: Payloads; identity: string; header?: Header; requestId: string; externalWorkflowExecution?: WorkflowExecution },
): void {
  const count = (update.info.signalCount ?? 0) + 1;
  if (count > MAX_SIGNALS_PER_EXECUTION) {
    throw new ApiError(Status.INVALID_ARGUMENT, 'exceeded workflow execution limit for signal events');
  }
  update.info.signalCount = count;
  update.appendOrBufferEvent(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, {
    workflowExecutionSignaledEventAttributes: {
      signalName: signal.signalName,
      input: signal.input,
      identity: signal.identity,
      header: signal.header,
      requestId: signal.requestId,
      externalWorkflowExecution: signal.externalWorkflowExecution,
    },
  });
  scheduleWorkflowTask(update);
}

export async function signalWorkflowExecution(
  ctx: HistoryContext,
  namespaceId: string,
  request: SignalWorkflowExecutionRequest,
  externalWorkflowExecution?: WorkflowExecution,
): Promise<void> {
  checkSignalInput(request.input, (await ctx.executions.namespaceLimits(namespaceId)).blobSizeLimitError);
  const execution = request.workflowExecution;
  const key = await ctx.executions.resolveRunId(namespaceId, execution?.workflowId ?? '', execution?.runId);
  await ctx.executions.update(key, (update) => {
    if (!update.isOpen) throw workflowNotFound('workflow execution already completed');
    if (alreadyApplied(update, request.requestId)) return update.discard();
    appendSignal(update, { ...request, externalWorkflowExecution });
    remember(update, request.requestId);
  });
}

/**
 * Asks the run to cancel itself: WorkflowExecutionCancelRequested and a workflow task. Asking
 * again changes nothing and is not an error, as in Temporal.
 */
export async function requestCancelWorkflowExecution(
  ctx: HistoryContext,
  namespaceId: string,
  request: RequestCancelWorkflowExecutionRequest,
  external?: { execution?: WorkflowExecution; initiatedEventId: number },
): Promise<void> {
  const execution = request.workflowExecution;
  const key = await ctx.executions.resolveRunId(namespaceId, execution?.workflowId ?? '', execution?.runId);
  await ctx.executions.update(key, (update) => {
    if (request.firstExecutionRunId && request.firstExecutionRunId !== update.info.firstExecutionRunId) throw workflowNotFound();
    if (!update.isOpen) throw workflowNotFound('workflow execution already completed');
    if (update.info.cancelRequested || alreadyApplied(update, request.requestId)) return update.discard();
    update.info.cancelRequested = true;
    update.appendOrBufferEvent(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED, {
      workflowExecutionCancelRequestedEventAttributes: {
        cause: request.reason,
        identity: request.identity,
        externalWorkflowExecution: external?.execution,
        externalInitiatedEventId: external?.initiatedEventId ?? 0,
      },
    });
    scheduleWorkflowTask(update);
    remember(update, request.requestId);
  });
}
