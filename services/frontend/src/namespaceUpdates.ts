import { globalNamespaceNotEnabled, namespaceStateName, invalidArgument, invalidClusterName, invalidNamespaceStateUpdate, invalidRetention } from '@kairos/common/errors';
import { setting } from '@kairos/common/settings';
import { checkedDuration, durationToMs } from '@kairos/domain';
import type { Duration } from '@kairos/proto/google/protobuf/duration';
import type { NamespaceRecord } from '@kairos/proto/kairos/persistence/v1/namespaces';
import { NamespaceState, ReplicationState } from '@kairos/proto/temporal/api/enums/v1/namespace';
import type { UpdateNamespaceRequest } from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import { CLUSTER_NAME } from './clusterInfo';

/**
 * A namespace retention as Temporal takes it: a valid duration (capped at 100 years like any
 * other) of at least the one-hour floor of a local namespace.
 */
export function checkedRetention(retention: Duration | undefined): Duration {
  const checked = checkedDuration(retention, invalidRetention);
  if (!checked || durationToMs(checked) < setting('domain.minRetention')) throw invalidRetention();
  return checked;
}

/**
 * Which state changes UpdateNamespace allows (Temporal's namespace handler): a registered
 * namespace may be deprecated or deleted, a deprecated one deleted; a deleted one stays so.
 * Unspecified, or the current state again, changes nothing.
 */
export function checkStateChange(from: NamespaceState, to: NamespaceState): void {
  if (to === NamespaceState.NAMESPACE_STATE_UNSPECIFIED || to === from) return;
  const allowed =
    (from === NamespaceState.NAMESPACE_STATE_REGISTERED && (to === NamespaceState.NAMESPACE_STATE_DEPRECATED || to === NamespaceState.NAMESPACE_STATE_DELETED)) ||
    (from === NamespaceState.NAMESPACE_STATE_DEPRECATED && to === NamespaceState.NAMESPACE_STATE_DELETED);
  if (!allowed) throw invalidNamespaceStateUpdate();
}

/**
 * The namespace after an UpdateNamespace request, as Temporal applies one to a local namespace
 * of a single cluster: empty description and owner email leave them alone, data is merged key by
 * key, the retention is checked, bad binaries are added (or one removed), and archival stays
 * disabled because no archival is configured (Temporal ignores those fields then). Replication
 * may only name the one cluster; promotion to a global namespace is refused. Throws
 * INVALID_ARGUMENT with Temporal's message; changes nothing of `record`.
 */
export function applyNamespaceUpdate(record: NamespaceRecord, request: UpdateNamespaceRequest, now: Date): NamespaceRecord {
  const name = record.info!.name;
  if (request.promoteNamespace) throw globalNamespaceNotEnabled(name);
  const replication = request.replicationConfig;
  if (replication) {
    for (const cluster of [replication.activeClusterName, ...replication.clusters.map((c) => c.clusterName)]) {
      if (cluster && cluster !== CLUSTER_NAME) throw invalidClusterName(cluster);
    }
  }
  if (replication?.state && replication.state !== record.replicationConfig?.state) checkReplicationStateChange(record, replication.state);
  const info = { ...record.info!, data: { ...record.info!.data } };
  const update = request.updateInfo;
  if (update) {
    if (update.description) info.description = update.description;
    if (update.ownerEmail) info.ownerEmail = update.ownerEmail;
    Object.assign(info.data, update.data);
    checkStateChange(info.state, update.state);
    if (update.state !== NamespaceState.NAMESPACE_STATE_UNSPECIFIED) info.state = update.state;
  }
  const config = { ...record.config!, badBinaries: { binaries: { ...record.config?.badBinaries?.binaries } } };
  const requested = request.config;
  if (requested) {
    if (requested.workflowExecutionRetentionTtl) config.workflowExecutionRetentionTtl = checkedRetention(requested.workflowExecutionRetentionTtl);
    for (const [checksum, binary] of Object.entries(requested.badBinaries?.binaries ?? {})) {
      config.badBinaries.binaries[checksum] = { ...binary, createTime: now };
    }
  }
  if (request.deleteBadBinary) {
    if (!config.badBinaries.binaries[request.deleteBadBinary]) throw invalidArgument(`Bad binary checksum ${request.deleteBadBinary} doesn't exists.`);
    delete config.badBinaries.binaries[request.deleteBadBinary];
  }
  return { ...record, info, config };
}

/**
 * A change of replication state: only of a registered namespace, and handover (the only other
 * state) only of a global namespace, which Kairos never has.
 */
function checkReplicationStateChange(record: NamespaceRecord, to: ReplicationState): void {
  const state = record.info!.state;
  if (state !== NamespaceState.NAMESPACE_STATE_REGISTERED) {
    throw invalidArgument(`update ReplicationState is only supported when namespace is in Registered state, current state: ${namespaceStateName(state)}`);
  }
  if (to === ReplicationState.REPLICATION_STATE_HANDOVER) throw invalidArgument('Handover can only be set for global namespace');
}

/** DeprecateNamespace (deprecated in Temporal's API, still served): the state becomes deprecated from any state. */
export function deprecated(record: NamespaceRecord): NamespaceRecord {
  return { ...record, info: { ...record.info!, state: NamespaceState.NAMESPACE_STATE_DEPRECATED } };
}
