import { Status } from 'nice-grpc-common';
import { isApiError } from './errors';
import { temporalServiceErrorType } from './serviceErrorMetrics';

/**
 * Temporal's persistence metrics label each call with the persistence-manager operation it made
 * (`GetWorkflowExecution`, `CreateTasks`, ...). Kairos's store has its own, coarser methods; each
 * is reported under the Temporal operation closest in meaning, so dashboards built for Temporal
 * read Kairos's series. Methods missing here are reported by their own name in PascalCase.
 */
const TEMPORAL_OPERATION: Readonly<Record<string, string>> = {
  // Executions and history.
  getCurrentExecution: 'GetCurrentExecution',
  getExecution: 'GetWorkflowExecution',
  // Continue-as-new closes a run and creates its successor in one write, as Temporal's update does.
  writeExecutions: 'UpdateWorkflowExecution',
  listRunKeys: 'ListConcreteExecutions',
  readHistory: 'ReadHistoryBranch',
  readHistoryBatches: 'ReadHistoryBranch',
  getTransferTasks: 'GetTransferTasks',
  deleteTransferTasks: 'CompleteTransferTask',
  getTimerTasks: 'GetTimerTasks',
  nextTimerFireTime: 'GetTimerTasks',
  deleteTimerTask: 'CompleteTimerTask',
  // Shards: acquiring and reading the lease are Temporal's get-or-create; renewing and releasing update it.
  acquireShard: 'GetOrCreateShard',
  getShard: 'GetOrCreateShard',
  listShards: 'GetOrCreateShard',
  renewShard: 'UpdateShard',
  releaseShard: 'UpdateShard',
  // Task queues: taking the queue's lease bumps its range as Temporal's UpdateTaskQueue does.
  acquireTaskQueue: 'UpdateTaskQueue',
  summarizeTaskQueue: 'GetTaskQueue',
  addTaskQueueTask: 'CreateTasks',
  getTaskQueueTasks: 'GetTasks',
  deleteTaskQueueTask: 'CompleteTasksLessThan',
  // Namespaces; Temporal keeps search attributes in cluster metadata.
  createNamespace: 'CreateNamespace',
  getNamespaceByName: 'GetNamespace',
  getNamespaceById: 'GetNamespace',
  listNamespaces: 'ListNamespaces',
  updateNamespace: 'UpdateNamespace',
  renameNamespace: 'RenameNamespace',
  deleteNamespace: 'DeleteNamespace',
  getSearchAttributes: 'GetClusterMetadata',
  addSearchAttributes: 'SaveClusterMetadata',
  removeSearchAttributes: 'SaveClusterMetadata',
  // Membership.
  heartbeatMember: 'UpsertClusterMembership',
  listMembers: 'GetClusterMembers',
  removeMember: 'PruneClusterMembership',
  clusterId: 'GetCurrentClusterMetadata',
  // Visibility.
  listVisibility: 'ListWorkflowExecutions',
  countVisibility: 'CountWorkflowExecutions',
};

/** The Temporal persistence operation name of a store call (`args` tell a create from an update). */
export function temporalPersistenceOperation(method: string, args: readonly unknown[]): string {
  if (method === 'writeExecution') {
    // A write expecting no row yet creates the execution.
    const expected = (args[0] as { expectedDbVersion?: number } | undefined)?.expectedDbVersion;
    return expected === 0 ? 'CreateWorkflowExecution' : 'UpdateWorkflowExecution';
  }
  return TEMPORAL_OPERATION[method] ?? method.charAt(0).toUpperCase() + method.slice(1);
}

/** Temporal's `namespace` label on a persistence call made for no one namespace (shards, queues, membership). */
export const SYSTEM_CALLER = 'system';

/** Which namespace a store call is made for, as its arguments tell: by id, by name, or none. */
export type PersistenceCaller = { namespaceId: string } | { namespaceName: string } | undefined;

