import type { Logger } from '@kairos/common/dist/logger';
import type { MatchingClient, NamespaceRegistry } from '@kairos/domain';
import type { Store } from '@kairos/persistence/dist/store';
import type { ExecutionManager } from './executionManager';
import type { HistoryWaiter } from './historyWaiter';

/** What every history API handler needs. */
export interface HistoryContext {
  store: Store;
  executions: ExecutionManager;
  namespaces: NamespaceRegistry;
  waiter: HistoryWaiter;
  matching: MatchingClient;
  logger: Logger;
  /** Longest a history long poll waits before answering empty (Temporal: 20 s). */
  longPollMs: number;
}
