import { CLUSTER_SERVICES, type BenchCluster, type ClusterService } from './kairosCluster';

/** Everything a cluster run is charged for, read at one moment. */
export interface ClusterSample {
  atMs: number;
  serviceCpu: Record<ClusterService, number>;
  postgresCpu: number;
  natsCpu: number;
  commits: number;
  walBytes: number;
  shardRowUpdates: number;
  executionWrites: number;
  natsIn: number;
  natsOut: number;
}

/** Costs of an interval, divided by a count (workflows; or seconds for the idle rates). */
export interface ClusterCosts {
  /** CPU ms per unit of each service's instances together, and of all Kairos processes. */
  cpuMs: Record<ClusterService | 'kairos', number>;
  postgresCpuMs: number;
  natsCpuMs: number;
  /** pg_stat_database xact_commit (read-only statements count too: each is a transaction). */
  postgresCommits: number;
  /** Execution writes (rows of `executions` inserted or updated), and those that locked their shard's row to commit (they carry tasks). */
  executionWrites: number;
  shardLockedWrites: number;
  walKiB: number;
  natsInMsgs: number;
  natsOutMsgs: number;
}

/**
 * Reads the CPU counters at once (synchronously: the phase hooks call this right at the phase's
 * edge) and the store's and NATS's counters as soon as they answer. PostgreSQL publishes a
 * backend's commit count about a second after the fact, at both edges alike, so the lag cancels.
 */
export function sample(cluster: BenchCluster): Promise<ClusterSample> {
  const atMs = Date.now();
  const serviceCpu = cluster.serviceCpuSeconds();
  const postgresCpu = cluster.postgres.cpuSeconds();
  const natsCpu = cluster.nats.cpuSeconds();
  return Promise.all([cluster.postgres.counters(), cluster.nats.counters()]).then(([pg, nats]) => ({
    atMs,
    serviceCpu,
    postgresCpu,
    natsCpu,
    commits: pg.commits,
    walBytes: pg.walBytes,
    shardRowUpdates: pg.shardRowUpdates,
    executionWrites: pg.executionWrites,
    natsIn: nats.inMsgs,
    natsOut: nats.outMsgs,
  }));
}

const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

export function costs(before: ClusterSample, after: ClusterSample, per: number): ClusterCosts {
  const cpu = (s: ClusterService) => ((after.serviceCpu[s] - before.serviceCpu[s]) * 1000) / per;
  const cpuMs = Object.fromEntries(CLUSTER_SERVICES.map((s) => [s, round(cpu(s))])) as Record<ClusterService, number>;
  return {
    cpuMs: { ...cpuMs, kairos: round(CLUSTER_SERVICES.reduce((sum, s) => sum + cpu(s), 0)) },
    postgresCpuMs: round(((after.postgresCpu - before.postgresCpu) * 1000) / per),
    natsCpuMs: round(((after.natsCpu - before.natsCpu) * 1000) / per),
    postgresCommits: round((after.commits - before.commits) / per),
    executionWrites: round((after.executionWrites - before.executionWrites) / per),
    shardLockedWrites: round((after.shardRowUpdates - before.shardRowUpdates) / per),
    walKiB: round((after.walBytes - before.walBytes) / 1024 / per),
    natsInMsgs: round((after.natsIn - before.natsIn) / per),
    natsOutMsgs: round((after.natsOut - before.natsOut) / per),
  };
}

/**
 * Per-workflow costs without the share of the cluster's fixed costs (heartbeats, directory and
 * backlog re-reads: `idle` per second) that fell in the measured `seconds`: what one more workflow
 * costs, which the capacity model scales, while the idle rates scale with the instance count.
 */
export function netOfIdle(perWorkflow: ClusterCosts, idle: ClusterCosts, seconds: number, workflows: number): ClusterCosts {
  const net = (x: number, perSecond: number) => round(x - (perSecond * seconds) / workflows);
  const cpuMs = Object.fromEntries(Object.entries(perWorkflow.cpuMs).map(([k, v]) => [k, net(v, idle.cpuMs[k as keyof ClusterCosts['cpuMs']])])) as ClusterCosts['cpuMs'];
  return {
    cpuMs,
    postgresCpuMs: net(perWorkflow.postgresCpuMs, idle.postgresCpuMs),
    natsCpuMs: net(perWorkflow.natsCpuMs, idle.natsCpuMs),
    postgresCommits: net(perWorkflow.postgresCommits, idle.postgresCommits),
    executionWrites: net(perWorkflow.executionWrites, idle.executionWrites),
    shardLockedWrites: net(perWorkflow.shardLockedWrites, idle.shardLockedWrites),
    walKiB: net(perWorkflow.walKiB, idle.walKiB),
    natsInMsgs: net(perWorkflow.natsInMsgs, idle.natsInMsgs),
    natsOutMsgs: net(perWorkflow.natsOutMsgs, idle.natsOutMsgs),
  };
}
