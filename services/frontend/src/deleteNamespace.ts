import { invalidArgument, namespaceIdNotFound, namespaceNotFound } from '@kairos/common/errors';
import { setting } from '@kairos/common/settings';
import { msToDuration, type NamespaceRegistry } from '@kairos/domain';
import { NamespaceAlreadyExistsError } from '@kairos/persistence/errors';
import type { Store } from '@kairos/persistence/store';
import type { NamespaceRecord } from '@kairos/proto/kairos/persistence/v1/namespaces';
import type { DeleteNamespaceRequest, DeleteNamespaceResponse } from '@kairos/proto/temporal/api/operatorservice/v1/request_response';
import { NamespaceState } from '@kairos/proto/temporal/api/enums/v1/namespace';

/** Temporal starts with five characters of the id and takes more only when that name is taken. */
const FIRST_SUFFIX_LENGTH = 5;

/**
 * The name a deleted namespace takes, as Temporal's: `<name>-deleted-<start of its id>`. A
 * namespace that already has such a name keeps it (deleting it again changes nothing).
 */
export function deletedNamespaceNames(name: string, id: string): string[] {
  const names: string[] = [];
  for (let length = FIRST_SUFFIX_LENGTH; length <= id.length; length++) {
    const suffix = `-deleted-${id.slice(0, length)}`;
    if (name.endsWith(suffix)) return [name];
    names.push(`${name}${suffix}`);
  }
  return names;
}

/**
 * OperatorService.DeleteNamespace as Temporal answers it: at once the namespace is marked Deleted
 * and renamed (so its name is free for a new namespace and its old name unknown), with the
 * deletion recorded on the record itself in the same write; history's reclaimer then deletes its
 * runs in the background and, after the delete delay, the namespace. The answer names the new name.
 */
export async function deleteNamespace(store: Store, namespaces: NamespaceRegistry, request: DeleteNamespaceRequest): Promise<DeleteNamespaceResponse> {
  if (!request.namespace && !request.namespaceId) throw invalidArgument('Namespace not set on request.');
  if (request.namespace && request.namespaceId) throw invalidArgument('Only one of namespace name or Id should be set on request.');
  const found = request.namespace ? await store.getNamespaceByName(request.namespace) : await store.getNamespaceById(request.namespaceId);
  if (!found) throw request.namespace ? namespaceNotFound(request.namespace) : namespaceIdNotFound(request.namespaceId);
  const { id, name } = found.info!;
  const deleteDelay = request.namespaceDeleteDelay ?? msToDuration(setting('domain.namespaceDeleteDelay'));

  for (const newName of deletedNamespaceNames(name, id)) {
    const markDeleted = (record: NamespaceRecord): NamespaceRecord => ({
      ...record,
      info: { ...record.info!, name: newName, state: NamespaceState.NAMESPACE_STATE_DELETED },
      deletion: {
        originalName: record.deletion?.originalName || name,
        requestedTime: new Date(),
        deleteDelay,
        executionsGoneTime: record.deletion?.executionsGoneTime,
      },
    });
    try {
      const deleted = newName === name ? await store.updateNamespace(name, markDeleted) : await store.renameNamespace(name, newName, markDeleted);
      // Deleted meanwhile by another call, and maybe gone already.
      if (!deleted) throw namespaceNotFound(name);
      namespaces.forget(name);
      namespaces.remember(deleted);
      return { deletedNamespace: newName };
    } catch (err) {
      // Another namespace has that name: Temporal tries a longer part of the id.
      if (err instanceof NamespaceAlreadyExistsError) continue;
      throw err;
    }
  }
  throw new Error(`no free name for deleted namespace ${name}: its id ${id} is not unique`);
}
