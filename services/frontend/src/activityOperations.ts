import { randomUUID } from 'node:crypto';
import { activityIdOrTypeNotSet, invalidArgument, standaloneActivityNotFound, workflowPauseNotEnabled, workflowRulesNotEnabled } from '@kairos/common/errors';
import type { HistoryClient } from '@kairos/cluster';
import { byteLength, camelFieldPath, durationProblem, exceedsIdLength, maxIdLength, priorityProblem, retryPolicyProblem } from '@kairos/domain';
import type { Duration } from '@kairos/proto/google/protobuf/duration';
import type { ActivityOptions } from '@kairos/proto/temporal/api/activity/v1/message';
import type { WorkflowServiceImplementation } from '@kairos/proto/temporal/api/workflowservice/v1/service';

/*
 * Operator actions on a run's activities (PauseActivity, UnpauseActivity, ResetActivity,
 * UpdateActivityOptions) and on the run (PauseWorkflowExecution): Temporal's frontend checks,
 * then history for the one run they name.
 */

interface Deps {
  history: HistoryClient;
  namespaceId(name: string): Promise<string>;
}

type Handlers = Pick<
  WorkflowServiceImplementation,
  | 'pauseActivity'
  | 'unpauseActivity'
  | 'resetActivity'
  | 'updateActivityOptions'
  | 'pauseActivityExecution'
  | 'unpauseActivityExecution'
  | 'resetActivityExecution'
  | 'updateActivityExecutionOptions'
  | 'pauseWorkflowExecution'
  | 'unpauseWorkflowExecution'
  | 'updateWorkflowExecutionOptions'
  | 'createWorkflowRule'
  | 'describeWorkflowRule'
  | 'deleteWorkflowRule'
  | 'listWorkflowRules'
  | 'triggerWorkflowRule'
>;

/**
 * The field paths fieldmaskpb.New accepts for WorkflowExecutionOptions (proto names; a path may
 * end at any field, and descend only through singular message fields).
 */
const WORKFLOW_OPTION_PATHS = new Set([
  'versioning_override',
  'versioning_override.pinned',
  'versioning_override.pinned.behavior',
  'versioning_override.pinned.version',
  'versioning_override.pinned.version.deployment_name',
  'versioning_override.pinned.version.build_id',
  'versioning_override.auto_upgrade',
  'versioning_override.one_time',
  'versioning_override.behavior',
  'versioning_override.deployment',
  'versioning_override.deployment.series_name',
  'versioning_override.deployment.build_id',
  'versioning_override.pinned_version',
  'priority',
  'priority.priority_key',
  'priority.fairness_key',
  'priority.fairness_weight',
  'time_skipping_config',
]);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The *ActivityExecution calls' common checks (Temporal's chasm activity validator, in its order and words). */
function checkActivityExecution(request: { requestId: string; activityId: string; identity: string; runId: string; workflowId: string; jitter?: Duration | undefined }): void {
  if (exceedsIdLength(request.requestId)) throw invalidArgument(`request ID exceeds length limit. Length=${byteLength(request.requestId)} Limit=${maxIdLength()}`);
  if (!request.activityId) throw invalidArgument('activity ID is required');
  if (exceedsIdLength(request.activityId)) throw invalidArgument(`activity ID exceeds length limit. Length=${byteLength(request.activityId)} Limit=${maxIdLength()}`);
  if (exceedsIdLength(request.identity)) throw invalidArgument(`identity exceeds length limit. Length=${byteLength(request.identity)} Limit=${maxIdLength()}`);
  if (request.runId && !UUID.test(request.runId)) throw invalidArgument('invalid run id: must be a valid UUID');
  const jitter = durationProblem(request.jitter);
  if (jitter) throw invalidArgument(`invalid jitter: ${jitter}`);
}

const UPDATABLE_PATHS = new Set([
  'taskQueue.name',
  'scheduleToCloseTimeout',
  'scheduleToStartTimeout',
  'startToCloseTimeout',
  'heartbeatTimeout',
  'priority',
  'priority.priorityKey',
  'priority.fairnessKey',
  'priority.fairnessWeight',
  'retryPolicy',
  'retryPolicy.initialInterval',
  'retryPolicy.backoffCoefficient',
  'retryPolicy.maximumInterval',
  'retryPolicy.maximumAttempts',
  'startDelay',
]);

