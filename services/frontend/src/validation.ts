import { invalidArgument } from '@kairos/common/errors';
import { byteLength, checkTaskQueue, isValidUuid, maxIdLength } from '@kairos/domain';

/*
 * The frontend's own request checks, in Temporal's words. The rules a start request must pass
 * live in @kairos/domain (validateStartRequest), where history applies them too.
 */

/** Temporal's limit on ids and names (workflow id, type, task queue, request id, signal name...), in UTF-8 bytes. */
export function tooLong(value: string): boolean {
  return byteLength(value) > maxIdLength();
}

export function requireNonEmpty(value: string | undefined, message: string): string {
  if (!value) throw invalidArgument(message);
  return value;
}

/** Temporal's namespace check on every request that names one (its namespace validator interceptor). */
export function requireNamespaceLength(namespace: string): void {
  if (tooLong(namespace)) throw invalidArgument('Namespace length exceeds limit.');
}

/** A task queue a worker polls or a client describes (Temporal's tqid.NormalizeAndValidate: any queue, the internal ones too). */
export function requireTaskQueue(taskQueue: { name: string; kind?: number; normalName?: string } | undefined): string {
  const checked = checkTaskQueue(taskQueue && { kind: 0, normalName: '', ...taskQueue }, '', '', false);
  if (checked.problem !== undefined) throw invalidArgument(checked.problem);
  return checked.taskQueue.name;
}

/** Temporal's check of a request's workflow execution: a workflow id (of any length: a long one is simply not found), and a run id that is empty or a UUID. */
export function requireWorkflowExecution(execution: { workflowId: string; runId: string } | undefined): void {
  requireNonEmpty(execution?.workflowId, 'WorkflowId is not set on request.');
  const runId = execution?.runId ?? '';
  if (runId && !isValidUuid(runId)) throw invalidArgument('Invalid RunId.');
}
