import { NamespaceRecord } from '@kairos/proto/kairos/persistence/v1/namespaces';
import type { SearchAttributeType } from '@kairos/visibility';
import { NamespaceAlreadyExistsError } from '../errors';
import { checkRenamedNamespace, checkSameNamespace } from '../namespaces/namespaceRules';
import type { NamespaceStore } from '../namespaces/namespaceStore';
import { checkSearchAttributeTypes, searchAttributesToAdd, searchAttributeTypeOf } from '../namespaces/searchAttributeRules';
import { uniqueViolation } from './connection';
import { asBuffer, query, statement, type PostgresDatabase } from './database';

const SQL = {
  insertNamespace: statement('insert_namespace', 'INSERT INTO namespaces (id, name, data) VALUES ($1, $2, $3)'),
  namespaceByName: statement('namespace_by_name', 'SELECT data FROM namespaces WHERE name = $1'),
  namespaceById: statement('namespace_by_id', 'SELECT data FROM namespaces WHERE id = $1'),
  allNamespaces: statement('all_namespaces', 'SELECT data FROM namespaces ORDER BY name'),
  namespaceByNameForUpdate: statement('namespace_by_name_for_update', 'SELECT data FROM namespaces WHERE name = $1 FOR UPDATE'),
  replaceNamespace: statement('replace_namespace', 'UPDATE namespaces SET data = $1 WHERE name = $2'),
  renameNamespace: statement('rename_namespace', 'UPDATE namespaces SET name = $1, data = $2 WHERE name = $3'),
  deleteNamespace: statement('delete_namespace', 'DELETE FROM namespaces WHERE id = $1'),
  deleteAllSearchAttributes: statement('delete_all_search_attributes', 'DELETE FROM custom_search_attributes WHERE namespace_id = $1'),
  deleteTaskQueues: statement('delete_namespace_task_queues', 'DELETE FROM task_queues WHERE namespace_id = $1'),
  deleteTaskQueueTasks: statement('delete_namespace_task_queue_tasks', 'DELETE FROM task_queue_tasks WHERE namespace_id = $1'),
  deleteTaskQueueConfigs: statement('delete_namespace_task_queue_configs', 'DELETE FROM task_queue_configs WHERE namespace_id = $1'),
  deleteWorkerHeartbeats: statement('delete_namespace_worker_heartbeats', 'DELETE FROM worker_heartbeats WHERE namespace_id = $1'),

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

export function postgresNamespaces(db: PostgresDatabase): NamespaceStore {
  return {
    async createNamespace(record: NamespaceRecord): Promise<void> {
      const id = record.info?.id;
      const name = record.info?.name;
      if (!id || !name) throw new Error('a namespace record needs info.id and info.name');
      const data = asBuffer(NamespaceRecord.encode(record).finish());
      await db.run(async () => {
        try {
          await query(db.pool, SQL.insertNamespace, [id, name, data]);
        } catch (err) {
          if (uniqueViolation(err) !== undefined) throw new NamespaceAlreadyExistsError(`namespace ${name} (id ${id}) already exists`);
          throw err;
        }
      });
    },

    async getNamespaceByName(name: string): Promise<NamespaceRecord | undefined> {
      const [row] = await db.read<{ data: Buffer }>(SQL.namespaceByName, [name]);
      return row ? NamespaceRecord.decode(row.data) : undefined;
    },

    async getNamespaceById(id: string): Promise<NamespaceRecord | undefined> {
      const [row] = await db.read<{ data: Buffer }>(SQL.namespaceById, [id]);
      return row ? NamespaceRecord.decode(row.data) : undefined;
    },

    async listNamespaces(): Promise<NamespaceRecord[]> {
      return (await db.read<{ data: Buffer }>(SQL.allNamespaces, [])).map((row) => NamespaceRecord.decode(row.data));
    },

    async updateNamespace(name: string, change: (record: NamespaceRecord) => NamespaceRecord): Promise<NamespaceRecord | undefined> {
      return db.transaction(async (client) => {
        // The row lock makes concurrent updates of the namespace take turns.
        const [row] = (await query<{ data: Buffer }>(client, SQL.namespaceByNameForUpdate, [name])).rows;
        if (!row) return undefined;
        const before = NamespaceRecord.decode(row.data);
        const after = change(before);
        checkSameNamespace(before, after);
        await query(client, SQL.replaceNamespace, [asBuffer(NamespaceRecord.encode(after).finish()), name]);
        return after;
      });
    },

    async renameNamespace(name: string, newName: string, change: (record: NamespaceRecord) => NamespaceRecord): Promise<NamespaceRecord | undefined> {
      try {
        return await db.transaction(async (client) => {
          const [row] = (await query<{ data: Buffer }>(client, SQL.namespaceByNameForUpdate, [name])).rows;
          if (!row) return undefined;
          const before = NamespaceRecord.decode(row.data);
          const after = change(before);
          checkRenamedNamespace(before, after, newName);
          await query(client, SQL.renameNamespace, [newName, asBuffer(NamespaceRecord.encode(after).finish()), name]);
          return after;
        });
      } catch (err) {
        if (uniqueViolation(err) !== undefined) throw new NamespaceAlreadyExistsError(`namespace ${newName} already exists`);
        throw err;
      }
    },

    async deleteNamespace(id: string): Promise<void> {
      await db.transaction(async (client) => {
        await query(client, SQL.deleteTaskQueueTasks, [id]);
        await query(client, SQL.deleteTaskQueues, [id]);
        await query(client, SQL.deleteTaskQueueConfigs, [id]);
        await query(client, SQL.deleteWorkerHeartbeats, [id]);
        await query(client, SQL.deleteAllSearchAttributes, [id]);
        await query(client, SQL.deleteNamespace, [id]);
      });
    },

    async getSearchAttributes(namespaceId: string): Promise<Map<string, SearchAttributeType>> {
      const rows = await db.read<{ name: string; type: string }>(SQL.searchAttributes, [namespaceId]);
      return new Map(rows.map((r) => [r.name, searchAttributeTypeOf(r.type)]));
    },

    async addSearchAttributes(namespaceId: string, attributes: ReadonlyMap<string, SearchAttributeType>, maxCustom: number): Promise<void> {
      checkSearchAttributeTypes(attributes);
      await db.transaction(async (client) => {
        // Concurrent additions to one namespace take turns, so the limit holds.
        await query(client, SQL.lockSearchAttributes, [namespaceId]);
        const rows = (await query<{ name: string; type: string }>(client, SQL.searchAttributes, [namespaceId])).rows;
        const added = searchAttributesToAdd(new Map(rows.map((r) => [r.name, r.type])), attributes, maxCustom);
        if (added.length === 0) return;
        await query(client, SQL.insertSearchAttributes, [namespaceId, added.map(([n]) => n), added.map(([, t]) => t)]);
      });
    },

    async removeSearchAttributes(namespaceId: string, names: readonly string[]): Promise<void> {
      if (names.length === 0) return;
      await db.transaction(async (client) => {
        await query(client, SQL.lockSearchAttributes, [namespaceId]);
        await query(client, SQL.deleteSearchAttributes, [namespaceId, [...names]]);
      });
    },
  };
}
