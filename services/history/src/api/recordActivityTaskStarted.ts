import type { ExecutionKey } from '@kairos/persistence/store';
import type { RecordActivityTaskStartedRequest } from '@kairos/proto/kairos/historyservice/v1/request_response';
import type { HistoryContext } from './context';
import { activityTaskResponse } from './shared/activityTaskResponse';
import { observeScheduleToStart } from './shared/scheduleToStart';
import { activityTaskNotFound, taskAlreadyStarted } from '@kairos/common/errors';
import { startActivity } from '../workflow/activities';
import { ActivityInfo, type PollActivityTaskQueueResponse } from '../workflow/protos';

/**
 * Matching hands an activity task to a poller: history marks the attempt started (no event: it is
 * written when the activity closes) and answers with the task. A retried start by the same poll
 * gets it again; a stale task (other attempt, closed run) is NOT_FOUND.
 */
export async function recordActivityTaskStarted(
  ctx: HistoryContext,
  request: RecordActivityTaskStartedRequest,
): Promise<PollActivityTaskQueueResponse> {
  const key: ExecutionKey = {
    namespaceId: request.namespaceId,
    workflowId: request.workflowExecution!.workflowId,
    runId: request.workflowExecution!.runId,
  };
  const { activity, workflowTypeName, startedNow } = await ctx.executions.transact(key, (run) => {
    const activity = run.state.activities[request.scheduledEventId];
    // A paused activity's queued task is dropped: its unpause dispatches the attempt again.
    if (!run.isOpen || !activity || activity.attempt !== request.attempt || (activity.paused && !activity.started)) throw activityTaskNotFound();
    const startedNow = !activity.started;
    if (activity.started) {
      if (activity.startedRequestId !== request.requestId) throw taskAlreadyStarted();
      run.discard();
    } else {
      startActivity(run, activity, request.requestId, request.identity, request.workerVersion);
    }
    return { activity: ActivityInfo.fromPartial(activity), workflowTypeName: run.info.workflowTypeName, startedNow };
  });
  if (startedNow) {
    // A retry's wait counts from when its attempt was scheduled, not the first attempt.
    const scheduledTime = activity.currentAttemptScheduledTime ?? activity.scheduledTime;
    await observeScheduleToStart(ctx, key.namespaceId, 'Activity', activity.taskQueue?.name ?? '', false, { scheduledTime, startedTime: activity.startedTime });
  }
  // Input and header live in the scheduled event; read it rather than copying them into state.
  const [scheduled] = await ctx.executions.readHistory(key, activity.scheduledEventId, activity.scheduledEventId + 1, 1);
  const namespace = await ctx.namespaces.getById(key.namespaceId);
  return activityTaskResponse(key, activity, workflowTypeName, namespace.info!.name, scheduled?.activityTaskScheduledEventAttributes);
}
