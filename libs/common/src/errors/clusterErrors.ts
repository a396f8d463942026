import { unavailable } from './serviceErrors';
import type { ApiError } from './apiError';

// Ownership moving between instances, and stores out of reach: all UNAVAILABLE, which the routed
// clients (and the SDKs) retry, so callers see a pause rather than an error.

/** No live history instance serves the shard yet (all gone, or the directory has not seen one). */
export function noLiveHistoryInstance(shardId: number): ApiError {
  return unavailable(`no live history instance for shard ${shardId}`);
}

/** No live instance of the role at all (a call that any of them could serve). */
export function noLiveInstance(role: string): ApiError {
  return unavailable(`no live ${role} instance`);
}

/** No live matching instance serves the task queue (`namespaceId/kind/name`). */
export function noLiveMatchingInstance(queueKey: string): ApiError {
  return unavailable(`no live matching instance for task queue ${queueKey}`);
}

/** A write found the shard taken over by another history instance. */
export function shardMoved(shardId: number): ApiError {
  return unavailable(`shard ${shardId} moved to another history instance`);
}

/** A call reached a history instance that does not hold the shard. */
export function shardNotOwned(shardId: number): ApiError {
  return unavailable(`shard ${shardId} is not owned by this history instance`);
}

/** The task queue was taken over by another matching instance. */
export function taskQueueMoved(taskQueue: string): ApiError {
  return unavailable(`task queue ${taskQueue} moved to another matching instance`);
}

/** The database cannot be reached for now (connection refused, lost, timed out). */
export function persistenceUnavailable(reason: string): ApiError {
  return unavailable(`persistence unavailable: ${reason}`);
}
