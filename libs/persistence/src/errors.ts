import type { CurrentExecutionRecord } from './executions/executionWrite';

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

/**
 * A task queue backlog write carried a fencing number (range id) that is no longer the queue's:
 * another matching instance took the queue over. Nothing was written.
 */
export class TaskQueueOwnershipLostError extends Error {
  override readonly name = 'TaskQueueOwnershipLostError';
  constructor(readonly taskQueue: string, message?: string) {
    super(message ?? `task queue ${taskQueue} ownership lost`);
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

/** addSearchAttributes: the name is already registered in the namespace with another type. */
export class SearchAttributeTypeConflictError extends Error {
  override readonly name = 'SearchAttributeTypeConflictError';
  constructor(
    readonly attribute: string,
    /** The registered type (IndexedValueType shorthand, e.g. `Keyword`). */
    readonly existingType: string,
  ) {
    super(`search attribute ${attribute} already exists and has different type ${existingType}`);
  }
}

/** addSearchAttributes: the namespace would have more custom search attributes than allowed. */
export class TooManySearchAttributesError extends Error {
  override readonly name = 'TooManySearchAttributesError';
  constructor(readonly limit: number) {
    super(`cannot have more than ${limit} custom search attributes`);
  }
}

/**
 * The database's schema is newer than this build of Kairos knows (a newer Kairos migrated it).
 * Opening it anyway could misread or corrupt records, so the store refuses.
 */
export class UnsupportedSchemaVersionError extends Error {
  override readonly name = 'UnsupportedSchemaVersionError';
  constructor(readonly foundVersion: number, readonly supportedVersion: number, where: string) {
    super(
      `${where}: schema version ${foundVersion} is newer than this Kairos supports (${supportedVersion}); ` +
        'run a Kairos release that knows this schema, or point Kairos at another database',
    );
  }
}

/**
 * The database has no Kairos schema yet, or an older one than this build needs. Unlike SQLite,
 * a PostgreSQL store is shared by a cluster, so it is migrated by an operator's command
 * (`command`), never implicitly by whichever process opens it first.
 */
export class SchemaUpdateRequiredError extends Error {
  override readonly name = 'SchemaUpdateRequiredError';
  constructor(readonly foundVersion: number, readonly requiredVersion: number, where: string, readonly command: string) {
    super(
      `${where}: ${foundVersion === 0 ? 'no Kairos schema' : `schema version ${foundVersion}`}, this Kairos needs version ` +
        `${requiredVersion}; run \`${command}\``,
    );
  }
}

/** createApiKey: another key already has this id (ids are random; the caller makes a new one). */
export class ApiKeyExistsError extends Error {
  override readonly name = 'ApiKeyExistsError';
  constructor(readonly id: string) {
    super(`API key ${id} already exists`);
  }
}

/** revokeApiKey: no key has this id. */
export class ApiKeyNotFoundError extends Error {
  override readonly name = 'ApiKeyNotFoundError';
  constructor(readonly id: string) {
    super(`no API key has id ${JSON.stringify(id)}`);
  }
}
