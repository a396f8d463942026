import type { Metrics } from '@kairos/common/metrics';
import type { Logger } from '@kairos/common/logger';
import type { MatchingClient } from '@kairos/cluster';
import type { NamespaceRegistry } from '@kairos/domain';
import type { ExecutionStore, NamespaceStore } from '@kairos/persistence/store';
import type { ExecutionManager } from '../shard/executionManager';
import type { HistoryWaiter } from './shared/historyWaiter';
import type { UpdateOutcomes } from './shared/updateOutcomes';

/** What every history API handler needs. */
export interface HistoryContext {
  /** Executions (current runs, histories) and the namespace's search attributes. */
  store: ExecutionStore & NamespaceStore;
  executions: ExecutionManager;
  namespaces: NamespaceRegistry;
  waiter: HistoryWaiter;
  /** Recent rejections and aborts of workflow updates (they are written nowhere). */
  updateOutcomes: UpdateOutcomes;
  matching: MatchingClient;
  logger: Logger;
  /** Longest a history long poll waits before answering empty (Temporal: 20 s). */
  longPollMs: number;
  /** Task schedule-to-start latency (absent in tests that need none). */
  metrics?: Metrics;
}
