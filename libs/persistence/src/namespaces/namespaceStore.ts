import type { NamespaceRecord } from '@kairos/proto/kairos/persistence/v1/namespaces';
import type { SearchAttributeType } from '@kairos/visibility';

/**
 * Namespaces and the custom search attributes registered in each. A namespace's `info.id` and
 * `info.name` are required and both unique (NamespaceAlreadyExistsError).
 */
export interface NamespaceStore {
  createNamespace(record: NamespaceRecord): Promise<void>;
  getNamespaceByName(name: string): Promise<NamespaceRecord | undefined>;
  getNamespaceById(id: string): Promise<NamespaceRecord | undefined>;
  /** Ordered by name. */
  listNamespaces(): Promise<NamespaceRecord[]>;
  /**
   * Changes the namespace named `name` in one transaction: `change` (synchronous, no I/O) gets the
   * stored record and returns the new one, with the same id and name; what it throws aborts the
   * change and is rethrown. Concurrent updates of one namespace take turns, so none is lost.
   * Resolves with the stored new record, or undefined when no namespace has that name.
   */
  updateNamespace(name: string, change: (record: NamespaceRecord) => NamespaceRecord): Promise<NamespaceRecord | undefined>;
  /**
   * Like updateNamespace, but `change` also renames the namespace to `newName` (same id): one
   * transaction, so the old name is free and the new one taken at once. NamespaceAlreadyExistsError
   * when another namespace has `newName`. Undefined when no namespace is named `name`.
   */
  renameNamespace(name: string, newName: string, change: (record: NamespaceRecord) => NamespaceRecord): Promise<NamespaceRecord | undefined>;
  /**
   * Removes a namespace for good with what is kept for it outside its runs (custom search
   * attributes, task queues with their backlogs and configurations, workers' heartbeats), in one
   * transaction; its runs must be gone
   * already. Removing an absent namespace is a no-op.
   */
  deleteNamespace(id: string): Promise<void>;

  /** The namespace's custom search attributes by name. */
  getSearchAttributes(namespaceId: string): Promise<Map<string, SearchAttributeType>>;
  /**
   * Registers custom search attributes in one transaction. A name already registered with the same
   * type is left alone; with another type the whole call fails with SearchAttributeTypeConflictError.
   * If the namespace would then have more than `maxCustom` attributes, it fails with
   * TooManySearchAttributesError. On failure nothing is registered.
   */
  addSearchAttributes(namespaceId: string, attributes: ReadonlyMap<string, SearchAttributeType>, maxCustom: number): Promise<void>;
  /** Unregisters custom search attributes; names not registered are ignored. Visibility rows keep their values. */
  removeSearchAttributes(namespaceId: string, names: readonly string[]): Promise<void>;
}
