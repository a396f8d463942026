import { describe, expect, it } from 'vitest';
import { ShardOwnershipLostError } from '../../src/errors';
import { openSqliteStore } from '../../src/sqlite/sqliteStore';
import { currentRecord, executionKey, executionWrite } from '../conformance/fixtures';
import { databaseFiles } from './databaseFiles';

const { newFile } = databaseFiles();

describe('sqlite with two connections on one file (several processes)', () => {
  it('fences a writer whose shard another connection acquired, and each sees the other\'s commits', async () => {
    const filename = newFile();
    const a = openSqliteStore({ filename }).store;
    const b = openSqliteStore({ filename }).store;
    try {
      const leaseA = await a.acquireShard(1, 'host-a', 60_000);
      const key = executionKey();
      await a.writeExecution(
        executionWrite(key, { shardId: 1, rangeId: leaseA.rangeId, eventIds: [1], transfers: 1, currentExecution: { mode: 'create', record: currentRecord(key) } }),
      );
      expect((await b.getExecution(key))!.dbVersion).toBe(1);

      const leaseB = await b.acquireShard(1, 'host-b', 60_000);
      await expect(
        a.writeExecution(executionWrite(key, { shardId: 1, rangeId: leaseA.rangeId, expectedDbVersion: 1, eventIds: [2] })),
      ).rejects.toBeInstanceOf(ShardOwnershipLostError);
      await b.writeExecution(executionWrite(key, { shardId: 1, rangeId: leaseB.rangeId, expectedDbVersion: 1, eventIds: [2], transfers: 1 }));
      expect((await a.getExecution(key))!.dbVersion).toBe(2);
      const ids = (await a.getTransferTasks(1, 0, 0)).map((t) => t.taskId);
      expect(ids).toHaveLength(2);
      expect(ids[1]).toBeGreaterThan(ids[0]!);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
