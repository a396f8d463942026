import { WorkerHeartbeat } from '@kairos/proto/temporal/api/worker/v1/message';
import type { StoredWorkerHeartbeat, WorkerHeartbeatStore } from '../workers/workerHeartbeatStore';
import { asBuffer, query, statement, type PostgresDatabase } from './database';

const SQL = {
  upsert: statement(
    'upsert_worker_heartbeat',
    `INSERT INTO worker_heartbeats (namespace_id, worker_instance_key, last_seen_ms, data) VALUES ($1, $2, $3, $4)
     ON CONFLICT (namespace_id, worker_instance_key) DO UPDATE SET last_seen_ms = excluded.last_seen_ms, data = excluded.data`,
  ),
  remove: statement('remove_worker_heartbeat', 'DELETE FROM worker_heartbeats WHERE namespace_id = $1 AND worker_instance_key = $2'),
  expire: statement('expire_worker_heartbeats', 'DELETE FROM worker_heartbeats WHERE last_seen_ms < $1'),
  list: statement(
    'list_worker_heartbeats',
    `SELECT last_seen_ms, data FROM worker_heartbeats
     WHERE namespace_id = $1 AND last_seen_ms >= $2 ORDER BY worker_instance_key COLLATE "C"`,
  ),
  one: statement(
    'worker_heartbeat',
    'SELECT last_seen_ms, data FROM worker_heartbeats WHERE namespace_id = $1 AND worker_instance_key = $2 AND last_seen_ms >= $3',
  ),
} as const;

type Row = { last_seen_ms: string | number; data: Buffer };
const decode = (r: Row): StoredWorkerHeartbeat => ({ lastSeenMs: Number(r.last_seen_ms), heartbeat: WorkerHeartbeat.decode(r.data) });

export function postgresWorkerHeartbeats(db: PostgresDatabase): WorkerHeartbeatStore {
  return {
    async recordWorkerHeartbeats(namespaceId, heartbeats, removedKeys, seenAtMs, expiredBeforeMs): Promise<void> {
      await db.transaction(async (client) => {
        await query(client, SQL.expire, [expiredBeforeMs]);
        for (const hb of heartbeats) {
          await query(client, SQL.upsert, [namespaceId, hb.workerInstanceKey, seenAtMs, asBuffer(WorkerHeartbeat.encode(hb).finish())]);
        }
        for (const key of removedKeys) await query(client, SQL.remove, [namespaceId, key]);
      });
    },

    async listWorkerHeartbeats(namespaceId, seenSinceMs): Promise<StoredWorkerHeartbeat[]> {
      return (await db.read<Row>(SQL.list, [namespaceId, seenSinceMs])).map(decode);
    },

    async getWorkerHeartbeat(namespaceId, workerInstanceKey, seenSinceMs): Promise<StoredWorkerHeartbeat | undefined> {
      const [row] = await db.read<Row>(SQL.one, [namespaceId, workerInstanceKey, seenSinceMs]);
      return row && decode(row);
    },
  };
}
