import { queryFailed, workflowNotReady } from '@kairos/common/dist/errors';
import { QueryRejectCondition, QueryResultType } from '@kairos/proto/dist/generated/temporal/api/enums/v1/query';
import {
  QueryWorkflowResponse,
  type QueryWorkflowRequest,
} from '@kairos/proto/dist/generated/temporal/api/workflowservice/v1/request_response';
import type { HistoryContext } from '../context';
import { executionKeyString, workflowNotFound } from '../executionManager';
import type { ExecutionKey } from '@kairos/persistence/dist/store';
import { readHistoryPage } from '../historyReader';
import { PollWorkflowTaskQueueResponse, TaskQueue, TaskQueueKind, WorkflowExecutionStatus } from '../protos';

const RUNNING = WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING;
const COMPLETED = WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED;

/** Whether the query reject condition turns the query away for a run in `status`. */
function rejected(condition: QueryRejectCondition, status: WorkflowExecutionStatus): boolean {
  switch (condition) {
    case QueryRejectCondition.QUERY_REJECT_CONDITION_NOT_OPEN:
      return status !== RUNNING;
    case QueryRejectCondition.QUERY_REJECT_CONDITION_NOT_COMPLETED_CLEANLY:
      return status !== RUNNING && status !== COMPLETED;
    default:
      return false;
  }
}

/** How long a query waits for the run's first workflow task to complete (Temporal: one second). */
const FIRST_WORKFLOW_TASK_WAIT_MS = 1_000;
/** How long a query waits for a workflow task in flight to finish, so it sees what that task applies. */
const PENDING_WORKFLOW_TASK_WAIT_MS = 10_000;

/**
 * The run's state once it is worth querying: its first workflow task completed (waited for up to a
 * second, as Temporal does), and no workflow task scheduled or running (waited for up to ten
 * seconds), so a query right after a signal sees the signal applied, as Temporal's buffered
 * queries do.
 */
async function settledSnapshot(ctx: HistoryContext, key: ExecutionKey) {
  const started = Date.now();
  for (;;) {
    const snapshot = await ctx.executions.read(key);
    if (!snapshot) throw workflowNotFound();
    const info = snapshot.mutableState.executionInfo!;
    const firstDone = info.lastCompletedWorkflowTaskStartedEventId > 0;
    const task = snapshot.mutableState.workflowTask;
    // A speculative task not started yet (an update on its way) holds nothing a query should see.
    const busy = info.status === RUNNING && task !== undefined && !(task.speculative && task.startedEventId === 0);
    const waited = Date.now() - started;
    const limit = firstDone ? PENDING_WORKFLOW_TASK_WAIT_MS : FIRST_WORKFLOW_TASK_WAIT_MS;
    if (info.status !== RUNNING || !busy || waited >= limit) return snapshot;
    await ctx.waiter.wait(executionKeyString(key), Math.min(200, limit - waited)).promise;
  }
}

/**
 * QueryWorkflow: a query task with the run's full history goes to a worker polling the run's
 * queue (through matching), which replays the run and answers. Works on closed runs too, unless
 * the reject condition says otherwise; a run whose first workflow task has not completed has no
 * state to query yet.
 */
export async function queryWorkflow(ctx: HistoryContext, namespaceId: string, request: QueryWorkflowRequest): Promise<QueryWorkflowResponse> {
  const key = await ctx.executions.resolveRunId(namespaceId, request.execution?.workflowId ?? '', request.execution?.runId);
  const snapshot = await settledSnapshot(ctx, key);
  const state = snapshot.mutableState;
  const info = state.executionInfo!;
  if (rejected(request.queryRejectCondition, info.status)) {
    return QueryWorkflowResponse.fromPartial({ queryRejected: { status: info.status } });
  }
  if (info.lastCompletedWorkflowTaskStartedEventId === 0) throw workflowNotReady('Workflow state is not ready to handle the request.');

  const page = await readHistoryPage(ctx.executions, key, 1, state.nextEventId, 0);
  const task = PollWorkflowTaskQueueResponse.fromPartial({
    workflowExecution: { workflowId: key.workflowId, runId: key.runId },
    workflowType: { name: info.workflowTypeName },
    previousStartedEventId: info.lastCompletedWorkflowTaskStartedEventId,
    attempt: 1,
    history: { events: page.events },
    nextPageToken: page.nextPageToken,
    query: request.query,
    workflowExecutionTaskQueue: TaskQueue.fromPartial({ name: info.taskQueue!.name, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL }),
  });
  const { completion } = await ctx.matching.queryWorkflow({ namespaceId, taskQueue: info.taskQueue!.name, task });
  if (completion?.completedType === QueryResultType.QUERY_RESULT_TYPE_ANSWERED) {
    return QueryWorkflowResponse.fromPartial({ queryResult: completion.queryResult });
  }
  throw queryFailed(completion?.errorMessage ?? 'query failed', completion?.failure);
}

