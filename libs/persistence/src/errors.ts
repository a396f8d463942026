import type { CurrentExecutionRecord } from './store';

/** The row changed since it was read (another writer won). The caller reloads and retries. */
export class ConditionFailedError extends Error {
  override readonly name = 'ConditionFailedError';
}

/** The shard's range id moved on: this writer no longer owns the shard and must stop writing. */
export class ShardOwnershipLostError extends Error {
  override readonly name = 'ShardOwnershipLostError';
  constructor(readonly shardId: number, message?: string) {
    super(message ?? `shard ${shardId} ownership lost`);
  }
}

/** The current-execution row was not what the write expected. Carries the row found. */
export class CurrentExecutionConflictError extends Error {
  override readonly name = 'CurrentExecutionConflictError';
  constructor(readonly current: CurrentExecutionRecord | undefined) {
    super(`current execution conflict (found run ${current?.runId ?? 'none'})`);
  }
}

export class NamespaceAlreadyExistsError extends Error {
  override readonly name = 'NamespaceAlreadyExistsError';
}
