import { describe, expect, it } from 'vitest';
import { NamespaceRecord } from '@kairos/proto/kairos/persistence/v1/namespaces';
import type { SearchAttributeType } from '@kairos/visibility';
import { NamespaceAlreadyExistsError, SearchAttributeTypeConflictError, TooManySearchAttributesError } from '../../src/errors';
import type { NamespaceStore } from '../../src/store';
import { namespaceRecord } from './fixtures';
import { asJson, rejection, useStores, type Closable, type StoreHarness } from './harness';

/** Namespaces and the custom search attributes registered in them. */
export function namespaceConformance(harness: StoreHarness<NamespaceStore & Closable>): void {
  describe('namespaces', () => {
    const { open } = useStores(harness);

    it('creates a namespace and reads it by name, by id and in the list', async () => {
      const store = await open();
      const record = namespaceRecord('orders');
      await store.createNamespace(record);
      expect(NamespaceRecord.toJSON((await store.getNamespaceByName('orders'))!)).toEqual(NamespaceRecord.toJSON(record));
      expect(NamespaceRecord.toJSON((await store.getNamespaceById(record.info!.id))!)).toEqual(NamespaceRecord.toJSON(record));
      expect(asJson(NamespaceRecord, await store.listNamespaces())).toEqual([NamespaceRecord.toJSON(record)]);
    });

    it('returns undefined for unknown namespaces and an empty list when there are none', async () => {
      const store = await open();
      expect(await store.getNamespaceByName('nope')).toBeUndefined();
      expect(await store.getNamespaceById('nope')).toBeUndefined();
      expect(await store.listNamespaces()).toEqual([]);
    });

    it('updates a namespace in one transaction: the change sees the stored record, a throw changes nothing', async () => {
      const store = await open();
      const record = namespaceRecord('orders');
      await store.createNamespace(record);
      const describe = (r: NamespaceRecord) => ({ ...r, info: { ...r.info!, description: `${r.info!.description}+` } });
      const original = record.info!.description;
      const updated = await store.updateNamespace('orders', describe);
      expect(updated!.info!.description).toBe(`${original}+`);
      // Concurrent updates take turns: none is lost.
      await Promise.all([1, 2, 3].map(() => store.updateNamespace('orders', describe)));
      expect((await store.getNamespaceById(record.info!.id))!.info!.description).toBe(`${original}++++`);
      await expect(store.updateNamespace('orders', () => { throw new Error('refused'); })).rejects.toThrow('refused');
      await expect(store.updateNamespace('orders', (r) => ({ ...r, info: { ...r.info!, name: 'renamed' } }))).rejects.toThrow(/cannot change its id or name/);
      expect((await store.getNamespaceByName('orders'))!.info!.description).toBe(`${original}++++`);
      expect(await store.updateNamespace('nope', describe)).toBeUndefined();
    });

    it('renames a namespace in one transaction: the old name is free at once, a taken name refused', async () => {
      const store = await open();
      const record = namespaceRecord('orders', 'id-1');
      await store.createNamespace(record);
      await store.createNamespace(namespaceRecord('taken', 'id-2'));
      const rename = (newName: string) => (r: NamespaceRecord) => ({ ...r, info: { ...r.info!, name: newName, description: 'deleted' } });
      await expect(store.renameNamespace('orders', 'taken', rename('taken'))).rejects.toBeInstanceOf(NamespaceAlreadyExistsError);
      await expect(store.renameNamespace('orders', 'other', rename('wrong'))).rejects.toThrow(/keeps its id and takes the new name/);
      expect((await store.getNamespaceByName('orders'))!.info!.description).toBe(record.info!.description);
      const renamed = await store.renameNamespace('orders', 'orders-deleted-id-1', rename('orders-deleted-id-1'));
      expect(renamed!.info).toMatchObject({ id: 'id-1', name: 'orders-deleted-id-1', description: 'deleted' });
      expect(await store.getNamespaceByName('orders')).toBeUndefined();
      expect((await store.getNamespaceById('id-1'))!.info!.name).toBe('orders-deleted-id-1');
      expect(await store.renameNamespace('orders', 'x', rename('x'))).toBeUndefined();
      // The old name can be registered again.
      await store.createNamespace(namespaceRecord('orders', 'id-3'));
      expect((await store.getNamespaceByName('orders'))!.info!.id).toBe('id-3');
    });

    it('deletes a namespace with its search attributes, leaving the others', async () => {
      const store = await open();
      await store.createNamespace(namespaceRecord('gone', 'id-1'));
      await store.createNamespace(namespaceRecord('kept', 'id-2'));
      await store.addSearchAttributes('id-1', new Map([['CustomA', 'Keyword' as SearchAttributeType]]), 10);
      await store.addSearchAttributes('id-2', new Map([['CustomB', 'Keyword' as SearchAttributeType]]), 10);
      await store.deleteNamespace('id-1');
      await store.deleteNamespace('id-1');
      expect(await store.getNamespaceById('id-1')).toBeUndefined();
      expect([...(await store.getSearchAttributes('id-1')).keys()]).toEqual([]);
      expect([...(await store.getSearchAttributes('id-2')).keys()]).toEqual(['CustomB']);
      expect((await store.listNamespaces()).map((r) => r.info!.name)).toEqual(['kept']);
    });

    it('lists namespaces ordered by name', async () => {
      const store = await open();
      for (const n of ['payments', 'default', 'orders']) await store.createNamespace(namespaceRecord(n));
      expect((await store.listNamespaces()).map((r) => r.info!.name)).toEqual(['default', 'orders', 'payments']);
    });

    it('rejects a second namespace with the same name, keeping the first', async () => {
      const store = await open();
      await store.createNamespace(namespaceRecord('orders', 'id-1'));
      await expect(store.createNamespace(namespaceRecord('orders', 'id-2'))).rejects.toBeInstanceOf(NamespaceAlreadyExistsError);
      expect(await store.getNamespaceById('id-2')).toBeUndefined();
      expect((await store.getNamespaceByName('orders'))!.info!.id).toBe('id-1');
      expect(await store.listNamespaces()).toHaveLength(1);
    });

    it('rejects a second namespace with the same id', async () => {
      const store = await open();
      await store.createNamespace(namespaceRecord('orders', 'id-1'));
      await expect(store.createNamespace(namespaceRecord('payments', 'id-1'))).rejects.toBeInstanceOf(NamespaceAlreadyExistsError);
      expect(await store.getNamespaceByName('payments')).toBeUndefined();
    });

    it('rejects a namespace record without id or name', async () => {
      const store = await open();
      await expect(store.createNamespace(NamespaceRecord.fromPartial({ info: { name: 'x' } }))).rejects.toThrow();
      await expect(store.createNamespace(NamespaceRecord.fromPartial({ info: { id: 'x' } }))).rejects.toThrow();
      expect(await store.listNamespaces()).toEqual([]);
    });
  });

  describe('custom search attributes', () => {
    const { open } = useStores(harness);

    const attrs = (entries: Array<[string, SearchAttributeType]>) => new Map(entries);

    it('are registered, listed and removed per namespace', async () => {
      const store = await open();
      expect(await store.getSearchAttributes('ns-1')).toEqual(new Map());
      await store.addSearchAttributes('ns-1', attrs([['CustomerId', 'Keyword'], ['Amount', 'Int']]), 100);
      await store.addSearchAttributes('ns-2', attrs([['Tags', 'KeywordList']]), 100);
      expect(await store.getSearchAttributes('ns-1')).toEqual(attrs([['Amount', 'Int'], ['CustomerId', 'Keyword']]));
      await store.removeSearchAttributes('ns-1', ['Amount', 'NeverAdded']);
      expect(await store.getSearchAttributes('ns-1')).toEqual(attrs([['CustomerId', 'Keyword']]));
      expect(await store.getSearchAttributes('ns-2')).toEqual(attrs([['Tags', 'KeywordList']]));
    });

    it('adding a name again with the same type changes nothing; with another type fails and adds nothing', async () => {
      const store = await open();
      await store.addSearchAttributes('ns-1', attrs([['CustomerId', 'Keyword']]), 100);
      await store.addSearchAttributes('ns-1', attrs([['CustomerId', 'Keyword'], ['Amount', 'Int']]), 100);
      const err = await rejection(store.addSearchAttributes('ns-1', attrs([['Score', 'Double'], ['CustomerId', 'Text']]), 100));
      expect(err).toBeInstanceOf(SearchAttributeTypeConflictError);
      expect(err).toMatchObject({ attribute: 'CustomerId', existingType: 'Keyword' });
      expect(await store.getSearchAttributes('ns-1')).toEqual(attrs([['Amount', 'Int'], ['CustomerId', 'Keyword']]));
    });

    it('refuses to pass the limit, adding nothing, also when additions race', async () => {
      const store = await open();
      await store.addSearchAttributes('ns-1', attrs([['A', 'Keyword'], ['B', 'Keyword']]), 3);
      await expect(store.addSearchAttributes('ns-1', attrs([['C', 'Int'], ['D', 'Int']]), 3)).rejects.toBeInstanceOf(TooManySearchAttributesError);
      expect([...(await store.getSearchAttributes('ns-1')).keys()]).toEqual(['A', 'B']);
      const settled = await Promise.allSettled(['E', 'F', 'G', 'H'].map((n) => store.addSearchAttributes('ns-1', attrs([[n, 'Bool']]), 3)));
      expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(1);
      for (const s of settled) if (s.status === 'rejected') expect(s.reason).toBeInstanceOf(TooManySearchAttributesError);
      expect((await store.getSearchAttributes('ns-1')).size).toBe(3);
    });

    it('refuses an unknown type', async () => {
      const store = await open();
      await expect(store.addSearchAttributes('ns-1', attrs([['A', 'Blob' as SearchAttributeType]]), 100)).rejects.toThrow(/unknown search attribute type/);
      expect(await store.getSearchAttributes('ns-1')).toEqual(new Map());
    });
  });
}
