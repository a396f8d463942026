import { RESETTER_IDENTITY } from '../workflow/reset';
import { Status } from 'nice-grpc-common';
import { isApiError } from '@kairos/common/errors';
import type { HistoryClient, MatchingClient } from '@kairos/cluster';
import { ParentClosePolicy } from '@kairos/proto/temporal/api/enums/v1/workflow';
import { recordChildStarted, recordChildStartFailed } from '../workflow/children';
import { recordExternalDelivered, recordExternalFailed } from '../workflow/external';
import type { ExecutionManager } from '../shard/executionManager';
import { StartWorkflowExecutionRequest, TransferTaskKind, WorkflowExecutionStatus, type HistoryEvent, type TransferTask } from '../workflow/protos';
import { DELETE_TERMINATION_REASON, HISTORY_SERVICE_IDENTITY } from '../workflow/closeRun';
import type { ExternalRequestKind } from './taskMetricNames';
import { runScheduleActions } from './scheduleActions';

/**
 * Runs one transfer task; throwing leaves it for the next scan (delivery is at least once). An
 * external request tells whether it was a signal or a cancellation (metrics name them apart).
 */
export type TransferTaskExecutor = (task: TransferTask) => Promise<ExternalRequestKind | void>;

const code = (err: unknown) => (isApiError(err) ? err.code : (err as { code?: number }).code);

/**
 * What each kind of transfer task does after its commit: workflow and activity tasks go to
 * matching; child starts and close notifications are calls to history (the other run may live on
 * another shard, on another instance), followed by a write to this run. Every step is idempotent:
 * a child start carries a fixed request id, and each record is checked against the current state.
 */
export function createTransferTaskExecutor(deps: { executions: ExecutionManager; matching: MatchingClient; history: () => HistoryClient }): TransferTaskExecutor {
  const { matching } = deps;
  return async (task) => {
    const workflowExecution = { workflowId: task.workflowId, runId: task.runId };
    const key = { namespaceId: task.namespaceId, ...workflowExecution };
    switch (task.kind) {
      case TransferTaskKind.TRANSFER_TASK_KIND_WORKFLOW_TASK:
        await matching.addWorkflowTask({
          namespaceId: task.namespaceId,
          workflowExecution,
          taskQueue: task.taskQueue,
          scheduledEventId: task.scheduledEventId,
          scheduleToStartTimeout: task.scheduleToStartTimeout,
        });
        return;
      case TransferTaskKind.TRANSFER_TASK_KIND_ACTIVITY_TASK:
        await matching.addActivityTask({
          namespaceId: task.namespaceId,
          workflowExecution,
          taskQueue: task.taskQueue,
          scheduledEventId: task.scheduledEventId,
          attempt: task.attempt,
          scheduleToStartTimeout: task.scheduleToStartTimeout,
          priority: task.priority,
        });
        return;
      case TransferTaskKind.TRANSFER_TASK_KIND_START_CHILD:
        return startChild(deps, key, task.scheduledEventId);
      case TransferTaskKind.TRANSFER_TASK_KIND_CLOSE_EXECUTION:
        await closeExecution(deps, key);
        // A re-delivered task finds the run deleted already.
        if (task.deleteAfterClose) await deps.executions.delete(key, DELETE_TERMINATION_REASON).catch(ignoreClosed);
        return;
      case TransferTaskKind.TRANSFER_TASK_KIND_EXTERNAL_REQUEST:
        return deliverExternalRequest(deps, key, task.scheduledEventId);
      case TransferTaskKind.TRANSFER_TASK_KIND_SCHEDULE_ACTIONS:
        return runScheduleActions(deps, key);
    }
  };
}

