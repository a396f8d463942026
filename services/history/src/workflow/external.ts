import { randomUUID } from 'node:crypto';
import type {
  RequestCancelExternalWorkflowExecutionCommandAttributes,
  SignalExternalWorkflowExecutionCommandAttributes,
} from '@kairos/proto/temporal/api/command/v1/message';
import {
  CancelExternalWorkflowExecutionFailedCause,
  SignalExternalWorkflowExecutionFailedCause,
} from '@kairos/proto/temporal/api/enums/v1/failed_cause';
import { ExternalRequestInfo } from '@kairos/proto/kairos/persistence/v1/executions';
import type { RunTransaction } from './runTransaction';
import { EventType, TransferTaskKind } from './protos';
import { scheduleWorkflowTask } from './workflowTasks';

/**
 * SignalExternalWorkflowExecution / RequestCancelExternalWorkflowExecution: the Initiated event
 * now, and a transfer task that delivers the request to the other run and records the answer here
 * (ExternalWorkflowExecutionSignaled / CancelRequested, or the Failed event when the run is gone).
 */
export function initiateExternalSignal(run: RunTransaction, attrs: SignalExternalWorkflowExecutionCommandAttributes, completedEventId: number, ownNamespace = ''): void {
  const namespaceId = run.info.namespaceId;
  const event = run.appendEvent(EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED, {
    signalExternalWorkflowExecutionInitiatedEventAttributes: {
      workflowTaskCompletedEventId: completedEventId,
      namespace: attrs.namespace,
      namespaceId,
      workflowExecution: attrs.execution,
      signalName: attrs.signalName,
      input: attrs.input,
      control: attrs.control,
      childWorkflowOnly: attrs.childWorkflowOnly,
      header: attrs.header,
    },
  });
  remember(run, event.eventId, false, attrs.namespace || ownNamespace, attrs.execution?.workflowId ?? '', attrs.execution?.runId ?? '', attrs.control);
}

export function initiateExternalCancel(run: RunTransaction, attrs: RequestCancelExternalWorkflowExecutionCommandAttributes, completedEventId: number, ownNamespace = ''): void {
  const namespaceId = run.info.namespaceId;
  const event = run.appendEvent(EventType.EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED, {
    requestCancelExternalWorkflowExecutionInitiatedEventAttributes: {
      workflowTaskCompletedEventId: completedEventId,
      namespace: attrs.namespace,
      namespaceId,
      workflowExecution: { workflowId: attrs.workflowId, runId: attrs.runId },
      control: attrs.control,
      childWorkflowOnly: attrs.childWorkflowOnly,
      reason: attrs.reason,
    },
  });
  remember(run, event.eventId, true, attrs.namespace || ownNamespace, attrs.workflowId, attrs.runId, attrs.control);
}

function remember(run: RunTransaction, initiatedEventId: number, cancel: boolean, namespace: string, workflowId: string, runId: string, control: string): void {
  run.state.externalRequests[initiatedEventId] = ExternalRequestInfo.fromPartial({
    initiatedEventId,
    cancel,
    namespace,
    namespaceId: run.info.namespaceId,
    execution: { workflowId, runId },
    control,
    requestId: randomUUID(),
  });
  run.addTransferTask({ kind: TransferTaskKind.TRANSFER_TASK_KIND_EXTERNAL_REQUEST, scheduledEventId: initiatedEventId });
}

/** The other run took the request: ExternalWorkflowExecutionSignaled / CancelRequested and a workflow task. */
export function recordExternalDelivered(run: RunTransaction, request: ExternalRequestInfo): void {
  const common = {
    initiatedEventId: request.initiatedEventId,
    namespace: request.namespace,
    namespaceId: request.namespaceId,
    workflowExecution: request.execution,
  };
  if (request.cancel) {
    run.appendOrBufferEvent(EventType.EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_CANCEL_REQUESTED, {
      externalWorkflowExecutionCancelRequestedEventAttributes: common,
    });
  } else {
    run.appendOrBufferEvent(EventType.EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_SIGNALED, {
      externalWorkflowExecutionSignaledEventAttributes: { ...common, control: request.control },
    });
  }
  delete run.state.externalRequests[request.initiatedEventId];
  scheduleWorkflowTask(run);
}

/**
 * The other run does not exist or is closed: the Failed event (cause EXTERNAL_WORKFLOW_EXECUTION_NOT_FOUND).
 * Temporal leaves its workflow task completed id unset.
 */
export function recordExternalFailed(run: RunTransaction, request: ExternalRequestInfo): void {
  const common = {
    namespace: request.namespace,
    namespaceId: request.namespaceId,
    workflowExecution: request.execution,
    initiatedEventId: request.initiatedEventId,
    control: request.control,
  };
  if (request.cancel) {
    run.appendOrBufferEvent(EventType.EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED, {
      requestCancelExternalWorkflowExecutionFailedEventAttributes: {
        ...common,
        cause: CancelExternalWorkflowExecutionFailedCause.CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED_CAUSE_EXTERNAL_WORKFLOW_EXECUTION_NOT_FOUND,
      },
    });
  } else {
    run.appendOrBufferEvent(EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED, {
      signalExternalWorkflowExecutionFailedEventAttributes: {
        ...common,
        cause: SignalExternalWorkflowExecutionFailedCause.SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED_CAUSE_EXTERNAL_WORKFLOW_EXECUTION_NOT_FOUND,
      },
    });
  }
  delete run.state.externalRequests[request.initiatedEventId];
  scheduleWorkflowTask(run);
}
