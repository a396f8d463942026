import type { TaskQueueBacklogSummary } from '@kairos/persistence/store';
import { TaskQueueStats, TaskQueueStatus } from '@kairos/proto/temporal/api/taskqueue/v1/message';

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

/**
 * DescribeTaskQueue's `stats` (and the enhanced mode's per-type stats) from the stored backlog:
 * its size and the age of its oldest task (`oldestCreateTime`). Kairos keeps no add or dispatch
 * rates and applies no rate limit, so those read zero and false.
 */
export function taskQueueStats(backlog: TaskQueueBacklogSummary, oldestCreateTime: Date | undefined, now: Date): TaskQueueStats {
  const ageMs = oldestCreateTime ? Math.max(0, now.getTime() - oldestCreateTime.getTime()) : 0;
  return TaskQueueStats.fromPartial({
    approximateBacklogCount: backlog.count,
    approximateBacklogAge: { seconds: Math.floor(ageMs / 1000), nanos: (ageMs % 1000) * 1_000_000 },
    tasksAddRate: 0,
    tasksDispatchRate: 0,
  });
}
