import { describe, expect, it } from 'vitest';
import { TaskQueueKind } from '@kairos/proto/temporal/api/enums/v1/task_queue';
import { TaskQueue } from '@kairos/proto/temporal/api/taskqueue/v1/message';
import { checkTaskQueue, taskQueueText } from './taskQueues';

const queue = (fields: Parameters<typeof TaskQueue.fromPartial>[0]) => TaskQueue.fromPartial(fields);

describe('task queues as Temporal takes a user-defined one (tqid.NormalizeAndValidateUserDefined)', () => {
  it('sets an unset kind to NORMAL and fills an empty name from the default', () => {
    expect(checkTaskQueue(queue({ name: 'q' }))).toEqual({ taskQueue: queue({ name: 'q', kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL }) });
    expect(checkTaskQueue(queue({}), 'parent-q').taskQueue?.name).toBe('parent-q');
    expect(checkTaskQueue(queue({ name: 'q', kind: TaskQueueKind.TASK_QUEUE_KIND_STICKY })).taskQueue?.kind).toBe(TaskQueueKind.TASK_QUEUE_KIND_STICKY);
  });

  it('refuses with Temporal’s words', () => {
    expect(checkTaskQueue(undefined).problem).toBe('taskQueue is not set');
    expect(checkTaskQueue(queue({})).problem).toBe('missing task queue name');
    expect(checkTaskQueue(queue({ name: 'x'.repeat(1_001) })).problem).toBe('taskQueue length exceeds limit');
    // Bytes, not characters: 500 two-byte characters are 1,000 bytes.
    expect(checkTaskQueue(queue({ name: 'é'.repeat(500) })).problem).toBeUndefined();
    expect(checkTaskQueue(queue({ name: 'é'.repeat(501) })).problem).toBe('taskQueue length exceeds limit');
    expect(checkTaskQueue(queue({ name: '/_sys/q' })).problem).toBe('task queue name cannot start with reserved prefix /_sys/');
    expect(checkTaskQueue(queue({ name: 'temporal-sys-per-ns-tq' })).problem).toBe('cannot use internal per-namespace task queue:temporal-sys-per-ns-tq');
    expect(checkTaskQueue(queue({ name: 'temporal-sys-per-ns-tq' }), '', 'wf-q').problem).toBe('cannot use internal per-namespace task queue:temporal-sys-per-ns-tq (in parent component task queue: wf-q)');
    expect(checkTaskQueue(queue({ name: 'temporal-sys-per-ns-tq' }), '', 'temporal-sys-per-ns-tq').problem).toBeUndefined();
    // A queue a worker polls may be the internal one.
    expect(checkTaskQueue(queue({ name: 'temporal-sys-per-ns-tq' }), '', '', false).problem).toBeUndefined();
    expect(checkTaskQueue(queue({ name: 'q', kind: TaskQueueKind.TASK_QUEUE_KIND_STICKY, normalName: 'x'.repeat(1_001) })).problem).toBe('taskQueue length exceeds limit');
  });

  it('prints a queue as the Temporal dev server does in its messages', () => {
    expect(taskQueueText(queue({ name: 'a"b', kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL }))).toBe('name:"a\\"b"  kind:TASK_QUEUE_KIND_NORMAL');
    expect(taskQueueText(queue({ kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL }))).toBe('kind:TASK_QUEUE_KIND_NORMAL');
  });
});
