import { WorkflowTaskFailedCause } from './protos';

/**
 * The completion cannot be accepted: the workflow task fails with `cause` instead (and, for
 * oversized payloads, the run is terminated), exactly as Temporal does.
 */
export class WorkflowTaskCompletionRejected extends Error {
  constructor(
    readonly failedCause: WorkflowTaskFailedCause,
    readonly detail?: string,
    readonly terminatesWorkflow = false,
  ) {
    super(failedCauseMessage(failedCause, detail));
  }
}

/** Temporal's wording: the cause's short name, then the problem (e.g. "UnhandledCommand"). */
export function failedCauseMessage(cause: WorkflowTaskFailedCause, detail?: string): string {
  const name = (WorkflowTaskFailedCause[cause] ?? 'Unspecified')
    .replace(/^WORKFLOW_TASK_FAILED_CAUSE_/, '')
    .toLowerCase()
    .replace(/(^|_)([a-z])/g, (_m, _s, c: string) => c.toUpperCase());
  return detail ? `${name}: ${detail}` : name;
}
