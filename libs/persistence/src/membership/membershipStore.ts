/** The services whose instances share out keys between them (history shards, task queues). */
export type MemberRole = 'history' | 'matching';

/** A live (or recently live) instance of a service, as it last announced itself. */
export interface ClusterMember {
  role: MemberRole;
  /** Unique per process; also the owner name in its leases. */
  instanceId: string;
  /** `host:port` where the other services reach it. */
  address: string;
  heartbeatAt: Date;
}

/** Cluster membership: each instance heartbeats its row; the others read who is alive. */
export interface MembershipStore {
  /** Creates or refreshes the member's row with heartbeatAt = now. */
  heartbeatMember(role: MemberRole, instanceId: string, address: string): Promise<void>;
  /** Members of `role` whose last heartbeat is at or after `aliveSince`, by instance id. */
  listMembers(role: MemberRole, aliveSince: Date): Promise<ClusterMember[]>;
  /** Removes the member's row (a clean shutdown); a no-op when absent. */
  removeMember(role: MemberRole, instanceId: string): Promise<void>;
  /**
   * The cluster's id (GetClusterInfo's clusterId): the one stored under `clusterName`, or
   * `candidate`, stored first by whichever process asks first. Stable for the store's lifetime.
   */
  clusterId(clusterName: string, candidate: string): Promise<string>;
}
