import { Status } from 'nice-grpc-common';
import { ApiError } from '@kairos/common/errors';

export function workflowTaskNotFound(): ApiError {
  return new ApiError(Status.NOT_FOUND, 'Workflow task not found.');
}

/** Internal: the task was already started by another poll; matching drops its copy. */
export function taskAlreadyStarted(): ApiError {
  return new ApiError(Status.ALREADY_EXISTS, 'Workflow task already started.');
}

export function activityNotFound(): ApiError {
  return new ApiError(Status.NOT_FOUND, 'invalid activityID or activity already timed out or invoking workflow is completed');
}
