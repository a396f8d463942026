/**
 * Kairos's persistence interface: one interface per concern, as Temporal keeps them apart
 * (shards, executions, task queues, namespaces, cluster membership, visibility, worker
 * heartbeats, API keys), and `Store`, all of them over one database. Every method is a single transaction; writes that change an
 * execution or a task queue are conditional and fail with a typed error when the condition does
 * not hold, never silently overwrite.
 */
import type { ApiKeyStore } from './apiKeys/apiKeyStore';
import type { ExecutionStore } from './executions/executionStore';
import type { MembershipStore } from './membership/membershipStore';
import type { NamespaceStore } from './namespaces/namespaceStore';
import type { ShardStore } from './shards/shardStore';
import type { TaskQueueStore } from './taskQueues/taskQueueStore';
import type { VisibilityStore } from './visibility/visibilityStore';
import type { WorkerHeartbeatStore } from './workers/workerHeartbeatStore';

export type { ShardLease, ShardStore } from './shards/shardStore';
export type {
  CurrentExecutionRecord,
  CurrentExecutionWrite,
  ExecutionDelete,
  ExecutionKey,
  ExecutionWrite,
  ExecutionWriteResult,
} from './executions/executionWrite';
export type { ExecutionSnapshot, ExecutionStore, StoredTimerTask, StoredTransferTask } from './executions/executionStore';
export type { StoredTaskQueueTask, TaskQueueBacklogSummary, TaskQueueKind, TaskQueueStore } from './taskQueues/taskQueueStore';
export type { NamespaceStore } from './namespaces/namespaceStore';
export type { ClusterMember, MemberRole, MembershipStore } from './membership/membershipStore';
export type { ApiKeyStore, NewApiKey, StoredApiKey } from './apiKeys/apiKeyStore';
export type { StoredWorkerHeartbeat, WorkerHeartbeatStore } from './workers/workerHeartbeatStore';
export type { VisibilityListRequest, VisibilityPage, VisibilityRecord, VisibilityStore, VisibilityValue } from './visibility/visibilityStore';

export interface Store extends ShardStore, ExecutionStore, TaskQueueStore, NamespaceStore, MembershipStore, VisibilityStore, WorkerHeartbeatStore, ApiKeyStore {
  /** Completes writes already issued, then releases the database. */
  close(): Promise<void>;
}