type CallerOf = (args: readonly unknown[]) => PersistenceCaller;
const idArg: CallerOf = (args) => (typeof args[0] === 'string' ? { namespaceId: args[0] } : undefined);
const nameArg: CallerOf = (args) => (typeof args[0] === 'string' ? { namespaceName: args[0] } : undefined);
const keyArg: CallerOf = (args) => {
  const id = (args[0] as { key?: { namespaceId?: unknown }; namespaceId?: unknown } | undefined)?.key?.namespaceId ?? (args[0] as { namespaceId?: unknown } | undefined)?.namespaceId;
  return typeof id === 'string' ? { namespaceId: id } : undefined;
};

/**
 * Temporal labels each persistence call with its caller: the namespace whose request (or whose
 * run's task) made it, "system" for the server's own upkeep. Kairos's store calls say which
 * namespace they concern in their arguments; a method missing here concerns none.
 */
const CALLER_OF: Readonly<Record<string, CallerOf>> = {
  getCurrentExecution: idArg,
  getExecution: keyArg,
  writeExecution: keyArg,
  writeExecutions: (args) => keyArg([(args[0] as unknown[] | undefined)?.[0]]),
  deleteExecution: keyArg,
  listRunKeys: idArg,
  readHistory: keyArg,
  readHistoryBatches: keyArg,
  acquireTaskQueue: idArg,
  summarizeTaskQueue: idArg,
  addTaskQueueTask: idArg,
  getTaskQueueTasks: idArg,
  deleteTaskQueueTask: idArg,
  createNamespace: (args) => {
    const name = (args[0] as { info?: { name?: unknown } } | undefined)?.info?.name;
    return typeof name === 'string' ? { namespaceName: name } : undefined;
  },
  getNamespaceByName: nameArg,
  getNamespaceById: idArg,
  updateNamespace: nameArg,
  renameNamespace: nameArg,
  deleteNamespace: idArg,
  getSearchAttributes: idArg,
  addSearchAttributes: idArg,
  removeSearchAttributes: idArg,
  listVisibility: keyArg,
  countVisibility: idArg,
};

/** The namespace a store call is made for (undefined: the system's own call). */
export function persistenceCaller(method: string, args: readonly unknown[]): PersistenceCaller {
  return CALLER_OF[method]?.(args);
}

/** The store's conflict errors (by name: this library does not depend on the store) under Temporal's persistence error types. */
const PERSISTENCE_ERROR_TYPE: Readonly<Record<string, string>> = {
  ConditionFailedError: 'persistence_ConditionFailedError',
  TaskQueueOwnershipLostError: 'persistence_ConditionFailedError',
  ShardOwnershipLostError: 'persistence_ShardOwnershipLostError',
  CurrentExecutionConflictError: 'persistence_CurrentWorkflowConditionFailedError',
  NamespaceAlreadyExistsError: 'serviceerror_NamespaceAlreadyExists',
  SearchAttributeTypeConflictError: 'serviceerror_InvalidArgument',
  TooManySearchAttributesError: 'serviceerror_InvalidArgument',
};

/** Status codes of store answers Temporal counts as expected (not in persistence_errors). */
const EXPECTED_STORE_CODES = new Set([Status.INVALID_ARGUMENT, Status.NOT_FOUND, Status.ALREADY_EXISTS]);

/** The `error_type` of Temporal's persistence_error_with_type for a failed store call. */
export function temporalPersistenceErrorType(err: unknown): string {
  return PERSISTENCE_ERROR_TYPE[(err as Error | undefined)?.name ?? ''] ?? temporalServiceErrorType(err);
}

/**
 * Whether Temporal leaves the failure out of persistence_errors, which counts unexpected store
 * failures only: conditional-write conflicts, lost ownership, not found, invalid arguments.
 */
export function isExpectedPersistenceError(err: unknown): boolean {
  return Object.hasOwn(PERSISTENCE_ERROR_TYPE, (err as Error | undefined)?.name ?? '') || (isApiError(err) && EXPECTED_STORE_CODES.has(err.code));
}
