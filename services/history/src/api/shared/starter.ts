import { setting } from '@kairos/common/settings';
import { memoSizeLimitError, newRunId } from '@kairos/domain';
import { blobSizeLimitExceeded, concurrentStarts, memoSizeLimitExceeded, workflowAlreadyRunning, workflowIdReuseFailedOnly, workflowIdReuseRejected } from '@kairos/common/errors';
import { CurrentExecutionConflictError } from '@kairos/persistence/errors';
import type { CurrentExecutionRecord, CurrentExecutionWrite } from '@kairos/persistence/store';
import { Memo } from '@kairos/proto/temporal/api/common/v1/message';
import { StartWorkflowExecutionResponse } from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import type { HistoryContext } from '../context';
import { StartWorkflowExecutionRequest, WorkflowExecutionStatus, WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '../../workflow/protos';
import { newExecution, type StartSignal } from '../../workflow/newRun';
import { replaceRun } from '../../workflow/closeRun';
import type { ParentInfo } from '@kairos/proto/kairos/persistence/v1/executions';
import { payloadsSize } from '../../workflow/payloads';
import type { RunTransaction } from '../../workflow/runTransaction';
import { completeMessage } from '@kairos/proto';

/**
 * What to do about an existing current run for the workflow id: answer the retried request,
 * refuse, reuse, or go ahead and replace it.
 */
function resolveConflict(
  request: StartWorkflowExecutionRequest,
  current: CurrentExecutionRecord,
): { response: StartWorkflowExecutionResponse } | { replace: true } | { terminate: string } {
  if (current.startRequestId === request.requestId && request.requestId) {
    return { response: completeMessage(StartWorkflowExecutionResponse.fromPartial({ runId: current.runId, started: true, status: current.status })) };
  }
  if (current.status === WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
    if (request.workflowIdConflictPolicy === WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING) {
      return { response: completeMessage(StartWorkflowExecutionResponse.fromPartial({ runId: current.runId, started: false, status: current.status })) };
    }
    // The running run is terminated and replaced, both in one write (Temporal gives both
    // policies this one termination reason).
    if (
      request.workflowIdConflictPolicy === WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING ||
      request.workflowIdReusePolicy === WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_TERMINATE_IF_RUNNING
    ) {
      return { terminate: 'TerminateIfRunning WorkflowIdReusePolicy' };
    }
    throw workflowAlreadyRunning(request.workflowId, current);
  }
  switch (request.workflowIdReusePolicy) {
    case WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE:
      throw workflowIdReuseRejected(request.workflowId, current);
    case WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY:
      if (current.status === WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED) {
        throw workflowIdReuseFailedOnly(request.workflowId, current);
      }
      return { replace: true };
    default:
      return { replace: true };
  }
}

/**
 * Starts a run of the workflow id as Temporal decides it against the current run (request-id
 * retries, conflict and reuse policies), in one write with the current-execution row; shared by
 * start, signal-with-start (the signal in the first write) and update-with-start (the update
 * admitted in the first write).
 */
export async function startRun(
  ctx: HistoryContext,
  namespaceId: string,
  request: StartWorkflowExecutionRequest,
  signal?: StartSignal,
  parent?: ParentInfo,
  /** Changes the new run in its first write (update-with-start admits the update there). */
  onNewRun?: (run: RunTransaction) => void,
): Promise<StartWorkflowExecutionResponse> {
  const limits = await ctx.executions.namespaceLimits(namespaceId);
  const inputSize = payloadsSize(request.input);
  if (inputSize > limits.blobSizeLimitError) throw blobSizeLimitExceeded();
  if (inputSize > limits.blobSizeLimitWarn) {
    ctx.logger.warn('workflow input exceeds warn limit', { workflowId: request.workflowId, size: inputSize, warnLimit: limits.blobSizeLimitWarn });
  }
  if (request.memo && Memo.encode(request.memo).finish().length > memoSizeLimitError()) throw memoSizeLimitExceeded();
  const recordOf = (runId: string): CurrentExecutionRecord => ({
    namespaceId,
    workflowId: request.workflowId,
    runId,
    firstExecutionRunId: runId,
    startRequestId: request.requestId,
    status: WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING,
  });
  /** Writes the new run with its current-execution row; undefined when another run holds the row (decide again). */
  const create = async (runId: string, currentWrite: CurrentExecutionWrite): Promise<StartWorkflowExecutionResponse | undefined> => {
    const run = newExecution(namespaceId, runId, request, signal, undefined, parent);
    onNewRun?.(run);
    try {
      await ctx.executions.create({ namespaceId, workflowId: request.workflowId, runId }, run, currentWrite);
      return completeMessage(StartWorkflowExecutionResponse.fromPartial({ runId, started: true, status: WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING }));
    } catch (err) {
      if (err instanceof CurrentExecutionConflictError) return undefined;
      throw err;
    }
  };
  // The common case first, without reading: a workflow id with no current run. The write creates
  // the current-execution row only if there is none; if there is, read it and decide as below.
  const firstRunId = newRunId();
  const created = await create(firstRunId, { mode: 'create', record: recordOf(firstRunId) });
  if (created) return created;
  for (let attempt = 0; attempt < setting('history.startAttempts'); attempt++) {
    const current = await ctx.store.getCurrentExecution(namespaceId, request.workflowId);
    const runId = newRunId();
    let currentWrite: CurrentExecutionWrite;
    if (current) {
      const decision = resolveConflict(request, current);
      if ('response' in decision) return decision.response;
      if ('terminate' in decision) {
        const replaced = await terminateAndStart(ctx, namespaceId, request, current, runId, decision.terminate, signal, parent, onNewRun);
        if (replaced) return replaced;
        continue; // the run closed meanwhile: decide again
      }
      currentWrite = { mode: 'replace', expectedRunId: current.runId, record: recordOf(runId) };
    } else {
      currentWrite = { mode: 'create', record: recordOf(runId) };
    }
    // Another start may win the race for the workflow id meanwhile: then decide again against what it wrote.
    const started = await create(runId, currentWrite);
    if (started) return started;
  }
  throw concurrentStarts();
}


/**
 * Terminates the running run and starts the new one in the same transaction (the new run's write
 * moves the current-execution row, as continue-as-new does). Undefined when that run is no longer
 * running, so the caller decides again.
 */
async function terminateAndStart(
  ctx: HistoryContext,
  namespaceId: string,
  request: StartWorkflowExecutionRequest,
  current: CurrentExecutionRecord,
  runId: string,
  reason: string,
  signal: StartSignal | undefined,
  parent: ParentInfo | undefined,
  onNewRun: ((run: RunTransaction) => void) | undefined,
): Promise<StartWorkflowExecutionResponse | undefined> {
  const started = await ctx.executions.transact({ namespaceId, workflowId: request.workflowId, runId: current.runId }, (run) => {
    if (!run.isOpen) {
      run.discard();
      return false;
    }
    const successor = newExecution(namespaceId, runId, request, signal, undefined, parent);
    onNewRun?.(successor);
    replaceRun(run, reason, request.identity, successor);
    return true;
  });
  return started ? completeMessage(StartWorkflowExecutionResponse.fromPartial({ runId, started: true, status: WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING })) : undefined;
}
