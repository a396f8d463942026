import type { HistoryContext } from '../context';

/** task_schedule_to_start_latency of a task this call started (a retried start is not counted again). */
export async function observeScheduleToStart(
  ctx: HistoryContext,
  namespaceId: string,
  kind: 'Workflow' | 'Activity',
  taskQueue: string,
  sticky: boolean,
  task: { scheduledTime?: Date; startedTime?: Date },
): Promise<void> {
  if (!ctx.metrics || !task.scheduledTime || !task.startedTime) return;
  const namespace = (await ctx.namespaces.getById(namespaceId)).info!.name;
  ctx.metrics.observeScheduleToStart({ namespace, kind, taskQueue, sticky, scheduledAt: task.scheduledTime, startedAt: task.startedTime });
}
