import { describe, it } from 'vitest';
import type { Store } from '../../src/store';
import { apiKeyConformance } from './apiKeys';
import { currentExecutionConformance } from './currentExecutions';
import { durabilityConformance } from './durability';
import { executionDeleteConformance } from './executionDeletes';
import { executionWriteConformance } from './executionWrites';
import { useStores, type StoreHarness } from './harness';
import { historyConformance } from './history';
import { historyTaskConformance } from './historyTasks';
import { membershipConformance } from './membership';
import { namespaceConformance } from './namespaces';
import { shardConformance } from './shards';
import { taskQueueConformance } from './taskQueues';
import { visibilityConformance } from './visibility';
import { workerHeartbeatConformance } from './workerHeartbeats';

export type { StoreHarness } from './harness';

/**
 * The behaviour every Store implementation must have, concern by concern, as vitest tests. Call
 * it at the top level of a test file with the backend's harness:
 *
 *   storeConformance('sqlite :memory:', { open: async () => openSqliteStore({ filename: ':memory:' }).store });
 *
 * With `reopen` it also runs the close-and-reopen tests. Nothing here knows the backing
 * database; each suite uses only the interfaces of the concerns it tests.
 */
export function storeConformance(name: string, harness: StoreHarness<Store>): void {
  describe(`Store conformance: ${name}`, () => {
    namespaceConformance(harness);
    shardConformance(harness);
    membershipConformance(harness);
    executionWriteConformance(harness);
    currentExecutionConformance(harness);
    executionDeleteConformance(harness);
    historyConformance(harness);
    historyTaskConformance(harness);
    taskQueueConformance(harness);
    visibilityConformance(harness);
    workerHeartbeatConformance(harness);
    apiKeyConformance(harness);
    durabilityConformance(harness);

    const { open } = useStores(harness);
    it('closing twice is harmless', async () => {
      const store = await open();
      await store.close();
      await store.close();
    });
  });
}
