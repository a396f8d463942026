import { encodeTaskToken } from '@kairos/domain';
import type { ExecutionKey } from '@kairos/persistence/store';
import type { Header, Priority } from '@kairos/proto/temporal/api/common/v1/message';
import { ActivityInfo, Payloads, PollActivityTaskQueueResponse, TaskTokenKind } from '../../workflow/protos';
import { completeMessage } from '@kairos/proto';

/** The task a worker gets for a started activity attempt (from a poll, or eagerly). */
export function activityTaskResponse(
  key: ExecutionKey,
  activity: ActivityInfo,
  workflowTypeName: string,
  namespaceName: string,
  scheduled: { header?: Header; input?: Payloads; priority?: Priority } | undefined,
): PollActivityTaskQueueResponse {
  return completeMessage(PollActivityTaskQueueResponse.fromPartial({
    taskToken: encodeTaskToken({
      kind: TaskTokenKind.TASK_TOKEN_KIND_ACTIVITY_TASK,
      namespaceId: key.namespaceId,
      workflowId: key.workflowId,
      runId: key.runId,
      scheduledEventId: activity.scheduledEventId,
      attempt: activity.attempt,
      activityId: activity.activityId,
    }),
    workflowNamespace: namespaceName,
    workflowType: { name: workflowTypeName },
    workflowExecution: { workflowId: key.workflowId, runId: key.runId },
    activityType: activity.activityType,
    activityId: activity.activityId,
    header: scheduled?.header,
    input: scheduled?.input,
    heartbeatDetails: activity.lastHeartbeatDetails,
    scheduledTime: activity.scheduledTime,
    currentAttemptScheduledTime: activity.currentAttemptScheduledTime,
    startedTime: activity.startedTime,
    attempt: activity.attempt,
    // The TS SDK requires schedule-to-close to be present, zero meaning none.
    scheduleToCloseTimeout: activity.scheduleToCloseTimeout ?? { seconds: 0, nanos: 0 },
    startToCloseTimeout: activity.startToCloseTimeout,
    heartbeatTimeout: activity.heartbeatTimeout,
    retryPolicy: activity.retryPolicy,
    priority: scheduled?.priority,
  }));
}