/** UpdateActivityExecutionOptions' own checks of the mask and the options it names. */
function checkOptionsUpdate(paths: string[] | undefined, options: ActivityOptions | undefined, restoreOriginal: boolean): void {
  if ((paths?.length ?? 0) > 0 && restoreOriginal) throw invalidArgument('Both UpdateMask and RestoreOriginal are provided');
  if (restoreOriginal) return;
  if (!options) throw invalidArgument('ActivityOptions are not provided');
  if (!paths) throw invalidArgument('UpdateMask is not provided');
  if (paths.length === 0) throw invalidArgument('UpdateMask must specify at least one path');
  for (const path of paths) if (!UPDATABLE_PATHS.has(camelFieldPath(path))) throw invalidArgument(`unsupported update_mask path: "${path}"`);
  const fields = new Set(paths.map(camelFieldPath));
  const timeouts = [
    ['scheduleToCloseTimeout', 'ScheduleToCloseTimeout'],
    ['scheduleToStartTimeout', 'ScheduleToStartTimeout'],
    ['startToCloseTimeout', 'StartToCloseTimeout'],
    ['heartbeatTimeout', 'HeartbeatTimeout'],
  ] as const;
  for (const [field, name] of timeouts) {
    const problem = fields.has(field) ? durationProblem(options[field]) : undefined;
    if (problem) throw invalidArgument(`invalid ${name}: ${problem}`);
  }
  const priority = fields.has('priority') ? priorityProblem(options.priority) : undefined;
  if (priority) throw invalidArgument(priority);
  const policy = options.retryPolicy;
  if (fields.has('retryPolicy')) {
    const problem = retryPolicyProblem(policy);
    if (problem) throw invalidArgument(problem);
  }
  if (fields.has('retryPolicy.backoffCoefficient') && (policy?.backoffCoefficient ?? 0) < 1) throw invalidArgument('BackoffCoefficient cannot be less than 1 on retry policy.');
  if (fields.has('retryPolicy.maximumAttempts') && (policy?.maximumAttempts ?? 0) < 0) throw invalidArgument('MaximumAttempts cannot be negative on retry policy.');
}

/** Temporal's first checks: a workflow id, and an activity named by id or type (or all). */
function requireTarget(request: { execution?: { workflowId: string } | undefined; id?: string | undefined; type?: string | undefined }, all?: boolean) {
  if (!request.execution?.workflowId) throw invalidArgument('WorkflowId is not set on request.');
  if (request.id === undefined && request.type === undefined && all === undefined) throw activityIdOrTypeNotSet();
}

