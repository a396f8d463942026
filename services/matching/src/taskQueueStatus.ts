import type { TaskQueueBacklogSummary } from '@kairos/persistence/store';
import { TaskQueueStatus } from '@kairos/proto/temporal/api/taskqueue/v1/message';

/**
 * DescribeTaskQueue's legacy `taskQueueStatus` from the stored backlog, in Temporal's terms:
 * the read level is the last task id written (Temporal's reader follows writes), the ack level
 * the id below which every task is done, the backlog count the tasks still stored. Kairos gives
 * task ids one by one, not in blocks, so there is no task id block to show.
 */
export function taskQueueStatus(backlog: TaskQueueBacklogSummary, ratePerSecond: number): TaskQueueStatus {
  return TaskQueueStatus.fromPartial({
    backlogCountHint: backlog.count,
    readLevel: backlog.lastTaskId,
    ackLevel: backlog.oldestTaskId === undefined ? backlog.lastTaskId : backlog.oldestTaskId - 1,
    ratePerSecond,
  });
}
