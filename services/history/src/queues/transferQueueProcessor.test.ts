import { describe, expect, it } from 'vitest';
import { noopLogger } from '@kairos/common/logger';
import { setting } from '@kairos/common/settings';
import type { ExecutionStore } from '@kairos/persistence/store';
import { TransferTaskKind, type TransferTask } from '../workflow/protos';
import { TransferQueueProcessor } from './transferQueueProcessor';

const DELETE_DELAY_MS = setting('history.transferDeleteDelay');
const task = (workflowId: string) => ({ namespaceId: 'ns', workflowId, kind: TransferTaskKind.TRANSFER_TASK_KIND_WORKFLOW_TASK }) as unknown as TransferTask;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Records the deletes a processor asks of its store (the only store call these tests reach). */
function recordingStore(failDeletes = false) {
  const deletes: Array<[number, number[]]> = [];
  const store = {
    async deleteTransferTasks(shardId: number, taskIds: number[]) {
      deletes.push([shardId, [...taskIds]]);
      if (failDeletes) throw new Error('store unavailable');
    },
    async getTransferTasks() {
      return [];
    },
  } as unknown as ExecutionStore;
  return { store, deletes };
}

describe('TransferQueueProcessor: deletes of delivered tasks', () => {
  it("deletes the tasks a shard delivered within the delay in one store call, each shard's apart", async () => {
    const { store, deletes } = recordingStore();
    const delivered: string[] = [];
    const processor = new TransferQueueProcessor(store, async (t) => void delivered.push(t.workflowId), () => [1, 2], noopLogger);
    processor.committed(1, [{ taskId: 10, task: task('a') }, { taskId: 11, task: task('b') }]);
    processor.committed(2, [{ taskId: 20, task: task('c') }]);
    processor.committed(1, [{ taskId: 12, task: task('d') }]);
    // Delivered at once; nothing deleted before the delay.
    await pause(Math.max(1, DELETE_DELAY_MS / 5));
    expect(delivered.sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(deletes).toEqual([]);
    await pause(DELETE_DELAY_MS * 2);
    expect(deletes.sort((x, y) => x[0] - y[0])).toEqual([
      [1, [10, 11, 12]],
      [2, [20]],
    ]);
    // A later delivery starts a batch of its own.
    processor.committed(1, [{ taskId: 13, task: task('e') }]);
    await pause(DELETE_DELAY_MS * 3);
    expect(deletes.at(-1)).toEqual([1, [13]]);
    expect(deletes).toHaveLength(3);
    processor.stop();
  });

  it('a task whose delivery failed is not deleted, and a failed delete leaves the task to run again', async () => {
    const { store, deletes } = recordingStore(true);
    let attempts = 0;
    const processor = new TransferQueueProcessor(
      store,
      async (t) => {
        attempts++;
        if (t.workflowId === 'refused') throw new Error('matching unavailable');
      },
      () => [1],
      noopLogger,
    );
    processor.committed(1, [{ taskId: 1, task: task('refused') }, { taskId: 2, task: task('ok') }]);
    await pause(DELETE_DELAY_MS * 3);
    expect(deletes).toEqual([[1, [2]]]);
    // Neither is held as in flight: both can be delivered again (by the next scan or commit).
    processor.committed(1, [{ taskId: 1, task: task('refused') }, { taskId: 2, task: task('ok') }]);
    await pause(DELETE_DELAY_MS * 3);
    expect(attempts).toBe(4);
    expect(deletes).toEqual([
      [1, [2]],
      [1, [2]],
    ]);
    processor.stop();
  });
});
