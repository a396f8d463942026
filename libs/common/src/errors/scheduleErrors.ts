import type { ApiError } from './apiError';
import { invalidArgument, workflowExecutionAlreadyStarted } from './serviceErrors';
import { workflowNotFound } from './executionErrors';

// Refusals about schedules, in the words of Temporal's workflow-backed scheduler (the dev server's).

/** CreateSchedule for an id a schedule already has (no request or run ids in the detail). */
export function scheduleAlreadyRegistered(scheduleId: string): ApiError {
  return workflowExecutionAlreadyStarted(`schedule ${JSON.stringify(scheduleId)} is already registered`, '', '', '');
}

/** A schedule spec Temporal's spec builder refuses. */
export function invalidScheduleSpec(reason: string): ApiError {
  return invalidArgument(`Invalid schedule spec: ${reason}`);
}

/** No schedule with this id: Temporal names the scheduler's workflow id. */
export function scheduleNotFound(schedulerWorkflowId: string): ApiError {
  return workflowNotFound(`workflow not found for ID: ${schedulerWorkflowId}`);
}
