import { invalidArgument, workflowNotFound } from '@kairos/common/errors';
import { camelFieldPath, retryPolicyProblem } from '@kairos/domain';
import type { ActivityOptions } from '@kairos/proto/temporal/api/activity/v1/message';
import type { UpdateActivityOptionsRequest } from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import type { HistoryContext } from './context';
import {
  activityOptionsOf,
  pendingActivityById,
  selectActivityIds,
  updateActivityOptions as update,
  type ActivityOptionValues,
} from '../workflow/activityOperations';
import { validateScheduleActivity } from '../workflow/commandValidation';
import type { ActivityInfo, ExecutionInfo } from '../workflow/protos';
import { WorkflowTaskCompletionRejected } from '../workflow/workflowTaskRejection';
import { scheduledActivityOptions } from './shared/activityOptions';

/**
 * UpdateActivityOptions: the options given by the update mask are merged into those of the
 * activity named by id (or every pending one of the type, or all), checked as a
 * ScheduleActivityTask command's, and applied (see the core's updateActivityOptions); or, with
 * restore_original, the options of its ActivityTaskScheduled event come back. Answers the
 * options the last updated activity now has.
 */
export async function updateActivityOptions(ctx: HistoryContext, namespaceId: string, request: UpdateActivityOptionsRequest): Promise<ActivityOptions> {
  const paths = (request.updateMask ?? []).map(camelFieldPath);
  if (request.updateMask && request.restoreOriginal && paths.length > 0) throw invalidArgument('Both UpdateMask and RestoreOriginal are provided');
  const key = await ctx.executions.resolveRunId(namespaceId, request.execution?.workflowId ?? '', request.execution?.runId);
  return ctx.executions.transact(key, async (run) => {
    // Temporal's update path refuses a closed run before looking at the request.
    if (!run.isOpen) throw workflowNotFound('workflow execution already completed');
    const selector = { id: request.id, type: request.type, matchAll: request.matchAll };
    let updated: ActivityOptionValues | undefined;
    if (request.restoreOriginal) {
      for (const id of selectActivityIds(run, selector)) {
        const activity = pendingActivityById(run, id);
        const original = await scheduledActivityOptions(ctx, key, activity.scheduledEventId);
        if (!original) throw invalidArgument('ActivityTaskScheduledEvent is invalid');
        update(run, activity, original);
        updated = original;
      }
      return toActivityOptions(updated!);
    }
    const from = request.activityOptions;
    if (!from) throw invalidArgument('ActivityOptions are not provided');
    const ids = selectActivityIds(run, selector);
    if (!request.updateMask) throw invalidArgument('UpdateMask is not provided');
    const fields = new Set<string>(paths);
    for (const id of ids) {
      const activity = pendingActivityById(run, id);
      const merged = mergeOptions(activityOptionsOf(activity), from, fields);
      if ([...fields].some((f) => f.startsWith('retryPolicy.'))) {
        const problem = retryPolicyProblem(merged.retryPolicy);
        if (problem) throw invalidArgument(problem);
      }
      updated = adjusted(merged, activity, run.info);
      update(run, activity, updated);
    }
    return toActivityOptions(updated!);
  });
}

/** Temporal's MergeActivityOptions: the masked fields of `from` over `into`, in its words when one is missing. */
function mergeOptions(into: ActivityOptionValues, from: ActivityOptions, fields: Set<string>): ActivityOptionValues {
  const merged: ActivityOptionValues = { ...into, retryPolicy: into.retryPolicy && { ...into.retryPolicy }, priority: into.priority && { ...into.priority } };
  if (fields.has('taskQueue.name')) {
    if (!from.taskQueue) throw invalidArgument('TaskQueue is not provided');
    merged.taskQueue = { ...merged.taskQueue!, name: from.taskQueue.name };
  }
  if (fields.has('scheduleToCloseTimeout')) merged.scheduleToCloseTimeout = from.scheduleToCloseTimeout;
  if (fields.has('scheduleToStartTimeout')) merged.scheduleToStartTimeout = from.scheduleToStartTimeout;
  if (fields.has('startToCloseTimeout')) merged.startToCloseTimeout = from.startToCloseTimeout;
  if (fields.has('heartbeatTimeout')) merged.heartbeatTimeout = from.heartbeatTimeout;
  if (fields.has('priority')) merged.priority = from.priority;
  for (const part of ['priorityKey', 'fairnessKey', 'fairnessWeight'] as const) {
    if (!fields.has(`priority.${part}`)) continue;
    if (!from.priority) throw invalidArgument('Priority is not provided');
    merged.priority = { priorityKey: 0, fairnessKey: '', fairnessWeight: 0, ...merged.priority, [part]: from.priority[part] };
  }
  if (fields.has('retryPolicy')) {
    if (!from.retryPolicy) throw invalidArgument('RetryPolicy is not provided');
    merged.retryPolicy = from.retryPolicy;
  }
  for (const part of ['initialInterval', 'backoffCoefficient', 'maximumInterval', 'maximumAttempts'] as const) {
    if (!fields.has(`retryPolicy.${part}`)) continue;
    if (!from.retryPolicy) throw invalidArgument('RetryPolicy is not provided');
    merged.retryPolicy = { initialInterval: undefined, backoffCoefficient: 0, maximumInterval: undefined, maximumAttempts: 0, nonRetryableErrorTypes: [], ...merged.retryPolicy, [part]: from.retryPolicy[part] };
  }
  return merged;
}

/** The merged options checked and normalised as a ScheduleActivityTask command's (INVALID_ARGUMENT in its words). */
function adjusted(options: ActivityOptionValues, activity: ActivityInfo, info: ExecutionInfo): ActivityOptionValues {
  try {
    const attrs = validateScheduleActivity(
      {
        activityId: activity.activityId,
        activityType: activity.activityType,
        taskQueue: options.taskQueue,
        header: undefined,
        input: undefined,
        scheduleToCloseTimeout: options.scheduleToCloseTimeout,
        scheduleToStartTimeout: options.scheduleToStartTimeout,
        startToCloseTimeout: options.startToCloseTimeout,
        heartbeatTimeout: options.heartbeatTimeout,
        retryPolicy: undefined,
        requestEagerExecution: false,
        useWorkflowBuildId: false,
        priority: undefined,
      },
      // Temporal checks the update with no run timeout to bound the timeouts.
      { ...info, workflowRunTimeout: undefined },
    );
    return {
      ...options,
      scheduleToCloseTimeout: attrs.scheduleToCloseTimeout,
      scheduleToStartTimeout: attrs.scheduleToStartTimeout,
      startToCloseTimeout: attrs.startToCloseTimeout,
      heartbeatTimeout: attrs.heartbeatTimeout,
    };
  } catch (err) {
    if (err instanceof WorkflowTaskCompletionRejected) throw invalidArgument(err.detail ?? err.message);
    throw err;
  }
}

function toActivityOptions(options: ActivityOptionValues): ActivityOptions {
  return {
    taskQueue: options.taskQueue,
    scheduleToCloseTimeout: options.scheduleToCloseTimeout,
    scheduleToStartTimeout: options.scheduleToStartTimeout,
    startToCloseTimeout: options.startToCloseTimeout,
    heartbeatTimeout: options.heartbeatTimeout,
    retryPolicy: options.retryPolicy,
    priority: options.priority,
    startDelay: undefined,
  } as ActivityOptions;
}
