import type { ApiKeyStore } from './apiKeys/apiKeyStore';
import type { ExecutionStore } from './executions/executionStore';
import type { MembershipStore } from './membership/membershipStore';
import type { NamespaceStore } from './namespaces/namespaceStore';
import type { ShardStore } from './shards/shardStore';
import type { Store } from './store';
import type { TaskQueueStore } from './taskQueues/taskQueueStore';
import type { VisibilityStore } from './visibility/visibilityStore';
import type { WorkerHeartbeatStore } from './workers/workerHeartbeatStore';

/** A backend's implementation of each concern, all on one database. */
export interface StoreConcerns {
  shards: ShardStore;
  executions: ExecutionStore;
  taskQueues: TaskQueueStore;
  namespaces: NamespaceStore;
  membership: MembershipStore;
  visibility: VisibilityStore;
  workers: WorkerHeartbeatStore;
  apiKeys: ApiKeyStore;
}

/**
 * The Store made of one implementation per concern; `close` releases what they share. Each
 * implementation is a plain object whose own properties are its methods (a class instance's
 * methods live on its prototype and would be lost by the spread, so it is refused).
 */
export function composeStore(concerns: StoreConcerns, close: () => Promise<void>): Store {
  const names: string[] = [];
  for (const [concern, implementation] of Object.entries(concerns)) {
    if (Object.getPrototypeOf(implementation) !== Object.prototype) throw new Error(`the ${concern} store must be a plain object`);
    names.push(...Object.keys(implementation));
  }
  const store: Store = {
    ...concerns.shards,
    ...concerns.executions,
    ...concerns.taskQueues,
    ...concerns.namespaces,
    ...concerns.membership,
    ...concerns.visibility,
    ...concerns.workers,
    ...concerns.apiKeys,
    close,
  };
  // Two concerns defining one method would leave only the last: refuse rather than shadow.
  if (Object.keys(store).length !== names.length + 1) throw new Error('two store concerns define the same method');
  return store;
}
