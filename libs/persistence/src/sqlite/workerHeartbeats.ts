import { WorkerHeartbeat } from '@kairos/proto/temporal/api/worker/v1/message';
import type { StoredWorkerHeartbeat, WorkerHeartbeatStore } from '../workers/workerHeartbeatStore';
import type { SqliteConnection } from './connection';

export function sqliteWorkerHeartbeats(conn: SqliteConnection): WorkerHeartbeatStore {
  const p = (sql: string) => conn.db.prepare(sql);
  const s = {
    upsert: p(
      `INSERT INTO worker_heartbeats (namespace_id, worker_instance_key, last_seen_ms, data) VALUES (?, ?, ?, ?)
       ON CONFLICT (namespace_id, worker_instance_key) DO UPDATE SET last_seen_ms = excluded.last_seen_ms, data = excluded.data`,
    ),
    remove: p('DELETE FROM worker_heartbeats WHERE namespace_id = ? AND worker_instance_key = ?'),
    expire: p('DELETE FROM worker_heartbeats WHERE last_seen_ms < ?'),
    list: p(
      `SELECT last_seen_ms, data FROM worker_heartbeats
       WHERE namespace_id = ? AND last_seen_ms >= ? ORDER BY worker_instance_key`,
    ).raw(),
    one: p('SELECT last_seen_ms, data FROM worker_heartbeats WHERE namespace_id = ? AND worker_instance_key = ? AND last_seen_ms >= ?').raw(),
  };
  const decode = ([lastSeenMs, data]: [number, Uint8Array]): StoredWorkerHeartbeat => ({ lastSeenMs, heartbeat: WorkerHeartbeat.decode(data) });

  return {
    async recordWorkerHeartbeats(namespaceId, heartbeats, removedKeys, seenAtMs, expiredBeforeMs): Promise<void> {
      const rows = heartbeats.map((hb) => [hb.workerInstanceKey, WorkerHeartbeat.encode(hb).finish()] as const);
      await conn.write(() => {
        s.expire.run(expiredBeforeMs);
        for (const [key, data] of rows) s.upsert.run(namespaceId, key, seenAtMs, data);
        for (const key of removedKeys) s.remove.run(namespaceId, key);
      });
    },

    async listWorkerHeartbeats(namespaceId, seenSinceMs): Promise<StoredWorkerHeartbeat[]> {
      return (s.list.all(namespaceId, seenSinceMs) as Array<[number, Uint8Array]>).map(decode);
    },

    async getWorkerHeartbeat(namespaceId, workerInstanceKey, seenSinceMs): Promise<StoredWorkerHeartbeat | undefined> {
      const row = s.one.get(namespaceId, workerInstanceKey, seenSinceMs) as [number, Uint8Array] | undefined;
      return row && decode(row);
    },
  };
}
