import { validateCronSchedule } from '@kairos/domain';
import { invalidArgument } from '@kairos/common/errors';
import { setting } from '@kairos/common/settings';
import { durationToMs } from '@kairos/domain';
import type { Duration } from '@kairos/proto/google/protobuf/duration';

/** Temporal's limit on ids and names (workflow id, type, task queue, request id, signal name...). */
export function tooLong(value: string): boolean {
  return value.length > setting('frontend.maxIdLength');
}

export function requireNonEmpty(value: string | undefined, message: string): string {
  if (!value) throw invalidArgument(message);
  if (tooLong(value)) throw invalidArgument(message.replace('is not set', 'exceeds length limit'));
  return value;
}

export function requireNonNegative(duration: Duration | undefined, message: string): void {
  if (duration && durationToMs(duration) < 0) throw invalidArgument(message);
}

/** Temporal's task queue checks: absent and empty are reported differently. */
export function requireTaskQueue(taskQueue: { name: string } | undefined): string {
  if (!taskQueue) throw invalidArgument('taskQueue is not set');
  if (!taskQueue.name) throw invalidArgument('missing task queue name');
  if (tooLong(taskQueue.name)) throw invalidArgument('task queue name exceeds length limit');
  return taskQueue.name;
}

/**
 * Temporal's checks of the start options that delay a first run: a cron schedule and a start
 * delay exclude each other, and the schedule must parse and have a next time.
 */
export function requireValidStartSchedule(cronSchedule: string, startDelay: Duration | undefined): void {
  if (cronSchedule && startDelay !== undefined) throw invalidArgument('CronSchedule and WorkflowStartDelay may not be used together.');
  if (startDelay && (startDelay.seconds < 0 || startDelay.nanos < 0)) throw invalidArgument('An invalid WorkflowStartDelaySeconds is set on request.');
  const problem = validateCronSchedule(cronSchedule);
  if (problem) throw invalidArgument(problem);
}

/** Forms Go's uuid.Validate accepts (Temporal checks run ids with it). */
const UUID_FORMS = [
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  /^\{[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}$/i,
  /^[0-9a-f]{32}$/i,
];

/** Temporal's check of a request's workflow execution: a workflow id, and a run id that is empty or a UUID. */
export function requireWorkflowExecution(execution: { workflowId: string; runId: string } | undefined): void {
  requireNonEmpty(execution?.workflowId, 'WorkflowId is not set on request.');
  const runId = execution?.runId ?? '';
  if (runId && !UUID_FORMS.some((form) => form.test(runId))) throw invalidArgument('Invalid RunId.');
}
