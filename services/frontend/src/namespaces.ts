import { randomUUID } from 'node:crypto';
import { Status } from 'nice-grpc-common';
import { isApiError, namespaceAlreadyExists } from '@kairos/common/errors';
import { setting } from '@kairos/common/settings';
import { msToDuration } from '@kairos/domain';
import { NamespaceAlreadyExistsError } from '@kairos/persistence/errors';
import type { Store } from '@kairos/persistence/store';
import { NamespaceRecord } from '@kairos/proto/kairos/persistence/v1/namespaces';
import { NamespaceState, ArchivalState, ReplicationState } from '@kairos/proto/temporal/api/enums/v1/namespace';
import type { Duration } from '@kairos/proto/google/protobuf/duration';
import { CLUSTER_NAME } from './clusterInfo';

export interface NewNamespace {
  name: string;
  description?: string;
  ownerEmail?: string;
  retention?: Duration;
  data?: Record<string, string>;
}

/** Builds and stores a namespace record; ALREADY_EXISTS (with Temporal's detail) if the name is taken. */
export async function registerNamespace(store: Store, ns: NewNamespace): Promise<NamespaceRecord> {
  const record = NamespaceRecord.fromPartial({
    info: {
      name: ns.name,
      id: randomUUID(),
      state: NamespaceState.NAMESPACE_STATE_REGISTERED,
      description: ns.description ?? '',
      ownerEmail: ns.ownerEmail ?? '',
      data: ns.data ?? {},
    },
    config: {
      workflowExecutionRetentionTtl: ns.retention ?? msToDuration(setting('domain.defaultRetention')),
      historyArchivalState: ArchivalState.ARCHIVAL_STATE_DISABLED,
      visibilityArchivalState: ArchivalState.ARCHIVAL_STATE_DISABLED,
    },
    replicationConfig: {
      activeClusterName: CLUSTER_NAME,
      clusters: [{ clusterName: CLUSTER_NAME }],
      state: ReplicationState.REPLICATION_STATE_NORMAL,
    },
    isGlobalNamespace: false,
    failoverVersion: 0,
  });
  try {
    await store.createNamespace(record);
  } catch (err) {
    if (err instanceof NamespaceAlreadyExistsError) {
      throw namespaceAlreadyExists();
    }
    throw err;
  }
  return record;
}

/** Creates the namespace unless it exists (start-up of the dev server). */
export async function ensureNamespace(store: Store, name: string): Promise<void> {
  if (await store.getNamespaceByName(name)) return;
  try {
    await registerNamespace(store, { name });
  } catch (err) {
    if (!(isApiError(err) && err.code === Status.ALREADY_EXISTS)) throw err;
  }
}
