import { workerCommandsNotEnabled, workerNotFound } from '@kairos/common/errors';
import { setting } from '@kairos/common/settings';
import type { WorkerHeartbeatStore } from '@kairos/persistence/store';
import { WorkerStatus } from '@kairos/proto/temporal/api/enums/v1/common';
import type { WorkerHeartbeat, WorkerListInfo } from '@kairos/proto/temporal/api/worker/v1/message';
import type { WorkflowServiceImplementation } from '@kairos/proto/temporal/api/workflowservice/v1/service';
import { requireNonEmpty } from '../validation';
import { pageOfWorkers } from './workerPages';
import { workerPredicate } from './workerQuery';

export interface WorkerHandlerDeps {
  store: WorkerHeartbeatStore;
  /** The namespace's id by name (NOT_FOUND for an unknown one). */
  namespaceId(name: string): Promise<string>;
  /** Now, in ms (tests move it). */
  now?: () => number;
}

type WorkerApis = 'recordWorkerHeartbeat' | 'listWorkers' | 'countWorkers' | 'describeWorker' | 'fetchWorkerConfig' | 'updateWorkerConfig';

/** The list entry of a worker: the heartbeat's identifying fields, without its runtime figures. */
export function workerListInfo(hb: WorkerHeartbeat): WorkerListInfo {
  return {
    workerInstanceKey: hb.workerInstanceKey,
    workerIdentity: hb.workerIdentity,
    taskQueue: hb.taskQueue,
    deploymentVersion: hb.deploymentVersion,
    sdkName: hb.sdkName,
    sdkVersion: hb.sdkVersion,
    status: hb.status,
    startTime: hb.startTime,
    hostName: hb.hostInfo?.hostName ?? '',
    workerGroupingKey: hb.hostInfo?.workerGroupingKey ?? '',
    processId: hb.hostInfo?.processId ?? '',
    plugins: hb.plugins,
    drivers: hb.drivers,
  };
}

/**
 * The worker APIs. Workers heartbeat (RecordWorkerHeartbeat, and a last one with ShutdownWorker);
 * ListWorkers, CountWorkers and DescribeWorker answer from the heartbeats received within the
 * TTL (`frontend.workerHeartbeatTtl`, Temporal's 5 minutes). Heartbeats live in the store, so
 * every frontend of a cluster sees every worker (Temporal keeps them in the memory of the
 * matching instance that owns the namespace). A worker that reports itself SHUTDOWN is dropped at
 * once, as Temporal's registry drops it. Commands to workers (Fetch/UpdateWorkerConfig) are not
 * enabled, as on Temporal by default.
 */
export function createWorkerHandlers(deps: WorkerHandlerDeps): Pick<WorkflowServiceImplementation, WorkerApis> {
  const now = deps.now ?? Date.now;
  const ttl = () => setting('frontend.workerHeartbeatTtl');

  async function namespaceIdOf(namespace: string): Promise<string> {
    requireNonEmpty(namespace, 'Namespace is empty.');
    return deps.namespaceId(namespace);
  }

  async function liveWorkers(namespaceId: string, query: string): Promise<WorkerHeartbeat[]> {
    const matches = workerPredicate(query);
    const rows = await deps.store.listWorkerHeartbeats(namespaceId, now() - ttl());
    return rows.map((r) => r.heartbeat).filter(matches);
  }

  return {
    async recordWorkerHeartbeat(request) {
      const namespaceId = await namespaceIdOf(request.namespace);
      await recordHeartbeats(deps.store, namespaceId, request.workerHeartbeat, now(), ttl());
      return {};
    },

    async listWorkers(request) {
      const namespaceId = await namespaceIdOf(request.namespace);
      const page = pageOfWorkers(await liveWorkers(namespaceId, request.query), request.pageSize, request.nextPageToken);
      return {
        // Deprecated by Temporal, still filled: older CLIs read the full heartbeat from it.
        workersInfo: page.workers.map((workerHeartbeat) => ({ workerHeartbeat })),
        workers: page.workers.map(workerListInfo),
        nextPageToken: page.nextPageToken,
      };
    },

    async countWorkers(request) {
      const namespaceId = await namespaceIdOf(request.namespace);
      return { count: (await liveWorkers(namespaceId, request.query)).length };
    },

    async describeWorker(request) {
      const namespaceId = await namespaceIdOf(request.namespace);
      const found = await deps.store.getWorkerHeartbeat(namespaceId, request.workerInstanceKey, now() - ttl());
      if (!found) throw workerNotFound(request.workerInstanceKey);
      return { workerInfo: { workerHeartbeat: found.heartbeat } };
    },

    async fetchWorkerConfig(request) {
      await namespaceIdOf(request.namespace);
      throw workerCommandsNotEnabled('FetchWorkerConfig');
    },

    async updateWorkerConfig(request) {
      await namespaceIdOf(request.namespace);
      throw workerCommandsNotEnabled('UpdateWorkerConfig');
    },
  };
}

/**
 * Stores a batch of heartbeats as their workers' latest; those saying SHUTDOWN remove their
 * worker instead, and heartbeats older than the TTL are deleted in the same write.
 */
export async function recordHeartbeats(store: WorkerHeartbeatStore, namespaceId: string, heartbeats: WorkerHeartbeat[], nowMs: number, ttlMs: number): Promise<void> {
  const shutDown = heartbeats.filter((hb) => hb.status === WorkerStatus.WORKER_STATUS_SHUTDOWN);
  const live = heartbeats.filter((hb) => hb.status !== WorkerStatus.WORKER_STATUS_SHUTDOWN);
  await store.recordWorkerHeartbeats(
    namespaceId,
    live,
    shutDown.map((hb) => hb.workerInstanceKey),
    nowMs,
    nowMs - ttlMs,
  );
}
