import { settingGroup } from './setting';

const ALL = ['frontend', 'history', 'matching'] as const;

/** The NATS connection of a cluster process (`libs/notify`); its notifications are only hints. */
export const NATS_SETTINGS = settingGroup('nats', {
  firstConnectWait: {
    type: 'duration',
    unit: 'ms',
    default: 5_000,
    readBy: ALL,
    readIn: 'libs/notify/src/natsNotifier.ts',
    why: 'A starting service waits this long for NATS, then starts anyway and keeps connecting (it works from the store alone meanwhile).',
  },
  reconnectWait: {
    type: 'duration',
    unit: 'ms',
    default: 500,
    readBy: ALL,
    readIn: 'libs/notify/src/natsNotifier.ts',
    why: 'Pause between connection attempts, so hints resume soon after NATS comes back.',
  },
  connectTimeout: {
    type: 'duration',
    unit: 'ms',
    default: 2_000,
    readBy: ALL,
    readIn: 'libs/notify/src/natsNotifier.ts',
    why: 'Time limit of one connection attempt.',
  },
  pingInterval: {
    type: 'duration',
    unit: 'ms',
    default: 10_000,
    readBy: ALL,
    readIn: 'libs/notify/src/natsNotifier.ts',
    why: 'The client pings NATS this often; with maxPingsOut unanswered a dead connection is noticed within half a minute.',
  },
  maxPingsOut: {
    type: 'count',
    unit: 'items',
    default: 3,
    readBy: ALL,
    readIn: 'libs/notify/src/natsNotifier.ts',
    why: 'Unanswered pings after which the connection counts as lost and is re-made.',
  },
  drainTimeout: {
    type: 'duration',
    unit: 'ms',
    default: 2_000,
    readBy: ALL,
    readIn: 'libs/notify/src/natsNotifier.ts',
    why: 'Shutdown flushes what was published at most this long (a drain can wait for a reconnect).',
  },
  warnEveryAttempts: {
    type: 'count',
    unit: 'attempts',
    default: 60,
    readBy: ALL,
    readIn: 'libs/notify/src/natsNotifier.ts',
    why: 'While NATS stays unreachable the warning is repeated once per this many attempts (about every 30 s), not on every one.',
  },
});
