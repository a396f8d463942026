import { failedPrecondition, workflowNotFound } from '@kairos/common/errors';
import type { UpdateWorkflowExecutionOptionsRequest, UpdateWorkflowExecutionOptionsResponse } from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import { VersioningOverride_PinnedOverrideBehavior as PinnedBehavior } from '@kairos/proto/temporal/api/workflow/v1/message';
import type { HistoryContext } from './context';
import { applyWorkflowOptions, mergeWorkflowOptions, workflowOptionsOf } from '../workflow/workflowOptions';

/**
 * UpdateWorkflowExecutionOptions: priority and versioning override, as Temporal's history applies
 * them to a run of a namespace without worker deployments (Kairos has none): an auto-upgrade
 * override is kept, a pinned one is refused as Temporal refuses a version no task queue knows.
 */
export async function updateWorkflowExecutionOptions(ctx: HistoryContext, namespaceId: string, request: UpdateWorkflowExecutionOptionsRequest): Promise<UpdateWorkflowExecutionOptionsResponse> {
  const key = await ctx.executions.resolveRunId(namespaceId, request.workflowExecution?.workflowId ?? '', request.workflowExecution?.runId);
  return ctx.executions.transact(key, (run) => {
    if (!run.isOpen) throw workflowNotFound('workflow execution already completed');
    const requested = request.workflowExecutionOptions!;
    const pinned = requested.versioningOverride?.pinned;
    if (pinned && pinned.behavior !== PinnedBehavior.PINNED_OVERRIDE_BEHAVIOR_UNSPECIFIED) {
      if (!pinned.version) {
        const behavior = run.info.versioningOverride?.autoUpgrade ? 'AutoUpgrade' : run.info.versioningOverride?.pinned ? 'Pinned' : 'Unspecified';
        throw failedPrecondition(
          `must specify a specific pinned override version because workflow with id ${run.info.workflowId} has behavior ${behavior} and is not yet pinned to any version`,
        );
      }
      throw failedPrecondition(`Pinned version '${pinned.version.deploymentName}:${pinned.version.buildId}' is not present in task queue '${run.info.taskQueue?.name ?? ''}' of type 'Workflow'`);
    }
    const merged = mergeWorkflowOptions(workflowOptionsOf(run), requested, request.updateMask ?? []);
    if (!applyWorkflowOptions(run, merged, request.identity)) {
      run.discard();
      return { workflowExecutionOptions: merged, updateTime: undefined };
    }
    return { workflowExecutionOptions: merged, updateTime: run.now };
  });
}
