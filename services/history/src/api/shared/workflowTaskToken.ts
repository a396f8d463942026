import { decodeTaskToken } from '@kairos/domain';
import type { ExecutionKey } from '@kairos/persistence/store';
import type { RunTransaction } from '../../workflow/runTransaction';
import { TaskTokenKind, type WorkflowTaskInfo } from '../../workflow/protos';
import { workflowNotFound, workflowTaskNotFound } from '@kairos/common/errors';

export type WorkflowTaskToken = ReturnType<typeof decodeTaskToken>;

/** A worker's workflow task token, which must belong to the calling namespace. */
export function workflowTaskToken(bytes: Uint8Array, namespaceId: string): WorkflowTaskToken {
  const token = decodeTaskToken(bytes, TaskTokenKind.TASK_TOKEN_KIND_WORKFLOW_TASK);
  if (token.namespaceId !== namespaceId) throw workflowTaskNotFound();
  return token;
}

export function tokenKey(token: WorkflowTaskToken): ExecutionKey {
  return { namespaceId: token.namespaceId, workflowId: token.workflowId, runId: token.runId };
}

/** Checks a worker's workflow task token against the run's current workflow task. */
export function currentWorkflowTask(run: RunTransaction, token: WorkflowTaskToken): WorkflowTaskInfo {
  if (!run.isOpen) throw workflowNotFound('Workflow execution already completed.');
  const task = run.state.workflowTask;
  if (
    !task ||
    task.scheduledEventId !== token.scheduledEventId ||
    task.startedEventId !== token.startedEventId ||
    task.startedEventId === 0 ||
    task.attempt !== token.attempt ||
    // An earlier (discarded) speculative task with the same ids.
    (token.workflowTaskStamp !== 0 && task.stamp !== token.workflowTaskStamp)
  ) {
    throw workflowTaskNotFound();
  }
  return task;
}
