import type { ExecutionKey } from '@kairos/persistence/store';
import type { HistoryContext } from '../context';
import type { ActivityOptionValues } from '../../workflow/activityOperations';

/** The options an activity was scheduled with, from its ActivityTaskScheduled event (undefined: no such event). */
export async function scheduledActivityOptions(ctx: HistoryContext, key: ExecutionKey, scheduledEventId: number): Promise<ActivityOptionValues | undefined> {
  const [event] = await ctx.executions.readHistory(key, scheduledEventId, scheduledEventId + 1, 1);
  const attrs = event?.activityTaskScheduledEventAttributes;
  if (!attrs) return undefined;
  return {
    taskQueue: { name: attrs.taskQueue?.name ?? '', kind: 0, normalName: '' },
    scheduleToCloseTimeout: attrs.scheduleToCloseTimeout,
    scheduleToStartTimeout: attrs.scheduleToStartTimeout,
    startToCloseTimeout: attrs.startToCloseTimeout,
    heartbeatTimeout: attrs.heartbeatTimeout,
    priority: attrs.priority,
    retryPolicy: attrs.retryPolicy,
  };
}
