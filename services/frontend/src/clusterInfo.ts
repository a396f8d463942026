import { randomUUID } from 'node:crypto';
import type { Store } from '@kairos/persistence/store';
import { GetClusterInfoResponse } from '@kairos/proto/temporal/api/workflowservice/v1/request_response';

/**
 * The one cluster a Kairos store serves, by the name its namespaces give as their active
 * cluster (Temporal's single-cluster default, which the Web UI and the CLI compare with).
 */
export const CLUSTER_NAME = 'active';

/**
 * The client versions this server works with, as Temporal's frontend announces them (its
 * headers package): clients below these majors; the Web UI and the CLI read this map.
 */
export const SUPPORTED_CLIENTS: Readonly<Record<string, string>> = {
  'temporal-go': '<2.0.0',
  'temporal-java': '<2.0.0',
  'temporal-php': '<2.0.0',
  'temporal-typescript': '<2.0.0',
  'temporal-cli': '<2.0.0',
  'temporal-server': '<2.0.0',
  'temporal-ui': '<3.0.0',
  'Nexus-go-sdk': '<2.0.0',
};

/** What a frontend knows of the deployment it belongs to. */
export interface ClusterFacts {
  /** Fixed when the cluster is created. */
  historyShardCount: number;
  /** The store's kind: 'sqlite' or 'postgres' (executions and visibility live in the same database). */
  persistenceStore: string;
  /** host:port clients reach the frontend at (ListClusters). */
  frontendAddress?: string;
  /** host:port of Temporal's HTTP API, when served. */
  httpAddress?: string;
}

/**
 * GetClusterInfo as Temporal's frontend answers it for a single local cluster: failover versions
 * of a cluster that never fails over (initial 1, increment 10, as the dev server), no version
 * check information, and a cluster id made once and kept in the store.
 */
export async function getClusterInfo(store: Store, facts: ClusterFacts, serverVersion: string): Promise<GetClusterInfoResponse> {
  const clusterId = await store.clusterId(CLUSTER_NAME, randomUUID());
  return GetClusterInfoResponse.fromPartial({
    supportedClients: { ...SUPPORTED_CLIENTS },
    serverVersion,
    clusterId,
    clusterName: CLUSTER_NAME,
    historyShardCount: facts.historyShardCount,
    persistenceStore: facts.persistenceStore,
    visibilityStore: facts.persistenceStore,
    initialFailoverVersion: 1,
    failoverVersionIncrement: 10,
  });
}
