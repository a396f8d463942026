import { randomUUID } from 'node:crypto';
import { createChannel, createClient } from 'nice-grpc';
import { internal, invalidArgument, notFound, unavailable } from '@kairos/common/errors';
import type { Store } from '@kairos/persistence/store';
import type {
  AddOrUpdateRemoteClusterRequest,
  ListClustersResponse,
  RemoveRemoteClusterRequest,
} from '@kairos/proto/temporal/api/operatorservice/v1/request_response';
import { WorkflowServiceDefinition } from '@kairos/proto/temporal/api/workflowservice/v1/service';
import { CLUSTER_NAME, type ClusterFacts } from './clusterInfo';

/** How long AddOrUpdateRemoteCluster tries to reach the remote frontend. */
const REMOTE_CALL_TIMEOUT_MS = 5_000;

/**
 * OperatorService's cluster calls for a Kairos deployment, which is one cluster and replicates to
 * none: ListClusters lists it (as Temporal's single-cluster dev server does); RemoveRemoteCluster
 * finds no remote cluster to remove and refuses to remove itself, in Temporal's words.
 */
export async function listClusters(store: Store, facts: ClusterFacts): Promise<ListClustersResponse> {
  return {
    clusters: [
      {
        clusterName: CLUSTER_NAME,
        clusterId: await store.clusterId(CLUSTER_NAME, randomUUID()),
        address: facts.frontendAddress ?? '',
        httpAddress: facts.httpAddress ?? '',
        initialFailoverVersion: 1,
        historyShardCount: facts.historyShardCount,
        isConnectionEnabled: true,
        isReplicationEnabled: false,
      },
    ],
    nextPageToken: Buffer.alloc(0),
  };
}

export function removeRemoteCluster(request: RemoveRemoteClusterRequest): never {
  if (request.clusterName === CLUSTER_NAME) throw internal('Unable to delete cluster info with error: Cannot delete current cluster metadata.');
  throw notFound('The cluster to be deleted cannot be found in clusters cache.');
}

/**
 * AddOrUpdateRemoteCluster: as Temporal, the remote frontend is asked for its cluster info first
 * (UNAVAILABLE when it cannot be reached) and this cluster cannot be added to itself; a reachable
 * remote cluster is refused, since Kairos does not replicate namespaces between clusters.
 */
export async function addOrUpdateRemoteCluster(store: Store, request: AddOrUpdateRemoteClusterRequest): Promise<never> {
  const address = request.frontendAddress;
  if (!address) throw unavailable(`Unable connect to remote cluster  with error: dns resolver: missing address.`);
  const channel = createChannel(address);
  let remoteClusterId: string;
  try {
    const client = createClient(WorkflowServiceDefinition, channel);
    remoteClusterId = (await client.getClusterInfo({}, { signal: AbortSignal.timeout(REMOTE_CALL_TIMEOUT_MS) })).clusterId;
  } catch (err) {
    // A gRPC failure's own text (its details), without the method path nice-grpc puts in front.
    const reason = (err as { details?: string }).details ?? (err as Error).message;
    throw unavailable(`Unable connect to remote cluster ${address} with error: ${reason.replace(/\.\s*Resolution note: \.?$/, '')}.`);
  } finally {
    channel.close();
  }
  if (remoteClusterId === (await store.clusterId(CLUSTER_NAME, randomUUID()))) {
    throw invalidArgument('Unable connect to remote cluster with invalid config: Cannot update current cluster metadata from rpc calls.');
  }
  throw invalidArgument(`Unable connect to remote cluster with invalid config: Kairos does not replicate between clusters (remote cluster ${remoteClusterId} at ${address}).`);
}
