import { invalidArgument } from '@kairos/common/errors';
import { camelFieldPath } from '@kairos/domain';
import { WorkflowExecutionOptions } from '@kairos/proto/temporal/api/workflow/v1/message';
import type { RunTransaction } from './runTransaction';
import { EventType } from './protos';
import { clearStickiness } from './workflowTasks';

/*
 * UpdateWorkflowExecutionOptions' core: the masked options merged over the run's (Temporal's
 * mergeWorkflowExecutionOptions) and, when that changes them, WorkflowExecutionOptionsUpdated.
 */

/** The options the run has now. */
export function workflowOptionsOf(run: RunTransaction): WorkflowExecutionOptions {
  // Kairos has no time skipping: that option is never set.
  return { versioningOverride: run.info.versioningOverride, priority: run.info.priority, timeSkippingConfig: undefined };
}

/** The masked fields of `from` over `into`, or INVALID_ARGUMENT in Temporal's words. */
export function mergeWorkflowOptions(into: WorkflowExecutionOptions, from: WorkflowExecutionOptions, paths: string[]): WorkflowExecutionOptions {
  const fields = new Set(paths.map(camelFieldPath));
  const merged: WorkflowExecutionOptions = { ...into, priority: into.priority && { ...into.priority } };
  const refuse = (problem: string) => invalidArgument(`error applying update_options: ${problem}`);
  if (fields.has('versioningOverride')) merged.versioningOverride = from.versioningOverride;
  const deployment = fields.has('versioningOverride.deployment');
  const behavior = fields.has('versioningOverride.behavior');
  if (deployment !== behavior) throw refuse('versioning_override fields must be updated together');
  if (deployment) merged.versioningOverride = from.versioningOverride;
  for (const field of fields) {
    if (field.startsWith('versioningOverride.') && !deployment) throw refuse("versioning_override doesn't support partial updates");
  }
  if (fields.has('priority')) merged.priority = from.priority;
  for (const part of ['priorityKey', 'fairnessKey', 'fairnessWeight'] as const) {
    if (!fields.has(`priority.${part}`)) continue;
    merged.priority = { priorityKey: 0, fairnessKey: '', fairnessWeight: 0, ...merged.priority, [part]: from.priority?.[part] ?? (part === 'fairnessKey' ? '' : 0) };
  }
  return merged;
}

/** Whether two option sets differ, presence included (proto.Equal). */
function differ(a: WorkflowExecutionOptions, b: WorkflowExecutionOptions): boolean {
  return Buffer.compare(WorkflowExecutionOptions.encode(a).finish(), WorkflowExecutionOptions.encode(b).finish()) !== 0;
}

/**
 * Applies merged options to the run: nothing when they equal its own, else the new override and
 * priority and a WorkflowExecutionOptionsUpdated event (no workflow task). Returns whether they changed.
 */
export function applyWorkflowOptions(run: RunTransaction, merged: WorkflowExecutionOptions, identity: string): boolean {
  const current = workflowOptionsOf(run);
  if (!differ(merged, current)) return false;
  // A new effective behavior sends the next workflow task to the normal queue (Temporal clears
  // the sticky queue so matching can place it by the new behavior).
  if (behaviorOf(merged) !== behaviorOf(current)) clearStickiness(run);
  run.info.versioningOverride = merged.versioningOverride;
  run.info.priority = merged.priority;
  run.appendOrBufferEvent(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_OPTIONS_UPDATED, {
    // As Temporal: workers that do not know the event skip it.
    workerMayIgnore: true,
    workflowExecutionOptionsUpdatedEventAttributes: {
      versioningOverride: merged.versioningOverride,
      unsetVersioningOverride: !merged.versioningOverride,
      identity,
      priority: merged.priority,
    },
  });
  return true;
}

/** The behavior an override makes effective (the run itself has none: Kairos has no worker deployments). */
function behaviorOf(options: WorkflowExecutionOptions): 'pinned' | 'autoUpgrade' | 'unspecified' {
  const override = options.versioningOverride;
  if (override?.pinned || override?.oneTime) return 'pinned';
  return override?.autoUpgrade ? 'autoUpgrade' : 'unspecified';
}
