import { NamespaceRecord } from '@kairos/proto/kairos/persistence/v1/namespaces';
import type { SearchAttributeType } from '@kairos/visibility';
import { NamespaceAlreadyExistsError } from '../errors';
import { checkRenamedNamespace, checkSameNamespace } from '../namespaces/namespaceRules';
import type { NamespaceStore } from '../namespaces/namespaceStore';
import { checkSearchAttributeTypes, searchAttributesToAdd, searchAttributeTypeOf } from '../namespaces/searchAttributeRules';
import { isConstraintError, type SqliteConnection } from './connection';
import { ensureSearchAttributeIndex } from './searchAttributeIndexes';

export function sqliteNamespaces(conn: SqliteConnection): NamespaceStore {
  const p = (sql: string) => conn.db.prepare(sql);
  const s = {
    insertNamespace: p('INSERT INTO namespaces (id, name, data) VALUES (?, ?, ?)'),
    namespaceByName: p('SELECT data FROM namespaces WHERE name = ?').pluck(),
    namespaceById: p('SELECT data FROM namespaces WHERE id = ?').pluck(),
    allNamespaces: p('SELECT data FROM namespaces ORDER BY name').pluck(),
    replaceNamespace: p('UPDATE namespaces SET data = ? WHERE name = ?'),
    renameNamespace: p('UPDATE namespaces SET name = ?, data = ? WHERE name = ?'),
    deleteNamespace: p('DELETE FROM namespaces WHERE id = ?'),
    deleteAllSearchAttributes: p('DELETE FROM custom_search_attributes WHERE namespace_id = ?'),
    deleteTaskQueues: p('DELETE FROM task_queues WHERE namespace_id = ?'),
    deleteTaskQueueTasks: p('DELETE FROM task_queue_tasks WHERE namespace_id = ?'),
    deleteTaskQueueConfigs: p('DELETE FROM task_queue_configs WHERE namespace_id = ?'),
    deleteWorkerHeartbeats: p('DELETE FROM worker_heartbeats WHERE namespace_id = ?'),
    searchAttributes: p('SELECT name, type FROM custom_search_attributes WHERE namespace_id = ? ORDER BY name').raw(),
    insertSearchAttribute: p('INSERT INTO custom_search_attributes (namespace_id, name, type) VALUES (?, ?, ?)'),
    deleteSearchAttribute: p('DELETE FROM custom_search_attributes WHERE namespace_id = ? AND name = ?'),
  };

  function readSearchAttributes(namespaceId: string): Map<string, SearchAttributeType> {
    const rows = s.searchAttributes.all(namespaceId) as Array<[string, string]>;
    return new Map(rows.map(([name, type]) => [name, searchAttributeTypeOf(type)]));
  }

  return {
    async createNamespace(record: NamespaceRecord): Promise<void> {
      const id = record.info?.id;
      const name = record.info?.name;
      if (!id || !name) throw new Error('a namespace record needs info.id and info.name');
      const data = NamespaceRecord.encode(record).finish();
      await conn.write(() => {
        try {
          s.insertNamespace.run(id, name, data);
        } catch (err) {
          if (isConstraintError(err)) throw new NamespaceAlreadyExistsError(`namespace ${name} (id ${id}) already exists`);
          throw err;
        }
      });
    },

    async getNamespaceByName(name: string): Promise<NamespaceRecord | undefined> {
      const data = s.namespaceByName.get(name) as Uint8Array | undefined;
      return data ? NamespaceRecord.decode(data) : undefined;
    },

    async getNamespaceById(id: string): Promise<NamespaceRecord | undefined> {
      const data = s.namespaceById.get(id) as Uint8Array | undefined;
      return data ? NamespaceRecord.decode(data) : undefined;
    },

    async listNamespaces(): Promise<NamespaceRecord[]> {
      return (s.allNamespaces.all() as Uint8Array[]).map((data) => NamespaceRecord.decode(data));
    },

    async updateNamespace(name: string, change: (record: NamespaceRecord) => NamespaceRecord): Promise<NamespaceRecord | undefined> {
      return conn.write(() => {
        const data = s.namespaceByName.get(name) as Uint8Array | undefined;
        if (!data) return undefined;
        const before = NamespaceRecord.decode(data);
        const after = change(before);
        checkSameNamespace(before, after);
        s.replaceNamespace.run(NamespaceRecord.encode(after).finish(), name);
        return after;
      });
    },

    async renameNamespace(name: string, newName: string, change: (record: NamespaceRecord) => NamespaceRecord): Promise<NamespaceRecord | undefined> {
      return conn.write(() => {
        const data = s.namespaceByName.get(name) as Uint8Array | undefined;
        if (!data) return undefined;
        const before = NamespaceRecord.decode(data);
        const after = change(before);
        checkRenamedNamespace(before, after, newName);
        try {
          s.renameNamespace.run(newName, NamespaceRecord.encode(after).finish(), name);
        } catch (err) {
          if (isConstraintError(err)) throw new NamespaceAlreadyExistsError(`namespace ${newName} already exists`);
          throw err;
        }
        return after;
      });
    },

    async deleteNamespace(id: string): Promise<void> {
      await conn.write(() => {
        s.deleteTaskQueueTasks.run(id);
        s.deleteTaskQueues.run(id);
        s.deleteTaskQueueConfigs.run(id);
        s.deleteWorkerHeartbeats.run(id);
        s.deleteAllSearchAttributes.run(id);
        s.deleteNamespace.run(id);
      });
    },

    async getSearchAttributes(namespaceId: string): Promise<Map<string, SearchAttributeType>> {
      return readSearchAttributes(namespaceId);
    },

    async addSearchAttributes(namespaceId: string, attributes: ReadonlyMap<string, SearchAttributeType>, maxCustom: number): Promise<void> {
      checkSearchAttributeTypes(attributes);
      await conn.write(() => {
        const added = searchAttributesToAdd(readSearchAttributes(namespaceId), attributes, maxCustom);
        for (const [name, type] of added) {
          s.insertSearchAttribute.run(namespaceId, name, type);
          ensureSearchAttributeIndex(conn.db, name, type);
        }
      });
    },

    async removeSearchAttributes(namespaceId: string, names: readonly string[]): Promise<void> {
      await conn.write(() => {
        for (const name of names) s.deleteSearchAttribute.run(namespaceId, name);
      });
    },
  };
}
