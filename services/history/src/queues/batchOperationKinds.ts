import { hostname } from 'node:os';
import type { HistoryClient } from '@kairos/cluster';
import { batchRequestId, type BatchOperationField } from '@kairos/domain';
import type { BatchOperationRecord } from '@kairos/proto/kairos/persistence/v1/executions';

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
 * the target, which the target deduplicates. A new operation (reset, workflow options, activity
 * operations) is one more entry here and its name in `BATCH_OPERATION_NAMES` (@kairos/domain).
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
};
