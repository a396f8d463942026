import type { WorkerHeartbeat } from '@kairos/proto/temporal/api/worker/v1/message';

/** A worker's latest heartbeat and when the server received it (ms since epoch). */
export interface StoredWorkerHeartbeat {
  heartbeat: WorkerHeartbeat;
  lastSeenMs: number;
}

/**
 * The workers' heartbeats (RecordWorkerHeartbeat, and the last one ShutdownWorker carries), one
 * row per (namespace, worker instance key). Temporal keeps them in the memory of the matching
 * instance owning the namespace and forgets a worker silent for its TTL; Kairos keeps them here
 * so every frontend of a cluster lists every worker and an ownership move loses none. Expiry is
 * by the caller's clock: rows last seen before a cutoff are not listed and are deleted by the
 * next record.
 */
export interface WorkerHeartbeatStore {
  /**
   * In one transaction: stores each heartbeat as its worker's latest (seen at `seenAtMs`),
   * deletes the workers of `removedKeys` (they said they shut down), and deletes every
   * heartbeat, of any namespace, last seen before `expiredBeforeMs`.
   */
  recordWorkerHeartbeats(namespaceId: string, heartbeats: WorkerHeartbeat[], removedKeys: string[], seenAtMs: number, expiredBeforeMs: number): Promise<void>;
  /** The namespace's heartbeats last seen at or after `seenSinceMs`, by worker instance key. */
  listWorkerHeartbeats(namespaceId: string, seenSinceMs: number): Promise<StoredWorkerHeartbeat[]>;
  /** One worker's heartbeat if it was last seen at or after `seenSinceMs`. */
  getWorkerHeartbeat(namespaceId: string, workerInstanceKey: string, seenSinceMs: number): Promise<StoredWorkerHeartbeat | undefined>;
}
