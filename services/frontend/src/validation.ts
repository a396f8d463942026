import { Status } from 'nice-grpc-common';
import { ApiError } from '@kairos/common/dist/errors';
import { durationToMs } from '@kairos/domain';
import type { Duration } from '@kairos/proto/dist/generated/google/protobuf/duration';

/** Temporal's limit on ids and names (workflow id, type, task queue, activity id...). */
export const MAX_ID_LENGTH = 1000;

export function invalid(message: string): ApiError {
  return new ApiError(Status.INVALID_ARGUMENT, message);
}

export function requireNonEmpty(value: string | undefined, message: string): string {
  if (!value) throw invalid(message);
  if (value.length > MAX_ID_LENGTH) throw invalid(message.replace('is not set', 'exceeds length limit'));
  return value;
}

export function requireNonNegative(duration: Duration | undefined, message: string): void {
  if (duration && durationToMs(duration) < 0) throw invalid(message);
}

/** Temporal's task queue checks: absent and empty are reported differently. */
export function requireTaskQueue(taskQueue: { name: string } | undefined): string {
  if (!taskQueue) throw invalid('taskQueue is not set');
  if (!taskQueue.name) throw invalid('missing task queue name');
  if (taskQueue.name.length > MAX_ID_LENGTH) throw invalid('task queue name exceeds length limit');
  return taskQueue.name;
}
