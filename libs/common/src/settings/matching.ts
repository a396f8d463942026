import { settingGroup } from './setting';

/** Task queues: backlogs, pollers, queries and sticky queues (`services/matching`). */
export const MATCHING_SETTINGS = settingGroup('matching', {
  backlogRecheck: {
    type: 'duration',
    unit: 'ms',
    default: 2_000,
    readBy: ['matching'],
    readIn: 'services/matching/src/taskQueuePartition.ts',
    why: 'While polls wait the backlog is re-read this often, bounding the delay when the NATS "task added" hint from another instance is lost.',
  },
  backlogReadBatch: {
    type: 'count',
    unit: 'items',
    default: 100,
    readBy: ['matching'],
    readIn: 'services/matching/src/taskQueuePartition.ts',
    why: 'Backlog tasks read from the store at once: enough for a burst of polls, small enough to keep in memory per queue.',
  },
  stickyPollerWindow: {
    type: 'duration',
    unit: 'ms',
    default: 10_000,
    readBy: ['matching'],
    readIn: 'services/matching/src/matchingService.ts',
    why: "Temporal's window: a sticky queue nobody polled for this long is skipped, its task goes to the normal queue.",
  },
  pollerHistory: {
    type: 'duration',
    unit: 'ms',
    default: 5 * 60_000,
    readBy: ['matching'],
    readIn: 'services/matching/src/matchingService.ts',
    why: "DescribeTaskQueue lists the pollers seen this recently (Temporal's poller history TTL).",
  },
  defaultPollerRate: {
    type: 'rate',
    unit: 'per second',
    default: 100_000,
    readBy: ['matching'],
    readIn: 'services/matching/src/matchingService.ts',
    why: "The rate DescribeTaskQueue shows for a poller that asked for none, and as the queue's rate while neither UpdateTaskQueueConfig nor a worker set one (Temporal's default; Kairos then applies no dispatch rate limit).",
  },
  queryMaxWait: {
    type: 'duration',
    unit: 'ms',
    default: 60_000,
    readBy: ['matching'],
    readIn: 'services/matching/src/matchingService.ts',
    why: 'Upper bound on a query waiting for a worker to take it and answer, when the caller set no shorter deadline.',
  },
  releasedStickyRetention: {
    type: 'duration',
    unit: 'ms',
    default: 10 * 60_000,
    readBy: ['matching'],
    readIn: 'services/matching/src/matchingService.ts',
    why: 'A sticky queue whose worker shut down stays redirected to the normal queue this long (a worker never reuses its sticky name).',
  },
});
