import { describe, expect, it } from 'vitest';
import { taskQueueStatus } from './taskQueueStatus';

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
