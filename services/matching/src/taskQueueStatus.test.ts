import { describe, expect, it } from 'vitest';
import { taskQueueStats, taskQueueStatus } from './taskQueueStatus';

describe('taskQueueStatus', () => {
  it('a queue never written to: all levels zero', () => {
    expect(taskQueueStatus({ count: 0, oldestTaskId: undefined, lastTaskId: 0 }, 100_000)).toMatchObject({ backlogCountHint: 0, readLevel: 0, ackLevel: 0, ratePerSecond: 100_000 });
  });

  it('a backlog: read up to the last id, acked below the oldest task left', () => {
    expect(taskQueueStatus({ count: 2, oldestTaskId: 4, lastTaskId: 7 }, 5)).toMatchObject({ backlogCountHint: 2, readLevel: 7, ackLevel: 3, ratePerSecond: 5 });
  });

  it('an emptied backlog: acked up to the last id', () => {
    expect(taskQueueStatus({ count: 0, oldestTaskId: undefined, lastTaskId: 9 }, 5)).toMatchObject({ backlogCountHint: 0, readLevel: 9, ackLevel: 9 });
  });
});

describe('taskQueueStats', () => {
  it('the backlog size and the age of its oldest task; no rates', () => {
    const stats = taskQueueStats({ count: 2, oldestTaskId: 4, lastTaskId: 7 }, new Date(1_000), new Date(3_500));
    expect(stats).toMatchObject({ approximateBacklogCount: 2, approximateBacklogAge: { seconds: 2, nanos: 500_000_000 }, tasksAddRate: 0, tasksDispatchRate: 0, rateLimitingActive: false });
  });

  it('an empty backlog has no age', () => {
    expect(taskQueueStats({ count: 0, oldestTaskId: undefined, lastTaskId: 3 }, undefined, new Date(5_000)).approximateBacklogAge).toEqual({ seconds: 0, nanos: 0 });
  });
});
