import {
  BATCH_MEMO,
  BATCH_OPERATION_NAMES,
  BATCHER_NAMESPACE_DIVISION,
  BATCHER_TASK_QUEUE,
  BATCHER_WORKFLOW_TYPE,
  batchOperationFieldOf,
  batchTargetQuery,
  type BatchOperationField,
} from '@kairos/domain';
import { BatchOperationRecord } from '@kairos/proto/kairos/persistence/v1/executions';
import { Memo, Payload, SearchAttributes } from '@kairos/proto/temporal/api/common/v1/message';
import { BatchOperationState } from '@kairos/proto/temporal/api/enums/v1/batch_operation';
import { ExecutionType } from '@kairos/proto/temporal/api/enums/v1/common';
import { DescribeBatchOperationResponse, type StartBatchOperationRequest } from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import { RunTransaction } from './runTransaction';
import { ExecutionInfo, MutableState, TaskQueue, TimerTaskKind, WorkflowExecutionStatus } from './protos';

// A batch operation's record: an execution with no events on its job id (as Temporal's batcher
// workflow), whose BATCH_STEP timers walk its targets a page at a time. Pure transitions; the
// step's calls to the targets are made by queues/batchSteps.ts.

function jsonPayload(value: unknown): Payload {
  return Payload.fromPartial({ metadata: { encoding: new TextEncoder().encode('json/plain') }, data: new TextEncoder().encode(JSON.stringify(value)) });
}

/** The operation a record carries out (the frontend lets only these through). */
export function batchOperationFieldOfRecord(record: BatchOperationRecord): BatchOperationField {
  return batchOperationFieldOf(record.request!) as BatchOperationField;
}

/** The operation's identity, where Temporal reads it (the operation's own `identity`). */
function operationIdentity(request: StartBatchOperationRequest, field: BatchOperationField): string {
  return request[field]?.identity ?? '';
}

/**
 * StartBatchOperation's write: the record, its visibility (memo with type, reason and query as
 * Temporal's frontend writes them; TemporalNamespaceDivision and BatcherUser) and its first step, due now.
 */
export function newBatchOperation(namespaceId: string, runId: string, requestId: string, request: StartBatchOperationRequest, now: Date): RunTransaction {
  const field = batchOperationFieldOf(request) as BatchOperationField;
  const names = BATCH_OPERATION_NAMES[field];
  const identity = operationIdentity(request, field);
  const memo: Record<string, Payload> = { [BATCH_MEMO.type]: jsonPayload(names.memo), [BATCH_MEMO.reason]: jsonPayload(request.reason) };
  if (request.visibilityQuery) memo[BATCH_MEMO.query] = jsonPayload(request.visibilityQuery);
  const state = MutableState.fromPartial({
    executionInfo: ExecutionInfo.fromPartial({
      namespaceId,
      workflowId: request.jobId,
      runId,
      firstExecutionRunId: runId,
      workflowTypeName: BATCHER_WORKFLOW_TYPE,
      taskQueue: TaskQueue.fromPartial({ name: BATCHER_TASK_QUEUE }),
      startTime: now,
      executionTime: now,
      status: WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING,
      startRequestId: requestId,
      memo: Memo.fromPartial({ fields: memo }),
      searchAttributes: SearchAttributes.fromPartial({
        indexedFields: { TemporalNamespaceDivision: jsonPayload(BATCHER_NAMESPACE_DIVISION), BatcherUser: jsonPayload(identity) },
      }),
    }),
    nextEventId: 1,
    batchOperation: BatchOperationRecord.fromPartial({
      namespace: request.namespace,
      request,
      operationType: names.type,
      identity,
      targetQuery: batchTargetQuery(request.visibilityQuery, names.openRunsOnly),
    }),
  });
  const run = new RunTransaction(state, now);
  armStep(run, now);
  return run;
}

function armStep(run: RunTransaction, at: Date): void {
  run.state.batchOperation!.nextStep = at;
  run.addTimerTask({ kind: TimerTaskKind.TIMER_TASK_KIND_BATCH_STEP, fireTime: at });
}

/** Whether a BATCH_STEP timer fired at `fireTime` is the record's current step (older ones are stale). */
export function isCurrentBatchStep(state: MutableState | undefined, fireTime: Date): boolean {
  const record = state?.batchOperation;
  return state?.executionInfo?.status === WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING && record?.nextStep?.getTime() === fireTime.getTime();
}

