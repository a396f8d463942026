import { hostname } from 'node:os';
import type { HistoryClient } from '@kairos/cluster';
import { batchRequestId, type BatchOperationField } from '@kairos/domain';
import type { BatchOperationRecord } from '@kairos/proto/kairos/persistence/v1/executions';
import { batchResetPoint } from './batchResetPoint';

/** One execution a batch operation applies to (run id empty: the current run). */
export interface BatchTarget {
  workflowId: string;
  runId: string;
}

export interface BatchCallContext {
  history: HistoryClient;
  namespaceId: string;
  record: BatchOperationRecord;
}

/**
 * The identity of the calls Temporal's batcher makes through its SDK client (terminate, cancel):
 * the Go SDK's default, `<pid>@<host>@`.
 */
const BATCHER_CLIENT_IDENTITY = `${process.pid}@${hostname()}@`;

/**
 * One operation applied to one target, as Temporal's batcher calls the frontend for it. A call
 * repeated after a crash must change nothing: terminate and delete find the run closed or gone
 * (NOT_FOUND, which counts as done), cancel and signal carry request ids fixed by the job id and
 * the target, which the target deduplicates; the workflow options and activity operations set
 * what they set again, to the same effect. A reset is not deduplicated (as on Temporal): a page
 * repeated after a crash may reset a target of it twice. A new operation is one more entry here
 * and its name in `BATCH_OPERATION_NAMES` (@kairos/domain).
 */
export const BATCH_OPERATIONS: Readonly<Record<BatchOperationField, (ctx: BatchCallContext, target: BatchTarget) => Promise<unknown>>> = {
  terminationOperation: ({ history, namespaceId, record }, target) =>
    history.terminateWorkflowExecution({
      namespaceId,
      request: {
        namespace: record.namespace,
        workflowExecution: target,
        reason: record.request!.reason,
        details: undefined,
        identity: BATCHER_CLIENT_IDENTITY,
        firstExecutionRunId: '',
        links: [],
      },
    }),
  cancellationOperation: ({ history, namespaceId, record }, target) =>
    history.requestCancelWorkflowExecution({
      namespaceId,
      request: {
        namespace: record.namespace,
        workflowExecution: target,
        identity: BATCHER_CLIENT_IDENTITY,
        // Temporal's SDK client sends a random one; a fixed one makes a repeated call a no-op here.
        requestId: batchRequestId(record.request!.jobId, 'cancel', target.workflowId, target.runId),
        firstExecutionRunId: '',
        reason: '',
        links: [],
      },
      externalWorkflowExecution: undefined,
      externalInitiatedEventId: 0,
    }),
  signalOperation: ({ history, namespaceId, record }, target) => {
    const op = record.request!.signalOperation!;
    return history.signalWorkflowExecution({
      namespaceId,
      request: {
        namespace: record.namespace,
        workflowExecution: target,
        signalName: op.signal,
        input: op.input,
        identity: op.identity,
        requestId: batchRequestId(record.request!.jobId, 'signal', target.workflowId, target.runId, op.signal),
        control: '',
        header: op.header,
        links: [],
      },
      externalWorkflowExecution: undefined,
    });
  },
  deletionOperation: ({ history, namespaceId, record }, target) =>
    history.deleteWorkflowExecution({ namespaceId, request: { namespace: record.namespace, workflowExecution: target } }),
  resetOperation: async ({ history, namespaceId, record }, listed) => {
    const op = record.request!.resetOperation!;
    const target = { ...listed };
    const finishEventId = await batchResetPoint(history, namespaceId, record.namespace, op, target);
    return history.resetWorkflowExecution({
      namespaceId,
      request: {
        namespace: record.namespace,
        workflowExecution: target,
        reason: record.request!.reason,
        // Temporal's batcher's id; Temporal does not deduplicate resets by it, nor does Kairos.
        requestId: batchRequestId(record.request!.jobId, 'reset', target.workflowId, target.runId),
        workflowTaskFinishEventId: finishEventId,
        resetReapplyType: op.options ? op.options.resetReapplyType : op.resetReapplyType,
        resetReapplyExcludeTypes: op.options?.resetReapplyExcludeTypes ?? [],
        postResetOperations: op.postResetOperations,
        identity: op.identity,
      },
    });
  },
  updateWorkflowOptionsOperation: ({ history, namespaceId, record }, target) => {
    const op = record.request!.updateWorkflowOptionsOperation!;
    return history.updateWorkflowExecutionOptions({
      namespaceId,
      request: {
        namespace: record.namespace,
        workflowExecution: target,
        workflowExecutionOptions: op.workflowExecutionOptions,
        updateMask: op.updateMask,
        identity: op.identity,
      },
    });
  },
  unpauseActivitiesOperation: ({ history, namespaceId, record }, target) => {
    const op = record.request!.unpauseActivitiesOperation!;
    return history.unpauseActivity({
      namespaceId,
      request: {
        namespace: record.namespace,
        execution: target,
        identity: op.identity,
        ...(op.type !== undefined ? { type: op.type } : { unpauseAll: true }),
        resetAttempts: op.resetAttempts,
        resetHeartbeat: op.resetHeartbeat,
        jitter: op.jitter,
      },
    });
  },
  resetActivitiesOperation: ({ history, namespaceId, record }, target) => {
    const op = record.request!.resetActivitiesOperation!;
    return history.resetActivity({
      namespaceId,
      request: {
        namespace: record.namespace,
        execution: target,
        identity: op.identity,
        ...(op.type !== undefined ? { type: op.type } : { matchAll: true }),
        resetHeartbeat: op.resetHeartbeat,
        keepPaused: op.keepPaused,
        jitter: op.jitter,
        restoreOriginalOptions: op.restoreOriginalOptions,
      },
    });
  },
  updateActivityOptionsOperation: ({ history, namespaceId, record }, target) => {
    const op = record.request!.updateActivityOptionsOperation!;
    return history.updateActivityOptions({
      namespaceId,
      request: {
        namespace: record.namespace,
        execution: target,
        identity: op.identity,
        ...(op.type !== undefined ? { type: op.type } : { matchAll: true }),
        activityOptions: op.activityOptions,
        updateMask: op.updateMask,
        restoreOriginal: op.restoreOriginal,
      },
    });
  },
};
