/**
 * The PostgreSQL store's statements. Each has a name, so pg prepares it once per connection and
 * later calls skip parsing and planning. Parameters are always bound, never spliced into the text.
 * Variable-length inserts (events, tasks) pass arrays and `unnest` them: one round trip per table.
 */
import { VISIBILITY_COLUMNS } from '../visibilityRows';

const statement = (name: string, text: string) => ({ name: `kairos_${name}`, text });

export const SQL = {
  // namespaces
  insertNamespace: statement('insert_namespace', 'INSERT INTO namespaces (id, name, data) VALUES ($1, $2, $3)'),
  namespaceByName: statement('namespace_by_name', 'SELECT data FROM namespaces WHERE name = $1'),
  namespaceById: statement('namespace_by_id', 'SELECT data FROM namespaces WHERE id = $1'),
  allNamespaces: statement('all_namespaces', 'SELECT data FROM namespaces ORDER BY name'),

  // shards
  acquireShard: statement(
    'acquire_shard',
    `INSERT INTO shards (shard_id, range_id, owner, lease_expires_at) VALUES ($1, 1, $2, $3)
     ON CONFLICT (shard_id) DO UPDATE SET range_id = shards.range_id + 1, owner = excluded.owner, lease_expires_at = excluded.lease_expires_at
     RETURNING range_id`,
  ),
  renewShard: statement('renew_shard', 'UPDATE shards SET owner = $1, lease_expires_at = $2 WHERE shard_id = $3 AND range_id = $4'),
  getShard: statement('get_shard', 'SELECT range_id, owner, lease_expires_at FROM shards WHERE shard_id = $1'),
  allShards: statement('all_shards', 'SELECT shard_id, range_id, owner, lease_expires_at FROM shards ORDER BY shard_id'),
  releaseShard: statement('release_shard', 'UPDATE shards SET lease_expires_at = 0 WHERE shard_id = $1 AND range_id = $2'),

  // membership
  heartbeatMember: statement(
    'heartbeat_member',
    `INSERT INTO cluster_members (role, instance_id, address, heartbeat_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (role, instance_id) DO UPDATE SET address = excluded.address, heartbeat_at = excluded.heartbeat_at`,
  ),
  liveMembers: statement(
    'live_members',
    'SELECT instance_id, address, heartbeat_at FROM cluster_members WHERE role = $1 AND heartbeat_at >= $2 ORDER BY instance_id',
  ),
  removeMember: statement('remove_member', 'DELETE FROM cluster_members WHERE role = $1 AND instance_id = $2'),
  /**
   * Fencing for a write without tasks: the share lock keeps the range id from moving (an
   * acquisition waits for it) until this transaction ends.
   */
  lockShardShared: statement('lock_shard_shared', 'SELECT range_id FROM shards WHERE shard_id = $1 FOR SHARE'),
  /**
   * Fencing for a write with tasks, and their ids: the row stays locked until commit, so a shard's
   * task ids become visible in increasing order (the queue processors read "after id N").
   */
  allocateTaskIds: statement(
    'allocate_task_ids',
    'UPDATE shards SET last_task_id = last_task_id + $1 WHERE shard_id = $2 AND range_id = $3 RETURNING last_task_id',
  ),

  // executions
  getExecution: statement('get_execution', 'SELECT db_version, state FROM executions WHERE namespace_id = $1 AND workflow_id = $2 AND run_id = $3'),
  executionVersion: statement(
    'execution_version',
    'SELECT db_version FROM executions WHERE namespace_id = $1 AND workflow_id = $2 AND run_id = $3',
  ),
  insertExecution: statement(
    'insert_execution',
    'INSERT INTO executions (namespace_id, workflow_id, run_id, db_version, state) VALUES ($1, $2, $3, 1, $4) ON CONFLICT DO NOTHING',
  ),
  updateExecution: statement(
    'update_execution',
    'UPDATE executions SET db_version = $1, state = $2 WHERE namespace_id = $3 AND workflow_id = $4 AND run_id = $5 AND db_version = $6',
  ),
  getCurrent: statement(
    'get_current',
    'SELECT run_id, first_execution_run_id, start_request_id, status FROM current_executions WHERE namespace_id = $1 AND workflow_id = $2',
  ),
  /** Waits for a concurrent creator of the same row and then does nothing if it committed. */
  insertCurrent: statement(
    'insert_current',
    `INSERT INTO current_executions (namespace_id, workflow_id, run_id, first_execution_run_id, start_request_id, status)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
  ),
  /** `replace`: only over the expected run, and only once it is no longer running ($8). */
  replaceCurrent: statement(
    'replace_current',
    `UPDATE current_executions SET run_id = $1, first_execution_run_id = $2, start_request_id = $3, status = $4
     WHERE namespace_id = $5 AND workflow_id = $6 AND run_id = $7 AND status <> $8`,
  ),
  /** `update`: only while the row points at this run. */
  continueCurrent: statement(
    'continue_current',
    `UPDATE current_executions SET run_id = $1, first_execution_run_id = $2, start_request_id = $3, status = $4
     WHERE namespace_id = $5 AND workflow_id = $6 AND run_id = $7`,
  ),
  updateCurrent: statement(
    'update_current',
    `UPDATE current_executions SET first_execution_run_id = $1, start_request_id = $2, status = $3
     WHERE namespace_id = $4 AND workflow_id = $5 AND run_id = $6`,
  ),
  insertEvents: statement(
    'insert_events',
    `INSERT INTO history_events (namespace_id, workflow_id, run_id, event_id, batch_id, data)
     SELECT $1::text, $2::text, $3::text, e.event_id, $4::bigint, e.data FROM unnest($5::bigint[], $6::bytea[]) AS e (event_id, data)`,
  ),
  readEvents: statement(
    'read_events',
    `SELECT data FROM history_events
     WHERE namespace_id = $1 AND workflow_id = $2 AND run_id = $3 AND event_id >= $4 AND event_id < $5
     ORDER BY event_id LIMIT $6`,
  ),
  readBatches: statement(
    'read_batches',
    `SELECT batch_id, data FROM history_events
     WHERE namespace_id = $1 AND workflow_id = $2 AND run_id = $3 AND event_id >= $4 AND event_id < $5
       AND batch_id IN (
         SELECT DISTINCT batch_id FROM history_events
         WHERE namespace_id = $1 AND workflow_id = $2 AND run_id = $3 AND event_id >= $4 AND event_id < $5
         ORDER BY batch_id LIMIT $6)
     ORDER BY event_id`,
  ),

  // history queues
  insertTransfers: statement(
    'insert_transfers',
    'INSERT INTO transfer_tasks (shard_id, task_id, data) SELECT $1::integer, t.task_id, t.data FROM unnest($2::bigint[], $3::bytea[]) AS t (task_id, data)',
  ),
  readTransfers: statement(
    'read_transfers',
    'SELECT task_id, data FROM transfer_tasks WHERE shard_id = $1 AND task_id > $2 ORDER BY task_id LIMIT $3',
  ),
  deleteTransfer: statement('delete_transfer', 'DELETE FROM transfer_tasks WHERE shard_id = $1 AND task_id = $2'),
  insertTimers: statement(
    'insert_timers',
    `INSERT INTO timer_tasks (shard_id, fire_time, task_id, data)
     SELECT $1::integer, t.fire_time, t.task_id, t.data FROM unnest($2::bigint[], $3::bigint[], $4::bytea[]) AS t (fire_time, task_id, data)`,
  ),
  readTimers: statement(
    'read_timers',
    'SELECT task_id, fire_time, data FROM timer_tasks WHERE shard_id = $1 AND fire_time <= $2 ORDER BY fire_time, task_id LIMIT $3',
  ),
  deleteTimer: statement('delete_timer', 'DELETE FROM timer_tasks WHERE shard_id = $1 AND task_id = $2'),
  nextTimer: statement('next_timer', 'SELECT fire_time FROM timer_tasks WHERE shard_id = $1 ORDER BY fire_time, task_id LIMIT 1'),

  // matching backlogs
  /**
   * Allocates the queue's next id and stores the task in one statement. The counter row stays
   * locked until commit, so a queue's ids become visible in increasing order (matching reads
   * "after id N").
   */
  addQueueTask: statement(
    'add_queue_task',
    `WITH next AS (
       UPDATE task_queues SET last_task_id = last_task_id + 1
       WHERE namespace_id = $1 AND task_queue = $2 AND kind = $3 AND range_id = $5
       RETURNING last_task_id)
     INSERT INTO task_queue_tasks (namespace_id, task_queue, kind, task_id, data)
     SELECT $1, $2, $3, last_task_id, $4::bytea FROM next
     RETURNING task_id`,
  ),
  acquireQueue: statement(
    'acquire_queue',
    `INSERT INTO task_queues (namespace_id, task_queue, kind, last_task_id, range_id, owner) VALUES ($1, $2, $3, 0, 1, $4)
     ON CONFLICT (namespace_id, task_queue, kind) DO UPDATE SET range_id = task_queues.range_id + 1, owner = excluded.owner
     RETURNING range_id`,
  ),
  queueRangeId: statement('queue_range_id', 'SELECT range_id FROM task_queues WHERE namespace_id = $1 AND task_queue = $2 AND kind = $3'),
  /** Share-locks the queue row, so an acquisition waits until the delete it fences has committed. */
  lockQueueShared: statement('lock_queue_shared', 'SELECT range_id FROM task_queues WHERE namespace_id = $1 AND task_queue = $2 AND kind = $3 FOR SHARE'),
  readQueueTasks: statement(
    'read_queue_tasks',
    `SELECT task_id, data FROM task_queue_tasks
     WHERE namespace_id = $1 AND task_queue = $2 AND kind = $3 AND task_id > $4
     ORDER BY task_id LIMIT $5`,
  ),
  deleteQueueTask: statement(
    'delete_queue_task',
    'DELETE FROM task_queue_tasks WHERE namespace_id = $1 AND task_queue = $2 AND kind = $3 AND task_id = $4',
  ),

  // visibility (queries are compiled by @kairos/visibility and run unnamed)
  upsertVisibility: statement(
    'upsert_visibility',
    `INSERT INTO visibility (${VISIBILITY_COLUMNS.join(', ')})
     VALUES (${VISIBILITY_COLUMNS.map((c, i) => (c === 'search_attributes' ? `$${i + 1}::jsonb` : `$${i + 1}`)).join(', ')})
     ON CONFLICT (namespace_id, run_id) DO UPDATE SET ${VISIBILITY_COLUMNS.slice(2).map((c) => `${c} = excluded.${c}`).join(', ')}`,
  ),
  searchAttributes: statement('search_attributes', 'SELECT name, type FROM custom_search_attributes WHERE namespace_id = $1 ORDER BY name'),
  /** Serialises changes of one namespace's custom search attributes (until commit). */
  lockSearchAttributes: statement('lock_search_attributes', "SELECT pg_advisory_xact_lock(hashtextextended('kairos.search_attributes/' || $1::text, 0))"),
  insertSearchAttributes: statement(
    'insert_search_attributes',
    'INSERT INTO custom_search_attributes (namespace_id, name, type) SELECT $1::text, a.name, a.type FROM unnest($2::text[], $3::text[]) AS a (name, type)',
  ),
  deleteSearchAttributes: statement(
    'delete_search_attributes',
    'DELETE FROM custom_search_attributes WHERE namespace_id = $1 AND name = ANY($2::text[])',
  ),
} as const;
