import { Status } from 'nice-grpc-common';
import { ApiError } from './apiError';
import { deadlineExceeded, invalidArgument } from './serviceErrors';

// Workflow, activity and query tasks that are gone, taken, or never answered. NOT_FOUND and
// ALREADY_EXISTS here carry no detail, as Temporal's task errors: matching drops such a task.

/** The workflow task a token or a start names is not the run's current one (Temporal's text). */
export function workflowTaskNotFound(): ApiError {
  return new ApiError(Status.NOT_FOUND, 'Workflow task not found.');
}

/** The task was already started by another poll; matching drops its copy. */
export function taskAlreadyStarted(): ApiError {
  return new ApiError(Status.ALREADY_EXISTS, 'Workflow task already started.');
}

/** The activity a token or an id names is gone (Temporal's text). */
export function activityTaskNotFound(): ApiError {
  return new ApiError(Status.NOT_FOUND, 'invalid activityID or activity already timed out or invoking workflow is completed');
}

/** RespondActivityTaskCanceled for an activity nobody asked to cancel (Temporal's text). */
export function activityCancelNotRequested(): ApiError {
  return invalidArgument('unable to mark activity as canceled without activity being request canceled first');
}

/** No worker polled the query's task queue in time. */
export function queryNotPickedUp(): ApiError {
  return deadlineExceeded('query timed out before a worker picked it up');
}

/** A worker took the query and did not answer in time. */
export function queryNotAnswered(): ApiError {
  return deadlineExceeded('query timed out before the worker answered');
}

/** RespondQueryTaskCompleted for a query nobody waits for any more. */
export function queryTaskNotFound(): ApiError {
  return new ApiError(Status.NOT_FOUND, 'query task not found, or already expired');
}
