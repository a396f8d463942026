import { setting } from '@kairos/common/settings';
import {
  indexedValueTypeOf,
  isReservedSearchAttributeName,
  NamespaceRegistry,
  searchAttributeTypeOf,
  systemSearchAttributes,
  type SearchAttributeType,
} from '@kairos/domain';
import { SearchAttributeTypeConflictError, TooManySearchAttributesError } from '@kairos/persistence/errors';
import type { Store } from '@kairos/persistence/store';
import { IndexedValueType } from '@kairos/proto/temporal/api/enums/v1/common';
import { OperatorServiceDefinition, type OperatorServiceImplementation } from '@kairos/proto/temporal/api/operatorservice/v1/service';
import { ListSearchAttributesResponse } from '@kairos/proto/temporal/api/operatorservice/v1/request_response';
import { invalidArgument } from '@kairos/common/errors';
import type { ClusterFacts } from './clusterInfo';
import { addOrUpdateRemoteCluster, listClusters, removeRemoteCluster } from './clusters';
import { deleteNamespace } from './deleteNamespace';
import { withUnimplemented } from './workflowHandler';

/**
 * OperatorService: the custom search attributes of a namespace (Add/Remove/ListSearchAttributes,
 * with the checks and messages of Temporal's operator_handler.go), DeleteNamespace and the cluster
 * calls of a single cluster; the rest (Nexus endpoints) answers UNIMPLEMENTED.
 *
 * Custom attributes are kept per namespace in the store (as Temporal's SQL visibility keeps them
 * in the namespace's aliases), at most `domain.maxCustomSearchAttributes` of any types. Unlike
 * Temporal's server, which silently keeps the old type, adding a registered name with another type
 * is refused (the Temporal CLI refuses it the same way before calling the server).
 */
export function createOperatorHandler(store: Store, namespaces = new NamespaceRegistry(store), cluster?: ClusterFacts): OperatorServiceImplementation {

  async function namespaceId(name: string): Promise<string> {
    if (!name) throw invalidArgument('Namespace is not set on request.');
    return (await namespaces.getByName(name)).info!.id;
  }

  const implemented: Partial<OperatorServiceImplementation> = {
    async addSearchAttributes(request) {
      await addSearchAttributes(store, namespaces, request.namespace, request.searchAttributes);
      return {};
    },

    async removeSearchAttributes(request) {
      if (request.searchAttributes.length === 0) throw invalidArgument('SearchAttributes are not set on request.');
      const nsId = await namespaceId(request.namespace);
      const custom = await store.getSearchAttributes(nsId);
      const system = systemSearchAttributes();
      const removed: string[] = [];
      for (const name of request.searchAttributes) {
        if (custom.has(name)) removed.push(name);
        else if (system.has(name)) throw invalidArgument(`Unable to remove non-custom search attributes: ${name}.`);
        // Not defined at all: nothing to do, as in Temporal.
      }
      if (removed.length > 0) await store.removeSearchAttributes(nsId, removed);
      return {};
    },

    async listClusters() {
      return listClusters(store, cluster ?? { historyShardCount: 0, persistenceStore: '' });
    },

    async removeRemoteCluster(request) {
      return removeRemoteCluster(request);
    },

    async addOrUpdateRemoteCluster(request) {
      return addOrUpdateRemoteCluster(store, request);
    },

    async deleteNamespace(request) {
      return deleteNamespace(store, namespaces, request);
    },

    async listSearchAttributes(request) {
      const nsId = await namespaceId(request.namespace);
      const customAttributes: Record<string, IndexedValueType> = {};
      for (const [name, type] of await store.getSearchAttributes(nsId)) customAttributes[name] = indexedValueTypeOf(type);
      const systemAttributes: Record<string, IndexedValueType> = {};
      for (const [name, type] of systemSearchAttributes()) systemAttributes[name] = indexedValueTypeOf(type);
      return ListSearchAttributesResponse.fromPartial({ customAttributes, systemAttributes, storageSchema: {} });
    },
  };
  return withUnimplemented<OperatorServiceImplementation>(OperatorServiceDefinition, implemented);
}

/**
 * AddSearchAttributes's checks and write (Temporal's words), for the RPC and for start-dev's
 * --search-attribute, which registers through the same rules.
 */
export async function addSearchAttributes(
  store: Store,
  namespaces: NamespaceRegistry,
  namespace: string,
  searchAttributes: Record<string, IndexedValueType>,
): Promise<void> {
  const entries = Object.entries(searchAttributes);
  if (entries.length === 0) throw invalidArgument('SearchAttributes are not set on request.');
  const attributes = new Map<string, SearchAttributeType>();
  for (const [name, value] of entries) {
    if (isReservedSearchAttributeName(name)) throw invalidArgument(`Search attribute ${name} is reserved by system.`);
    const type = searchAttributeTypeOf(value);
    if (!type) {
      // Temporal's words for each case: UNSPECIFIED finds no free field of that type.
      if (value === IndexedValueType.INDEXED_VALUE_TYPE_UNSPECIFIED) {
        throw invalidArgument('Unable to create search attributes: cannot have more than 0 search attribute of type Unspecified.');
      }
      throw invalidArgument(`Unknown search attribute type: ${Number(value)}.`);
    }
    if (!name) throw invalidArgument('Search attribute name cannot be empty.');
    attributes.set(name, type);
  }
  if (!namespace) throw invalidArgument('Namespace is not set on request.');
  const nsId = (await namespaces.getByName(namespace)).info!.id;
  try {
    await store.addSearchAttributes(nsId, attributes, setting('domain.maxCustomSearchAttributes'));
  } catch (err) {
    if (err instanceof SearchAttributeTypeConflictError) {
      throw invalidArgument(`Search attribute ${err.attribute} already exists and has different type ${err.existingType}.`);
    }
    if (err instanceof TooManySearchAttributesError) {
      throw invalidArgument(`Unable to create search attributes: cannot have more than ${err.limit} custom search attributes.`);
    }
    throw err;
  }
}
