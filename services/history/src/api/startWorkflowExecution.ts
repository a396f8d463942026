import type { ParentInfo, ScheduledByInfo } from '@kairos/proto/kairos/persistence/v1/executions';
import type { StartWorkflowExecutionResponse } from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import type { Failure, Payloads } from '../workflow/protos';
import type { HistoryContext } from './context';
import { startRun } from './shared/starter';
import type { StartWorkflowExecutionRequest } from '../workflow/protos';
import type { RunTransaction } from '../workflow/runTransaction';

/** What a schedule's start adds: the link back to the schedule and what the run inherits. */
export interface ScheduledStartContext {
  scheduledBy: ScheduledByInfo;
  lastCompletionResult?: Payloads;
  continuedFailure?: Failure;
}

/**
 * StartWorkflowExecution (from a client, a parent's StartChildWorkflowExecution with `parent`, or
 * a schedule's action with `scheduled`).
 */
export function startWorkflowExecution(
  ctx: HistoryContext,
  namespaceId: string,
  request: StartWorkflowExecutionRequest,
  parent?: ParentInfo,
  scheduled?: ScheduledStartContext,
): Promise<StartWorkflowExecutionResponse> {
  const onNewRun = scheduled
    ? (run: RunTransaction) => {
        run.info.scheduledBy = scheduled.scheduledBy;
        // The first run sees the schedule's last result or failure, as with Temporal's scheduler.
        const started = run.newEvents[0]?.workflowExecutionStartedEventAttributes;
        if (started) {
          started.lastCompletionResult = scheduled.lastCompletionResult;
          started.continuedFailure = scheduled.continuedFailure;
        }
      }
    : undefined;
  return startRun(ctx, namespaceId, request, undefined, parent, onNewRun);
}