async function startChild(
  { executions, history }: { executions: ExecutionManager; history: () => HistoryClient },
  key: { namespaceId: string; workflowId: string; runId: string },
  initiatedEventId: number,
): Promise<void> {
  const snapshot = await executions.read(key);
  const parentInfo = snapshot?.mutableState.executionInfo;
  const child = snapshot?.mutableState.children[initiatedEventId];
  if (!parentInfo || !child || child.startedEventId !== 0) return; // already started, or the parent moved on
  const [initiatedEvent] = await executions.readHistory(key, initiatedEventId, initiatedEventId + 1, 1);
  const attrs = initiatedEvent?.startChildWorkflowExecutionInitiatedEventAttributes;
  if (!attrs) return;
  let runId: string;
  try {
    const started = await history().startWorkflowExecution({
      namespaceId: child.namespaceId,
      request: StartWorkflowExecutionRequest.fromPartial({
        namespace: child.namespace,
        workflowId: child.workflowId,
        workflowType: attrs.workflowType,
        taskQueue: attrs.taskQueue,
        input: attrs.input,
        workflowExecutionTimeout: attrs.workflowExecutionTimeout,
        workflowRunTimeout: attrs.workflowRunTimeout,
        workflowTaskTimeout: attrs.workflowTaskTimeout,
        requestId: child.createRequestId,
        workflowIdReusePolicy: attrs.workflowIdReusePolicy,
        retryPolicy: attrs.retryPolicy,
        cronSchedule: attrs.cronSchedule,
        memo: attrs.memo,
        searchAttributes: attrs.searchAttributes,
        header: attrs.header,
        priority: attrs.priority,
      }),
      parent: {
        namespace: child.namespace,
        namespaceId: key.namespaceId,
        execution: { workflowId: key.workflowId, runId: key.runId },
        initiatedEventId,
        rootExecution: parentInfo.parent?.rootExecution ?? { workflowId: key.workflowId, runId: key.runId },
      },
    });
    runId = started.response!.runId;
  } catch (err) {
    if (code(err) !== Status.ALREADY_EXISTS) throw err;
    await executions.transact(key, (run) => {
      const pending = run.state.children[initiatedEventId];
      if (!run.isOpen || !pending || pending.startedEventId !== 0) return run.discard();
      recordChildStartFailed(run, pending, initiatedEvent);
    }).catch(ignoreClosed);
    return;
  }
  await executions.transact(key, (run) => {
    const pending = run.state.children[initiatedEventId];
    // Started already recorded (a re-delivered task, or the child's completion got here first).
    if (!run.isOpen || !pending || pending.startedEventId !== 0) return run.discard();
    recordChildStarted(run, pending, { workflowId: child.workflowId, runId }, attrs.header);
  }).catch(ignoreClosed);
}

/** A closed run that ends its chain tells its parent and the schedule that started it, and applies the parent close policy to its children. */
async function closeExecution(
  { executions, history }: { executions: ExecutionManager; history: () => HistoryClient },
  key: { namespaceId: string; workflowId: string; runId: string },
): Promise<void> {
  const snapshot = await executions.read(key);
  const state = snapshot?.mutableState;
  const info = state?.executionInfo;
  if (!state || !info) return;
  const { parent, scheduledBy } = info;
  // A run followed by another (a retry, the next cron run, continue-as-new) leaves the telling of
  // its parent and its schedule to the last one.
  const completion =
    (parent || scheduledBy) && info.status !== WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW
      ? (await executions.readHistory(key, info.completionEventId, info.completionEventId + 1, 1))[0]
      : undefined;
  if (completion && !successorRunId(completion)) {
    if (scheduledBy) {
      await history()
        .recordScheduledWorkflowClosed({
          namespaceId: key.namespaceId,
          schedulerWorkflowId: scheduledBy.schedulerWorkflowId,
          execution: { workflowId: key.workflowId, runId: info.firstExecutionRunId },
          completion,
        })
        .catch(ignoreClosed);
    }
    if (parent) {
      await history()
        .recordChildExecutionCompleted({
          namespaceId: parent.namespaceId,
          parentExecution: parent.execution,
          initiatedEventId: parent.initiatedEventId,
          childExecution: { workflowId: key.workflowId, runId: key.runId },
          childWorkflowType: info.workflowTypeName,
          completion,
          childFirstExecutionRunId: info.firstExecutionRunId,
        })
        .catch(ignoreClosed);
    }
  }
  // A run the resetter terminated keeps its children: the run the reset made has them too and
  // their completions are forwarded to it (Temporal, with allowResetWithPendingChildren).
  if (info.resetRunId && info.status === WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED) {
    const closing = completion ?? (await executions.readHistory(key, info.completionEventId, info.completionEventId + 1, 1))[0];
    if (closing?.workflowExecutionTerminatedEventAttributes?.identity === RESETTER_IDENTITY) return;
  }
  for (const child of Object.values(state.children)) {
    const execution = { workflowId: child.workflowId, runId: child.runId };
    if (child.parentClosePolicy === ParentClosePolicy.PARENT_CLOSE_POLICY_TERMINATE) {
      await history()
        .terminateWorkflowExecution({
          namespaceId: child.namespaceId,
          request: { namespace: child.namespace, workflowExecution: execution, reason: 'by parent close policy', identity: HISTORY_SERVICE_IDENTITY, firstExecutionRunId: '', details: undefined, links: [] },
        })
        .catch(ignoreClosed);
    } else if (child.parentClosePolicy === ParentClosePolicy.PARENT_CLOSE_POLICY_REQUEST_CANCEL) {
      await history()
        .requestCancelWorkflowExecution({
          namespaceId: child.namespaceId,
          request: {
            namespace: child.namespace,
            workflowExecution: execution,
            identity: HISTORY_SERVICE_IDENTITY,
            requestId: `${key.runId}/${child.initiatedEventId}`,
            firstExecutionRunId: '',
            reason: '',
            links: [],
          },
          externalWorkflowExecution: { workflowId: key.workflowId, runId: key.runId },
          externalInitiatedEventId: 0,
        })
        .catch(ignoreClosed);
    }
  }
}

