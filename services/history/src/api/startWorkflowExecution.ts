import type { ParentInfo, ScheduledByInfo } from '@kairos/proto/kairos/persistence/v1/executions';
import type { StartWorkflowExecutionResponse } from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import type { Failure, Payloads } from '../workflow/protos';
import type { HistoryContext } from './context';
import { startRun } from './shared/starter';
import { startedWorkflowTask, workflowTaskPollResponse, type StartedWorkflowTask } from './shared/workflowTaskResponse';
import type { StartWorkflowExecutionRequest } from '../workflow/protos';
import type { RunTransaction } from '../workflow/runTransaction';
import { startWorkflowTaskInline } from '../workflow/workflowTaskCompletion';

/** What a schedule's start adds: the link back to the schedule and what the run inherits. */
export interface ScheduledStartContext {
  scheduledBy: ScheduledByInfo;
  lastCompletionResult?: Payloads;
  continuedFailure?: Failure;
}

/**
 * StartWorkflowExecution (from a client, a parent's StartChildWorkflowExecution with `parent`, or
 * a schedule's action with `scheduled`). A client asking for eager execution gets the first
 * workflow task in the response.
 */
export async function startWorkflowExecution(
  ctx: HistoryContext,
  namespaceId: string,
  request: StartWorkflowExecutionRequest,
  parent?: ParentInfo,
  scheduled?: ScheduledStartContext,
): Promise<StartWorkflowExecutionResponse> {
  let eagerTask: StartedWorkflowTask | undefined;
  const onNewRun = (run: RunTransaction) => {
    if (scheduled) inheritFromSchedule(run, scheduled);
    if (request.requestEagerExecution && !parent) eagerTask = startEagerly(run, request);
  };
  const response = await startRun(ctx, namespaceId, request, undefined, parent, onNewRun);
  if (!request.requestEagerExecution || !response.started) return response;
  const key = { namespaceId, workflowId: request.workflowId, runId: response.runId };
  // A retried request gets the first task again while it is still the one handed out.
  eagerTask ??= await ctx.executions.transact(key, (run) => {
    run.discard();
    const task = run.state.workflowTask;
    return run.isOpen && task?.startedEventId === 3 && task.attempt === 1 && task.requestId === request.requestId ? startedWorkflowTask(run) : undefined;
  });
  if (eagerTask) response.eagerWorkflowTask = await workflowTaskPollResponse(ctx.executions, key, eagerTask, false);
  return response;
}

/** The first run sees the schedule's last result or failure, as with Temporal's scheduler. */
function inheritFromSchedule(run: RunTransaction, scheduled: ScheduledStartContext): void {
  run.info.scheduledBy = scheduled.scheduledBy;
  const started = run.newEvents[0]?.workflowExecutionStartedEventAttributes;
  if (started) {
    started.lastCompletionResult = scheduled.lastCompletionResult;
    started.continuedFailure = scheduled.continuedFailure;
  }
}

/**
 * Eager workflow start, as Temporal's: the first workflow task is started in the run's first write
 * for the client's worker (its request id and identity on WorkflowTaskStarted) and the started
 * event says the eager execution was accepted. A run whose first task waits (start delay, cron)
 * starts normally.
 */
function startEagerly(run: RunTransaction, request: StartWorkflowExecutionRequest): StartedWorkflowTask | undefined {
  if (!startWorkflowTaskInline(run, { requestId: request.requestId, identity: request.identity })) return undefined;
  const started = run.newEvents[0]?.workflowExecutionStartedEventAttributes;
  if (started) started.eagerExecutionAccepted = true;
  return startedWorkflowTask(run);
}
