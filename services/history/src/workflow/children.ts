import { setting } from '@kairos/common/settings';
import { withRetryDefaults } from './retryPolicy';
import { randomUUID } from 'node:crypto';
import type { StartChildWorkflowExecutionCommandAttributes } from '@kairos/proto/temporal/api/command/v1/message';
import { ParentClosePolicy } from '@kairos/proto/temporal/api/enums/v1/workflow';
import { StartChildWorkflowExecutionFailedCause } from '@kairos/proto/temporal/api/enums/v1/failed_cause';
import type { RunTransaction } from './runTransaction';
import {
  EventType,
  HistoryEvent,
  TaskQueue,
  TaskQueueKind,
  TransferTaskKind,
  type WorkflowExecution,
} from './protos';
import { ChildExecutionInfo } from '@kairos/proto/kairos/persistence/v1/executions';
import { durationToMs, msToDuration } from '@kairos/domain';
import { WorkflowIdReusePolicy } from '@kairos/proto/temporal/api/enums/v1/workflow';
import { Header } from '@kairos/proto/temporal/api/common/v1/message';

/** Temporal's default workflow task timeout, recorded when the command leaves it unset. */
const DEFAULT_WORKFLOW_TASK_TIMEOUT_MS = setting('history.defaultWorkflowTaskTimeout');
import { scheduleWorkflowTask } from './workflowTasks';

/**
 * StartChildWorkflowExecution: StartChildWorkflowExecutionInitiated now, and a transfer task that
 * starts the child and then records ChildWorkflowExecutionStarted here. An unset task queue is
 * the parent's; the parent close policy defaults to TERMINATE, as in Temporal.
 */
export function initiateChild(run: RunTransaction, attrs: StartChildWorkflowExecutionCommandAttributes, completedEventId: number): void {
  const info = run.info;
  const taskQueue = TaskQueue.fromPartial({ name: attrs.taskQueue?.name || info.taskQueue!.name, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL });
  const parentClosePolicy = attrs.parentClosePolicy || ParentClosePolicy.PARENT_CLOSE_POLICY_TERMINATE;
  // Temporal records the defaults it applies: unlimited run, a 10 s task timeout, ALLOW_DUPLICATE.
  // (A command's attributes come here normalised by validateStartChild; unit tests may leave them unset.)
  const taskTimeout = durationToMs(attrs.workflowTaskTimeout) > 0 ? attrs.workflowTaskTimeout : msToDuration(DEFAULT_WORKFLOW_TASK_TIMEOUT_MS);
  const event = run.appendEvent(EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED, {
    startChildWorkflowExecutionInitiatedEventAttributes: {
      namespace: attrs.namespace,
      namespaceId: info.namespaceId,
      workflowId: attrs.workflowId,
      workflowType: attrs.workflowType,
      taskQueue,
      input: attrs.input,
      workflowExecutionTimeout: attrs.workflowExecutionTimeout,
      workflowRunTimeout: attrs.workflowRunTimeout ?? msToDuration(0),
      workflowTaskTimeout: taskTimeout,
      parentClosePolicy,
      control: attrs.control,
      workflowTaskCompletedEventId: completedEventId,
      workflowIdReusePolicy: attrs.workflowIdReusePolicy || WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
      // (with the policy's defaults filled in, as for a workflow started by a client)
      retryPolicy: attrs.retryPolicy ? withRetryDefaults(attrs.retryPolicy) : undefined,
      cronSchedule: attrs.cronSchedule,
      header: attrs.header,
      memo: attrs.memo && Object.keys(attrs.memo.fields).length > 0 ? attrs.memo : undefined,
      searchAttributes: attrs.searchAttributes,
      inheritBuildId: attrs.inheritBuildId,
      priority: attrs.priority,
    },
  });
  run.state.children[event.eventId] = ChildExecutionInfo.fromPartial({
    initiatedEventId: event.eventId,
    namespace: attrs.namespace,
    namespaceId: info.namespaceId,
    workflowId: attrs.workflowId,
    workflowTypeName: attrs.workflowType?.name ?? '',
    parentClosePolicy,
    createRequestId: randomUUID(),
  });
  run.addTransferTask({ kind: TransferTaskKind.TRANSFER_TASK_KIND_START_CHILD, scheduledEventId: event.eventId });
}

/** The child started: ChildWorkflowExecutionStarted (buffered while a workflow task runs) and a task to tell the workflow. */
export function recordChildStarted(run: RunTransaction, child: ChildExecutionInfo, execution: WorkflowExecution, header?: Header): void {
  writeChildStarted(run, child, execution, header);
  scheduleWorkflowTask(run);
}