function successorRunId(closing: HistoryEvent): string {
  const attrs =
    closing.workflowExecutionCompletedEventAttributes ??
    closing.workflowExecutionFailedEventAttributes ??
    closing.workflowExecutionTimedOutEventAttributes;
  return attrs?.newExecutionRunId ?? '';
}

/** The other run is gone or closed: nothing left to tell it. */
function ignoreClosed(err: unknown): void {
  if (code(err) !== Status.NOT_FOUND) throw err;
}

/** Delivers a signal or cancellation request to another run, then records the answer in this one. */
async function deliverExternalRequest(
  { executions, history }: { executions: ExecutionManager; history: () => HistoryClient },
  key: { namespaceId: string; workflowId: string; runId: string },
  initiatedEventId: number,
): Promise<ExternalRequestKind | undefined> {
  const snapshot = await executions.read(key);
  const request = snapshot?.mutableState.externalRequests[initiatedEventId];
  if (!request) return undefined; // answered already
  const [initiated] = await executions.readHistory(key, initiatedEventId, initiatedEventId + 1, 1);
  const self = { workflowId: key.workflowId, runId: key.runId };
  let delivered = true;
  try {
    if (request.cancel) {
      await history().requestCancelWorkflowExecution({
        namespaceId: request.namespaceId,
        request: {
          namespace: request.namespace,
          workflowExecution: request.execution,
          identity: HISTORY_SERVICE_IDENTITY,
          requestId: request.requestId,
          firstExecutionRunId: '',
          reason: initiated?.requestCancelExternalWorkflowExecutionInitiatedEventAttributes?.reason ?? '',
          links: [],
        },
        externalWorkflowExecution: self,
        externalInitiatedEventId: initiatedEventId,
      });
    } else {
      const attrs = initiated?.signalExternalWorkflowExecutionInitiatedEventAttributes;
      await history().signalWorkflowExecution({
        namespaceId: request.namespaceId,
        request: {
          namespace: request.namespace,
          workflowExecution: request.execution,
          signalName: attrs?.signalName ?? '',
          input: attrs?.input,
          identity: HISTORY_SERVICE_IDENTITY,
          requestId: request.requestId,
          control: attrs?.control ?? '',
          header: attrs?.header,
          links: [],
        },
        externalWorkflowExecution: self,
      });
    }
  } catch (err) {
    if (code(err) !== Status.NOT_FOUND) throw err;
    delivered = false;
  }
  await executions
    .transact(key, (run) => {
      const pending = run.state.externalRequests[initiatedEventId];
      if (!run.isOpen || !pending) return run.discard();
      if (delivered) recordExternalDelivered(run, pending);
      else recordExternalFailed(run, pending);
    })
    .catch(ignoreClosed);
  return request.cancel ? 'cancel' : 'signal';
}
