import type { NamespaceRecord } from '@kairos/proto/kairos/persistence/v1/namespaces';

/** An update keeps a namespace's id and name (they are its keys in the store). */
export function checkSameNamespace(before: NamespaceRecord, after: NamespaceRecord): void {
  if (after.info?.id !== before.info?.id || after.info?.name !== before.info?.name) {
    throw new Error(`a namespace update cannot change its id or name (${before.info?.name})`);
  }
}

/** A rename keeps the id and takes exactly the new name. */
export function checkRenamedNamespace(before: NamespaceRecord, after: NamespaceRecord, newName: string): void {
  if (after.info?.id !== before.info?.id || after.info?.name !== newName) {
    throw new Error(`a namespace rename keeps its id and takes the new name (${before.info?.name} -> ${newName})`);
  }
}