function writeChildStarted(run: RunTransaction, child: ChildExecutionInfo, execution: WorkflowExecution, header: Header | undefined): void {
  child.runId = execution.runId;
  child.startedEventId = -1; // the id comes with the event (now, or when the buffer is flushed)
  run.appendOrBufferEvent(EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED, {
    childWorkflowExecutionStartedEventAttributes: {
      namespace: child.namespace,
      namespaceId: child.namespaceId,
      initiatedEventId: child.initiatedEventId,
      workflowExecution: execution,
      workflowType: { name: child.workflowTypeName },
      header,
    },
  });
  const written = run.newEvents.at(-1);
  if (written?.childWorkflowExecutionStartedEventAttributes?.initiatedEventId === child.initiatedEventId) child.startedEventId = written.eventId;
}

/** The child could not start (its workflow id is taken): StartChildWorkflowExecutionFailed. */
export function recordChildStartFailed(run: RunTransaction, child: ChildExecutionInfo, initiatedEvent: HistoryEvent | undefined): void {
  const initiated = initiatedEvent?.startChildWorkflowExecutionInitiatedEventAttributes;
  run.appendOrBufferEvent(EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED, {
    startChildWorkflowExecutionFailedEventAttributes: {
      namespace: child.namespace,
      namespaceId: child.namespaceId,
      workflowId: child.workflowId,
      workflowType: { name: child.workflowTypeName },
      cause: StartChildWorkflowExecutionFailedCause.START_CHILD_WORKFLOW_EXECUTION_FAILED_CAUSE_WORKFLOW_ALREADY_EXISTS,
      control: initiated?.control ?? '',
      initiatedEventId: child.initiatedEventId,
      workflowTaskCompletedEventId: initiated?.workflowTaskCompletedEventId ?? 0,
    },
  });
  delete run.state.children[child.initiatedEventId];
  scheduleWorkflowTask(run);
}

/**
 * What recordChildCompleted needs when the child's start was never recorded: its StartChild…
 * Initiated event (for the header) and the first run of the child's chain.
 */
export interface MissingChildStart {
  initiatedEvent: HistoryEvent | undefined;
  firstExecutionRunId: string;
}

/**
 * The child closed: the matching Child… event from its closing event, and a workflow task. A child
 * that closed before its start was recorded first gets its ChildWorkflowExecutionStarted (naming
 * the first run of its chain, with the initiated event's header), then the closing event, then
 * the task, as Temporal's recordStartedEventIfMissing.
 */
export function recordChildCompleted(run: RunTransaction, child: ChildExecutionInfo, execution: WorkflowExecution, completion: HistoryEvent, missingStart?: MissingChildStart): void {
  if (child.startedEventId === 0) {
    const header = missingStart?.initiatedEvent?.startChildWorkflowExecutionInitiatedEventAttributes?.header;
    writeChildStarted(run, child, { workflowId: execution.workflowId, runId: missingStart?.firstExecutionRunId || execution.runId }, header);
  }
  const common = {
    namespace: child.namespace,
    namespaceId: child.namespaceId,
    workflowExecution: execution,
    workflowType: { name: child.workflowTypeName },
    initiatedEventId: child.initiatedEventId,
    startedEventId: child.startedEventId,
  };
  const completed = completion.workflowExecutionCompletedEventAttributes;
  const failed = completion.workflowExecutionFailedEventAttributes;
  const canceled = completion.workflowExecutionCanceledEventAttributes;
  const timedOut = completion.workflowExecutionTimedOutEventAttributes;
  if (completed) {
    run.appendOrBufferEvent(EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED, {
      childWorkflowExecutionCompletedEventAttributes: { ...common, result: completed.result },
    });
  } else if (failed) {
    run.appendOrBufferEvent(EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED, {
      childWorkflowExecutionFailedEventAttributes: { ...common, failure: failed.failure, retryState: failed.retryState },
    });
  } else if (canceled) {
    run.appendOrBufferEvent(EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED, {
      childWorkflowExecutionCanceledEventAttributes: { ...common, details: canceled.details },
    });
  } else if (timedOut) {
    run.appendOrBufferEvent(EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT, {
      childWorkflowExecutionTimedOutEventAttributes: { ...common, retryState: timedOut.retryState },
    });
  } else {
    run.appendOrBufferEvent(EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TERMINATED, {
      childWorkflowExecutionTerminatedEventAttributes: common,
    });
  }
  delete run.state.children[child.initiatedEventId];
  scheduleWorkflowTask(run);
}
