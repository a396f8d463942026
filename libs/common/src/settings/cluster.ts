import { settingGroup } from './setting';

const ALL = ['frontend', 'history', 'matching'] as const;

/** How cluster processes find each other and follow ownership (`libs/domain`, `services/kairos`). */
export const CLUSTER_SETTINGS = settingGroup('cluster', {
  numHistoryShards: {
    type: 'count',
    unit: 'items',
    default: 4,
    readBy: ALL,
    readIn: 'services/kairos/src/config/types.ts',
    why: 'Executions are spread over this many shards; fixed when the cluster is created (every process must agree).',
    configuredBy: 'flag --num-shards, config numHistoryShards',
  },
  shardLease: {
    type: 'duration',
    unit: 'ms',
    default: 10_000,
    readBy: ['history'],
    readIn: 'services/kairos/src/startService.ts, services/kairos/src/startDev.ts',
    why: 'A holder that stops renewing (it renews every third of this) loses its shards after this; a dead one goes sooner, via membership. Was 10 s in a cluster and 30 s, never read, in the dev server.',
  },
  membershipHeartbeat: {
    type: 'duration',
    unit: 'ms',
    default: 1_000,
    readBy: ['history', 'matching'],
    readIn: 'libs/cluster/src/membership.ts',
    why: 'How often a history or matching instance refreshes its membership row; well under the member TTL.',
  },
  memberTtl: {
    type: 'duration',
    unit: 'ms',
    default: 5_000,
    readBy: ALL,
    readIn: 'libs/cluster/src/membership.ts',
    why: 'A member silent this long is gone: five missed heartbeats, so one slow write does not evict a live instance.',
  },
  directoryRefresh: {
    type: 'duration',
    unit: 'ms',
    default: 1_000,
    readBy: ALL,
    readIn: 'services/kairos/src/startService.ts',
    why: 'Every process re-reads members and shard leases this often, so ownership follows membership within a second even without NATS.',
  },
  directoryMinRefresh: {
    type: 'duration',
    unit: 'ms',
    default: 200,
    readBy: ALL,
    readIn: 'libs/cluster/src/clusterDirectory.ts',
    why: 'Extra reads (a notification, a call that found a moved key) are never closer than this, so a burst of misses costs one read.',
  },
  routedRetryWindow: {
    type: 'duration',
    unit: 'ms',
    default: 30_000,
    readBy: ALL,
    readIn: 'libs/cluster/src/routedClient.ts',
    why: 'A call whose owner is gone is retried against the new owner this long: covers a takeover (member TTL + lease) with room to spare.',
  },
  routedFirstBackoff: {
    type: 'duration',
    unit: 'ms',
    default: 50,
    readBy: ALL,
    readIn: 'libs/cluster/src/routedClient.ts',
    why: 'First pause before retrying a moved call: a planned move (a clean leave) is usually done by then.',
  },
  routedMaxBackoff: {
    type: 'duration',
    unit: 'ms',
    default: 1_000,
    readBy: ALL,
    readIn: 'libs/cluster/src/routedClient.ts',
    why: 'The doubling pause between retries stops growing here, the directory refresh interval.',
  },
  namespaceCacheTtl: {
    type: 'duration',
    unit: 'ms',
    default: 10_000,
    readBy: ['frontend', 'history'],
    readIn: 'libs/domain/src/namespaceRegistry.ts',
    why: 'A cached namespace is re-read after this, so one registered through another frontend becomes visible.',
  },
});
