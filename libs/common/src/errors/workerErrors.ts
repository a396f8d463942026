import type { ApiError } from './apiError';
import { notFound, unimplemented } from './serviceErrors';

// Answers of the worker APIs (DescribeWorker, FetchWorkerConfig, UpdateWorkerConfig), in Temporal's words.

/** DescribeWorker of a worker with no live heartbeat: NOT_FOUND with NotFoundFailure. */
export function workerNotFound(workerInstanceKey: string): ApiError {
  return notFound(`Worker ${workerInstanceKey} not found`);
}

/**
 * FetchWorkerConfig / UpdateWorkerConfig: commands to workers are off, as on Temporal by default
 * (frontend.WorkerCommandsEnabled), so the namespace advertises no `workerCommands`.
 */
export function workerCommandsNotEnabled(method: 'FetchWorkerConfig' | 'UpdateWorkerConfig'): ApiError {
  return unimplemented(`${method} command is not enabled.`);
}
