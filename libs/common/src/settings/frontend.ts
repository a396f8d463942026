import { settingGroup } from './setting';

/** The public API's waiting, paging and request limits (`services/frontend`, `services/kairos`). */
export const FRONTEND_SETTINGS = settingGroup('frontend', {
  longPollTailRoom: {
    type: 'duration',
    unit: 'ms',
    default: 1_000,
    readBy: ['frontend'],
    readIn: 'services/frontend/src/pollDeadline.ts',
    why: "Temporal's longPollTailRoom: an empty poll answers this long before the caller's deadline, so it arrives in time.",
  },
  maxPollWait: {
    type: 'duration',
    unit: 'ms',
    default: 60_000,
    readBy: ['frontend'],
    readIn: 'services/frontend/src/pollDeadline.ts',
    why: "Longest a task poll waits (Temporal matching's default), also when the caller set no deadline.",
  },
  minPollTimeout: {
    type: 'duration',
    unit: 'ms',
    default: 2_000,
    readBy: ['frontend'],
    readIn: 'services/frontend/src/pollDeadline.ts',
    why: 'Temporal refuses a task poll whose deadline leaves less than this (Context timeout is too short).',
  },
  namespaceBurstRatio: {
    type: 'factor',
    unit: '×',
    default: 2,
    readBy: ['frontend'],
    readIn: 'services/frontend/src/rateLimits.ts',
    why: "Temporal's frontend.namespaceBurstRatio: a namespace may burst to this many seconds' worth of its request rate.",
  },
  workerHeartbeatTtl: {
    type: 'duration',
    unit: 'ms',
    default: 5 * 60_000,
    readBy: ['frontend'],
    readIn: 'services/frontend/src/workers/workerHandlers.ts',
    why: "Temporal's matching.workerRegistryEntryTTL: a worker that sent no heartbeat for this long is no longer listed (the SDKs heartbeat every 60 s by default), and its row is deleted.",
  },
  maxConcurrentBatchOperationPerNamespace: {
    type: 'count',
    unit: 'items',
    default: 1,
    readBy: ['frontend'],
    readIn: 'services/frontend/src/batchOperations.ts',
    why: "Temporal's frontend.MaxConcurrentBatchOperationPerNamespace: StartBatchOperation is refused (RESOURCE_EXHAUSTED) while this many batch operations of the namespace are running.",
  },
  visibilityMaxPageSize: {
    type: 'count',
    unit: 'items',
    default: 1_000,
    readBy: ['frontend'],
    readIn: 'services/frontend/src/visibilityHandlers.ts',
    why: "Temporal's frontend.visibilityMaxPageSize: the default and the largest page of List/Scan.",
  },
});
