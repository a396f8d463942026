import { setting } from '@kairos/common/settings';
import { queryFailed, workflowNotFound, workflowNotReady } from '@kairos/common/errors';
import { QueryRejectCondition, QueryResultType } from '@kairos/proto/temporal/api/enums/v1/query';
import {
  QueryWorkflowResponse,
  type QueryWorkflowRequest,
} from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import type { HistoryContext } from './context';
import { executionKeyString } from '../shard/executionManager';
import type { ExecutionKey } from '@kairos/persistence/store';
import { readHistoryPage } from './shared/historyReader';
import { PollWorkflowTaskQueueResponse, TaskQueue, TaskQueueKind, WorkflowExecutionStatus } from '../workflow/protos';

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

/**
 * Longest a query waits for a workflow task to finish: Temporal holds it until the caller's
 * deadline (which history does not see), so a cap well past the SDKs' query timeouts.
 */
const WORKFLOW_TASK_WAIT_MS = setting('history.queryWorkflowTaskWait');
/** Temporal fails queries fast while the run's workflow task keeps failing (from this attempt on). */
const FAILING_WORKFLOW_TASK_ATTEMPT = setting('history.failingWorkflowTaskAttempt');

/**
 * The run's state once it is worth querying, as Temporal decides: no workflow task scheduled or
 * running (the query would not see what it applies), waited for while the caller waits. A
 * speculative task not started yet (an update on its way) holds nothing a query should see.
 */
async function settledSnapshot(ctx: HistoryContext, key: ExecutionKey, signal?: AbortSignal) {
  const started = Date.now();
  for (let first = true; ; first = false) {
    const snapshot = await ctx.executions.read(key);
    if (!snapshot) throw workflowNotFound();
    const info = snapshot.mutableState.executionInfo!;
    // Temporal fails a query fast when it arrives at a failing run; one already waiting keeps
    // waiting through further attempts.
    if (first && info.status === RUNNING && info.workflowTaskAttempt >= FAILING_WORKFLOW_TASK_ATTEMPT) {
      throw workflowNotReady('Unable to query workflow due to Workflow Task in failed state.');
    }
    const task = snapshot.mutableState.workflowTask;
    const busy = info.status === RUNNING && task !== undefined && !(task.speculative && task.startedEventId === 0);
    const remaining = WORKFLOW_TASK_WAIT_MS - (Date.now() - started);
    if (!busy || remaining <= 0 || signal?.aborted) return snapshot;
    await ctx.waiter.wait(executionKeyString(key), Math.min(setting('history.waitRecheck'), remaining), signal).promise;
  }
}

/**
 * QueryWorkflow: a query task with the run's full history goes to a worker polling the run's
 * queue (through matching), which replays the run and answers. Works on closed runs too, unless
 * the reject condition says otherwise; a run with no completed workflow task has no state to
 * query yet.
 */
export async function queryWorkflow(ctx: HistoryContext, namespaceId: string, request: QueryWorkflowRequest, signal?: AbortSignal): Promise<QueryWorkflowResponse> {
  const key = await ctx.executions.resolveRunId(namespaceId, request.execution?.workflowId ?? '', request.execution?.runId);
  const snapshot = await settledSnapshot(ctx, key, signal);
  const state = snapshot.mutableState;
  const info = state.executionInfo!;
  if (rejected(request.queryRejectCondition, info.status)) {
    return QueryWorkflowResponse.fromPartial({ queryRejected: { status: info.status } });
  }
  const firstTaskDone = info.lastCompletedWorkflowTaskStartedEventId > 0;
  if (info.status !== RUNNING && !firstTaskDone) throw workflowNotReady('Workflow execution closed before WorkflowTaskStarted event');
  if (!firstTaskDone && !state.workflowTask) throw workflowNotReady('Workflow task is not scheduled yet.');
  if (!firstTaskDone) throw workflowNotReady('Workflow state is not ready to handle the request.');

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

