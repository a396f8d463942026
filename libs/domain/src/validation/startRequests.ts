import { randomUUID } from 'node:crypto';
import { invalidArgument } from '@kairos/common/errors';
import type { Duration } from '@kairos/proto/google/protobuf/duration';
import type { Priority, RetryPolicy, WorkflowType } from '@kairos/proto/temporal/api/common/v1/message';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@kairos/proto/temporal/api/enums/v1/workflow';
import type { TaskQueue } from '@kairos/proto/temporal/api/taskqueue/v1/message';
import type { OnConflictOptions } from '@kairos/proto/temporal/api/workflow/v1/message';
import { validateCronSchedule } from '../cron';
import { byteLength, maxIdLength } from './idLengths';
import { priorityProblem } from './priorities';
import { checkedDuration } from './protoDurations';
import { checkedRetryPolicy } from './retryPolicies';
import { checkTaskQueue } from './taskQueues';

/*
 * The rules a request that starts a workflow must pass, in Temporal's order and words (its
 * frontend's prepareStartWorkflowRequest and the workflow Validator of signal-with-start). The
 * frontend and history's own entrances both apply them, so history trusts no caller. Search
 * attributes need the namespace's and are checked by the frontend. The result is the request as
 * Temporal goes on with it: a request id when it had none, durations capped at 100 years, the
 * retry policy's defaults filled in, the task queue's kind set.
 */

/** The fields of StartWorkflowExecution (and of signal-with-start and update-with-start) these rules read. */
export interface StartFields {
  workflowId: string;
  workflowType: WorkflowType | undefined;
  taskQueue: TaskQueue | undefined;
  workflowExecutionTimeout?: Duration | undefined;
  workflowRunTimeout?: Duration | undefined;
  workflowTaskTimeout?: Duration | undefined;
  requestId: string;
  retryPolicy: RetryPolicy | undefined;
  cronSchedule: string;
  workflowStartDelay?: Duration | undefined;
  workflowIdReusePolicy: WorkflowIdReusePolicy;
  workflowIdConflictPolicy: WorkflowIdConflictPolicy;
  priority: Priority | undefined;
}

const tooLongFor = (what: string, value: string) => `${what} exceeds maximum allowed length (${byteLength(value)}/${maxIdLength()})`;

function checkWorkflowId(workflowId: string): void {
  if (!workflowId) throw invalidArgument('WorkflowId is not set on request.');
  if (byteLength(workflowId) > maxIdLength()) throw invalidArgument(tooLongFor('WorkflowId', workflowId));
}

function retryPolicyOf(request: StartFields): RetryPolicy | undefined {
  return checkedRetryPolicy(request.retryPolicy, invalidArgument);
}

function startDelayOf(request: StartFields): Duration | undefined {
  if (request.cronSchedule && request.workflowStartDelay !== undefined) throw invalidArgument('CronSchedule and WorkflowStartDelay may not be used together.');
  return checkedDuration(request.workflowStartDelay, (problem) => invalidArgument(`An invalid WorkflowStartDelaySeconds is set on request. cause: ${problem}`));
}

function checkCronSchedule(cronSchedule: string): void {
  const problem = validateCronSchedule(cronSchedule);
  if (problem) throw invalidArgument(problem);
}

function taskQueueOf(request: StartFields): TaskQueue {
  const checked = checkTaskQueue(request.taskQueue);
  if (checked.problem !== undefined) throw invalidArgument(checked.problem);
  return checked.taskQueue;
}

function timeoutsOf(request: StartFields) {
  const timeout = (d: Duration | undefined, name: string) =>
    checkedDuration(d, (problem) => invalidArgument(`An invalid ${name}Seconds is set on request. cause: ${problem}`));
  return {
    workflowExecutionTimeout: timeout(request.workflowExecutionTimeout, 'WorkflowExecutionTimeout'),
    workflowRunTimeout: timeout(request.workflowRunTimeout, 'WorkflowRunTimeout'),
    workflowTaskTimeout: timeout(request.workflowTaskTimeout, 'WorkflowTaskTimeout'),
  };
}

function checkIdPolicies(request: StartFields): void {
  const reuse = request.workflowIdReusePolicy;
  const conflict = request.workflowIdConflictPolicy;
  if (conflict !== WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_UNSPECIFIED && reuse === WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_TERMINATE_IF_RUNNING) {
    throw invalidArgument('Invalid WorkflowIDReusePolicy: WORKFLOW_ID_REUSE_POLICY_TERMINATE_IF_RUNNING cannot be used together with a WorkflowIDConflictPolicy');
  }
  if (conflict === WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING && reuse === WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE) {
    throw invalidArgument('Invalid WorkflowIDReusePolicy: WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE cannot be used together with WorkflowIdConflictPolicy WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING');
  }
}

function checkPriority(priority: Priority | undefined): void {
  const problem = priorityProblem(priority);
  if (problem) throw invalidArgument(problem);
}

/** StartWorkflowExecution (and the start of update-with-start): Temporal's checks, then the request as it goes on. */
export function validateStartRequest<R extends StartFields & { onConflictOptions?: OnConflictOptions | undefined }>(request: R): R {
  checkWorkflowId(request.workflowId);
  const retryPolicy = retryPolicyOf(request);
  const workflowStartDelay = startDelayOf(request);
  checkCronSchedule(request.cronSchedule);
  if (!request.workflowType?.name) throw invalidArgument('WorkflowType is not set on request.');
  if (byteLength(request.workflowType.name) > maxIdLength()) throw invalidArgument('WorkflowType length exceeds limit.');
  const taskQueue = taskQueueOf(request);
  const timeouts = timeoutsOf(request);
  if (byteLength(request.requestId) > maxIdLength()) throw invalidArgument('RequestId length exceeds limit.');
  checkIdPolicies(request);
  if (request.onConflictOptions?.attachCompletionCallbacks && !request.onConflictOptions.attachRequestId) {
    throw invalidArgument('attaching request ID is required for attaching completion callbacks');
  }
  checkPriority(request.priority);
  return { ...request, ...timeouts, retryPolicy, workflowStartDelay, taskQueue, requestId: request.requestId || randomUUID() };
}

/** SignalWithStartWorkflowExecution: Temporal's checks (its own wording for some), then the request as it goes on. */
export function validateSignalWithStartRequest<R extends StartFields & { signalName: string }>(request: R): R {
  checkCronSchedule(request.cronSchedule);
  checkWorkflowId(request.workflowId);
  if (!request.signalName) throw invalidArgument('signal not set');
  if (byteLength(request.signalName) > maxIdLength()) throw invalidArgument(tooLongFor('signal name', request.signalName));
  if (!request.workflowType?.name) throw invalidArgument('workflow type not set');
  if (byteLength(request.workflowType.name) > maxIdLength()) throw invalidArgument(tooLongFor('workflow type name', request.workflowType.name));
  const taskQueue = taskQueueOf(request);
  if (byteLength(request.requestId) > maxIdLength()) throw invalidArgument(tooLongFor('Request ID', request.requestId));
  const timeouts = timeoutsOf(request);
  const retryPolicy = retryPolicyOf(request);
  const workflowStartDelay = startDelayOf(request);
  checkIdPolicies(request);
  if (request.workflowIdConflictPolicy === WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_FAIL) {
    throw invalidArgument('Invalid WorkflowIDConflictPolicy: WORKFLOW_ID_CONFLICT_POLICY_FAIL is not supported for this operation.');
  }
  checkPriority(request.priority);
  return { ...request, ...timeouts, retryPolicy, workflowStartDelay, taskQueue, requestId: request.requestId || randomUUID() };
}
