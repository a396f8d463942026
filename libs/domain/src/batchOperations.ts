import { createHash } from 'node:crypto';
import { BatchOperationType } from '@kairos/proto/temporal/api/enums/v1/batch_operation';
import type { StartBatchOperationRequest } from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import { InvalidPageTokenError, parseAndResolve, QueryParseError, type ResolvedQuery, type SearchAttributeType } from '@kairos/visibility';

// The names a batch operation's record is written under and read back by: those of Temporal's
// batcher workflow, so List/Describe and visibility queries see what they see on Temporal.

/** A batch operation's visibility row carries this TemporalNamespaceDivision (workflow lists leave it out). */
export const BATCHER_NAMESPACE_DIVISION = 'TemporalBatcher';
export const BATCHER_WORKFLOW_TYPE = 'temporal-sys-batch-workflow-protobuf';
export const BATCHER_TASK_QUEUE = 'temporal-sys-per-ns-tq';

/** Memo fields of the record (Temporal's batcher constants). */
export const BATCH_MEMO = {
  type: 'batch_operation_type',
  reason: 'batch_operation_reason',
  stats: 'batch_operation_stats',
  query: 'batch_operation_visibility_query',
} as const;

/** Every batch operation of a namespace; with the status, the running ones (the concurrency check). */
export const BATCH_OPERATIONS_QUERY = `TemporalNamespaceDivision = '${BATCHER_NAMESPACE_DIVISION}'`;
export const OPEN_BATCH_OPERATIONS_QUERY = `${BATCH_OPERATIONS_QUERY} AND ExecutionStatus = 'Running'`;

/** The request's operation (its oneof field), the operations Kairos carries out. */
export type BatchOperationField =
  | 'terminationOperation'
  | 'cancellationOperation'
  | 'signalOperation'
  | 'deletionOperation'
  | 'resetOperation'
  | 'updateWorkflowOptionsOperation'
  | 'unpauseActivitiesOperation'
  | 'resetActivitiesOperation'
  | 'updateActivityOptionsOperation';

interface BatchOperationName {
  type: BatchOperationType;
  /** The memo's `batch_operation_type` (Temporal keeps the legacy words for workflow operations). */
  memo: string;
  /** Listed with Temporal's running filter: operations that only make sense on open runs. */
  openRunsOnly: boolean;
}

export const BATCH_OPERATION_NAMES: Readonly<Record<BatchOperationField, BatchOperationName>> = {
  terminationOperation: { type: BatchOperationType.BATCH_OPERATION_TYPE_TERMINATE_WORKFLOW, memo: 'terminate', openRunsOnly: true },
  cancellationOperation: { type: BatchOperationType.BATCH_OPERATION_TYPE_CANCEL_WORKFLOW, memo: 'cancel', openRunsOnly: true },
  signalOperation: { type: BatchOperationType.BATCH_OPERATION_TYPE_SIGNAL_WORKFLOW, memo: 'signal', openRunsOnly: true },
  deletionOperation: { type: BatchOperationType.BATCH_OPERATION_TYPE_DELETE_WORKFLOW, memo: 'delete', openRunsOnly: false },
  resetOperation: { type: BatchOperationType.BATCH_OPERATION_TYPE_RESET_WORKFLOW, memo: 'reset', openRunsOnly: false },
  updateWorkflowOptionsOperation: { type: BatchOperationType.BATCH_OPERATION_TYPE_UPDATE_WORKFLOW_EXECUTION_OPTIONS, memo: 'update_options', openRunsOnly: true },
  unpauseActivitiesOperation: { type: BatchOperationType.BATCH_OPERATION_TYPE_UNPAUSE_ACTIVITY, memo: 'unpause_activities', openRunsOnly: true },
  resetActivitiesOperation: { type: BatchOperationType.BATCH_OPERATION_TYPE_RESET_ACTIVITY, memo: 'reset_activities', openRunsOnly: true },
  updateActivityOptionsOperation: { type: BatchOperationType.BATCH_OPERATION_TYPE_UPDATE_ACTIVITY_OPTIONS, memo: 'update_activity_options', openRunsOnly: true },
};

/** Every operation a request may carry, in the oneof's order (those Kairos does not carry out too). */
export const ALL_BATCH_OPERATION_FIELDS = [
  'terminationOperation',
  'signalOperation',
  'cancellationOperation',
  'deletionOperation',
  'resetOperation',
  'updateWorkflowOptionsOperation',
  'unpauseActivitiesOperation',
  'resetActivitiesOperation',
  'updateActivityOptionsOperation',
  'cancelActivitiesOperation',
  'terminateActivitiesOperation',
  'deleteActivitiesOperation',
] as const;

/** The oneof field set on the request, if any. */
export function batchOperationFieldOf(request: StartBatchOperationRequest): (typeof ALL_BATCH_OPERATION_FIELDS)[number] | undefined {
  return ALL_BATCH_OPERATION_FIELDS.find((field) => request[field] !== undefined);
}

/** The memo word back to the enum (Describe and List), as Temporal's batchOperationTypeFromString. */
export function batchOperationTypeFromMemo(memo: string): BatchOperationType {
  const found = Object.values(BATCH_OPERATION_NAMES).find((n) => n.memo === memo || `${n.memo}_workflows` === memo);
  return found?.type ?? BatchOperationType.BATCH_OPERATION_TYPE_UNSPECIFIED;
}

/** What the batch lists: the user's query, restricted to open runs for operations on open runs (Temporal's adjustQuery). */
export function batchTargetQuery(query: string, openRunsOnly: boolean): string {
  if (!query || !openRunsOnly) return query;
  return `(${query}) AND (ExecutionStatus='Running' OR ExecutionStatus='Paused')`;
}

/**
 * Temporal's batcher request ids: a name-based UUID (SHA-1, version 5, nil namespace) of the job id
 * and the call's target, so a repeated call is recognised by the target as the same request.
 */
export function batchRequestId(jobId: string, ...parts: string[]): string {
  const name = [jobId, ...parts].join(':');
  const hash = createHash('sha1').update(Buffer.alloc(16)).update(name, 'utf8').digest();
  const bytes = Buffer.from(hash.subarray(0, 16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A list filter resolved against the namespace's attributes, or the reason it is refused. */
export function resolveBatchQuery(text: string, custom: ReadonlyMap<string, SearchAttributeType>): { query: ResolvedQuery } | { error: string } {
  try {
    return { query: parseAndResolve(text, custom) };
  } catch (err) {
    if (err instanceof QueryParseError || err instanceof InvalidPageTokenError) return { error: err.message };
    throw err;
  }
}