/** What one step did: the targets it applied the operation to, and where the next one starts. */
export interface BatchStepOutcome {
  /** Set by the first step. */
  totalEstimate?: number;
  succeeded: number;
  failed: number;
  /** Query targets: the next page's token; explicit targets: how many are done now. */
  pageToken?: Uint8Array;
  targetsDone?: number;
  /** No target left. */
  finished: boolean;
  /** When the next step is due (the rate limit). */
  nextStepAt: Date;
}

/**
 * A step's outcome, written with the next step's timer in one write (or, for the last step, the
 * record closed COMPLETED with Temporal's stats memo). False when the step is stale (the record
 * was stopped or stepped meanwhile): nothing is written.
 */
export function recordBatchStep(run: RunTransaction, fireTime: Date, outcome: BatchStepOutcome): boolean {
  if (!isCurrentBatchStep(run.state, fireTime)) return false;
  const record = run.state.batchOperation!;
  if (outcome.totalEstimate !== undefined) {
    record.estimated = true;
    record.totalEstimate = outcome.totalEstimate;
  }
  record.pageAttempts = 0;
  record.successCount += outcome.succeeded;
  record.errorCount += outcome.failed;
  if (outcome.pageToken) record.pageToken = outcome.pageToken;
  if (outcome.targetsDone !== undefined) record.targetsDone = outcome.targetsDone;
  record.nextStep = undefined;
  if (!outcome.finished) {
    armStep(run, outcome.nextStepAt);
    return true;
  }
  run.info.memo ??= Memo.fromPartial({});
  run.info.memo.fields[BATCH_MEMO.stats] = jsonPayload({ NumSuccess: record.successCount, NumFailure: record.errorCount });
  run.markClosed(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED, 0);
  return true;
}

/**
 * Some target's call failed for a reason worth retrying: the page is tried again at `retryAt`
 * (nothing of it is counted yet; the calls made are recognised as made when repeated).
 */
export function retryBatchStep(run: RunTransaction, fireTime: Date, retryAt: Date): boolean {
  if (!isCurrentBatchStep(run.state, fireTime)) return false;
  run.state.batchOperation!.pageAttempts++;
  armStep(run, retryAt);
  return true;
}

/** The targets could not be listed (a query visibility refuses): the batch fails, as Temporal's batcher workflow does. */
export function failBatchOperation(run: RunTransaction, fireTime: Date): boolean {
  if (!isCurrentBatchStep(run.state, fireTime)) return false;
  run.state.batchOperation!.nextStep = undefined;
  run.markClosed(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_FAILED, 0);
  return true;
}

/** Temporal's getBatchOperationState. */
function stateOf(status: WorkflowExecutionStatus): BatchOperationState {
  if (status === WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) return BatchOperationState.BATCH_OPERATION_STATE_RUNNING;
  if (status === WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED) return BatchOperationState.BATCH_OPERATION_STATE_COMPLETED;
  return BatchOperationState.BATCH_OPERATION_STATE_FAILED;
}

/**
 * DescribeBatchOperation of the run on the job id. A completed batch reports its final counts
 * (total = done + failed, as Temporal's stats); otherwise the estimate and the counts recorded so
 * far. A run that is no batch is described by its status and times only, as Temporal does.
 */
export function describeBatchOperation(state: MutableState): DescribeBatchOperationResponse {
  const info = state.executionInfo!;
  const response = DescribeBatchOperationResponse.fromPartial({
    jobId: info.workflowId,
    state: stateOf(info.status),
    startTime: info.startTime,
    closeTime: info.status === WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING ? undefined : info.closeTime,
  });
  const record = state.batchOperation;
  if (!record) return response;
  const request = record.request!;
  response.operationType = record.operationType;
  response.identity = record.identity;
  response.reason = request.reason;
  response.query = request.visibilityQuery;
  response.executions = request.targetExecutions.length
    ? request.targetExecutions
    : request.executions.map((e) => ({ type: ExecutionType.EXECUTION_TYPE_WORKFLOW, businessId: e.workflowId, runId: e.runId }));
  response.completeOperationCount = record.successCount;
  response.failureOperationCount = record.errorCount;
  response.totalOperationCount = info.status === WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED ? record.successCount + record.errorCount : record.totalEstimate;
  return response;
}
