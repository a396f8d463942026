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
  deleteTransferTask: 'CompleteTransferTask',
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
