import { BuildIdTaskReachability, TaskQueueType } from '@kairos/proto/temporal/api/enums/v1/task_queue';
import type { TaskQueueTypeInfo } from '@kairos/proto/temporal/api/taskqueue/v1/message';
import { DescribeTaskQueueRequest, DescribeTaskQueueResponse } from '@kairos/proto/temporal/api/workflowservice/v1/request_response';

/** The task queue types Kairos serves (no Nexus). */
const SERVED_TYPES = [TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY];

/**
 * DescribeTaskQueue's enhanced mode (what `temporal task-queue describe` and the SDKs'
 * DescribeTaskQueueEnhanced ask for), as Temporal answers it without worker versioning: one entry,
 * the unversioned build id "", with each requested type's pollers and stats (from matching,
 * `describeType`) and, when asked, reachability REACHABLE. A selection of build ids only is
 * answered with no entries: no task is ever assigned to a build id here.
 */
export async function describeTaskQueueEnhanced(
  request: DescribeTaskQueueRequest,
  describeType: (request: DescribeTaskQueueRequest) => Promise<DescribeTaskQueueResponse>,
): Promise<DescribeTaskQueueResponse> {
  const selection = request.versions;
  const unversioned = !selection || selection.unversioned || selection.allActive;
  if (!unversioned) return DescribeTaskQueueResponse.fromPartial({});
  const types = (request.taskQueueTypes.length > 0 ? request.taskQueueTypes : SERVED_TYPES).filter((t) => SERVED_TYPES.includes(t));
  const typesInfo: Record<number, TaskQueueTypeInfo> = {};
  for (const taskQueueType of types) {
    const res = await describeType(DescribeTaskQueueRequest.fromPartial({ namespace: request.namespace, taskQueue: request.taskQueue, taskQueueType, reportStats: request.reportStats }));
    typesInfo[taskQueueType] = { pollers: request.reportPollers ? res.pollers : [], stats: request.reportStats ? res.stats : undefined };
  }
  const taskReachability = request.reportTaskReachability ? BuildIdTaskReachability.BUILD_ID_TASK_REACHABILITY_REACHABLE : BuildIdTaskReachability.BUILD_ID_TASK_REACHABILITY_UNSPECIFIED;
  return DescribeTaskQueueResponse.fromPartial({ versionsInfo: { '': { typesInfo, taskReachability } } });
}
