import { ResourceExhaustedCause, ResourceExhaustedScope } from '@kairos/proto/temporal/api/enums/v1/failed_cause';
import type { ApiError } from './apiError';
import { invalidArgument, resourceExhausted, workflowExecutionAlreadyStarted } from './serviceErrors';
import type { ConflictingRun } from './executionErrors';

// Refusals of the batch operation API, in the words of Temporal's frontend and batcher.

/** StartBatchOperation while the namespace runs its maximum of batch operations (frontend.MaxConcurrentBatchOperationPerNamespace). */
export function batchOperationsLimited(): ApiError {
  return resourceExhausted(
    ResourceExhaustedCause.RESOURCE_EXHAUSTED_CAUSE_CONCURRENT_LIMIT,
    ResourceExhaustedScope.RESOURCE_EXHAUSTED_SCOPE_NAMESPACE,
    'Max concurrent batch operations is reached',
  );
}

/** A visibility query its SQL parser refuses, with the position Temporal's parser reports. */
export function invalidBatchVisibilityQuery(syntaxError: string): ApiError {
  return invalidArgument(`invalid visibility query: ${syntaxError}`);
}

/** A batch request without its operation, reason, namespace or targets (Temporal's one message for all). */
export function batchRequiredParameters(): ApiError {
  return invalidArgument('must provide required parameters: BatchType,Reason,Namespace, AND one of (Query OR Executions OR TargetExecutions)');
}

/**
 * StartBatchOperation with the job id of a closed run: Temporal's history refuses its batcher
 * workflow's start (REJECT_DUPLICATE) in these words, which differ from its frontend's.
 */
export function batchJobIdReused(jobId: string, current: ConflictingRun): ApiError {
  return workflowExecutionAlreadyStarted(
    `Workflow execution already finished. WorkflowId: ${jobId}, RunId: ${current.runId}. Workflow Id reuse policy: reject duplicate workflow Id.`,
    current.startRequestId,
    current.runId,
    current.firstExecutionRunId,
  );
}