export function createActivityOperationHandlers({ history, namespaceId }: Deps): Handlers {
  return {
    async pauseActivity(request) {
      requireTarget(request);
      const nsId = await namespaceId(request.namespace);
      await history.pauseActivity({ namespaceId: nsId, request });
      return {};
    },
    async unpauseActivity(request) {
      requireTarget(request, request.unpauseAll);
      const nsId = await namespaceId(request.namespace);
      await history.unpauseActivity({ namespaceId: nsId, request });
      return {};
    },
    async resetActivity(request) {
      requireTarget(request, request.matchAll);
      const nsId = await namespaceId(request.namespace);
      await history.resetActivity({ namespaceId: nsId, request });
      return {};
    },
    async updateActivityOptions(request) {
      requireTarget(request, request.matchAll);
      const problem = priorityProblem(request.activityOptions?.priority);
      if (problem) throw invalidArgument(problem);
      const nsId = await namespaceId(request.namespace);
      const { activityOptions } = await history.updateActivityOptions({ namespaceId: nsId, request });
      return { activityOptions };
    },
    // The *ActivityExecution calls: with a workflow id, the workflow's activity of that id (as
    // Temporal's chasm activity handler forwards them); without one, a standalone activity,
    // which Kairos does not run.
    async pauseActivityExecution(request) {
      const withId = { ...request, requestId: request.requestId || randomUUID() };
      checkActivityExecution(withId);
      const nsId = await namespaceId(request.namespace);
      if (!request.workflowId) throw standaloneActivityNotFound(request.activityId);
      await history.pauseActivity({
        namespaceId: nsId,
        request: { namespace: request.namespace, execution: { workflowId: request.workflowId, runId: request.runId }, id: request.activityId, identity: request.identity, reason: request.reason, requestId: withId.requestId },
      });
      return {};
    },
    async unpauseActivityExecution(request) {
      checkActivityExecution(request);
      const nsId = await namespaceId(request.namespace);
      if (!request.workflowId) throw standaloneActivityNotFound(request.activityId);
      await history.unpauseActivity({
        namespaceId: nsId,
        request: {
          namespace: request.namespace,
          execution: { workflowId: request.workflowId, runId: request.runId },
          id: request.activityId,
          identity: request.identity,
          jitter: request.jitter,
          resetAttempts: false,
          resetHeartbeat: false,
        },
      });
      return {};
    },
    async resetActivityExecution(request) {
      checkActivityExecution(request);
      const nsId = await namespaceId(request.namespace);
      if (!request.workflowId) throw standaloneActivityNotFound(request.activityId);
      await history.resetActivity({
        namespaceId: nsId,
        request: {
          namespace: request.namespace,
          execution: { workflowId: request.workflowId, runId: request.runId },
          id: request.activityId,
          identity: request.identity,
          resetHeartbeat: request.resetHeartbeat,
          keepPaused: request.keepPaused,
          jitter: request.jitter,
          restoreOriginalOptions: request.restoreOriginalOptions,
        },
      });
      return {};
    },
    async updateActivityExecutionOptions(request) {
      checkActivityExecution(request);
      checkOptionsUpdate(request.updateMask, request.activityOptions, request.restoreOriginal);
      const nsId = await namespaceId(request.namespace);
      if (!request.workflowId) throw standaloneActivityNotFound(request.activityId);
      const { activityOptions } = await history.updateActivityOptions({
        namespaceId: nsId,
        request: {
          namespace: request.namespace,
          execution: { workflowId: request.workflowId, runId: request.runId },
          id: request.activityId,
          activityOptions: request.activityOptions,
          updateMask: request.updateMask,
          restoreOriginal: request.restoreOriginal,
          identity: request.identity,
        },
      });
      return { activityOptions };
    },
    async updateWorkflowExecutionOptions(request) {
      if (!request.workflowExecution?.workflowId) throw invalidArgument('WorkflowId is not set on request.');
      if (!request.updateMask) throw invalidArgument('UpdateMask is required');
      if (!request.workflowExecutionOptions) throw invalidArgument('WorkflowExecutionOptions is required');
      for (const path of request.updateMask) {
        if (!WORKFLOW_OPTION_PATHS.has(path)) {
          // protobuf-go puts a no-break space after "proto:" (its detrand; the dev server's build has it).
          throw invalidArgument(`error parsing UpdateMask: proto:\u00a0invalid path "${path}" for message "temporal.api.workflow.v1.WorkflowExecutionOptions"`);
        }
      }
      const problem = priorityProblem(request.workflowExecutionOptions.priority);
      if (problem) throw invalidArgument(problem);
      const nsId = await namespaceId(request.namespace);
      const { response } = await history.updateWorkflowExecutionOptions({ namespaceId: nsId, request });
      // Temporal's frontend answers the options only (not history's update time).
      return { workflowExecutionOptions: response?.workflowExecutionOptions, updateTime: undefined };
    },
    async unpauseWorkflowExecution(request) {
      if (exceedsIdLength(request.reason)) throw invalidArgument('reason is too long.');
      if (exceedsIdLength(request.requestId)) throw invalidArgument('request id is too long.');
      if (exceedsIdLength(request.identity)) throw invalidArgument('identity is too long.');
      const nsId = await namespaceId(request.namespace);
      await history.unpauseWorkflowExecution({ namespaceId: nsId, request });
      return {};
    },
    // Workflow rules: off by default in Temporal 1.32 (the dev server answers these), not in Kairos.
    async createWorkflowRule() {
      throw workflowRulesNotEnabled('CreateWorkflowRule');
    },
    async describeWorkflowRule() {
      throw workflowRulesNotEnabled('DescribeWorkflowRule');
    },
    async deleteWorkflowRule() {
      throw workflowRulesNotEnabled('DeleteWorkflowRule');
    },
    async listWorkflowRules() {
      throw workflowRulesNotEnabled('ListWorkflowRules');
    },
    async triggerWorkflowRule() {
      throw workflowRulesNotEnabled('TriggerWorkflowRule');
    },
    // Off by default in Temporal 1.32 (frontend.WorkflowPauseEnabled); Kairos has no workflow pause.
    async pauseWorkflowExecution(request) {
      throw workflowPauseNotEnabled(request.namespace);
    },
  };
}
