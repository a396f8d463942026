import { describe, expect, it } from 'vitest';
import { isApiError } from '@kairos/common/errors';
import { NamespaceRecord } from '@kairos/proto/kairos/persistence/v1/namespaces';
import { NamespaceState, ReplicationState } from '@kairos/proto/temporal/api/enums/v1/namespace';
import { UpdateNamespaceRequest } from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import { applyNamespaceUpdate, checkedRetention, checkStateChange, deprecated } from './namespaceUpdates';

const { NAMESPACE_STATE_REGISTERED: REGISTERED, NAMESPACE_STATE_DEPRECATED: DEPRECATED, NAMESPACE_STATE_DELETED: DELETED, NAMESPACE_STATE_UNSPECIFIED: UNSPECIFIED } = NamespaceState;

const record = (state = REGISTERED) =>
  NamespaceRecord.fromPartial({
    info: { name: 'orders', id: 'id-1', state, description: 'old', ownerEmail: 'a@b', data: { k: 'v' } },
    config: { workflowExecutionRetentionTtl: { seconds: 86_400, nanos: 0 } },
    replicationConfig: { activeClusterName: 'active', clusters: [{ clusterName: 'active' }], state: ReplicationState.REPLICATION_STATE_NORMAL },
  });
const update = (request: Partial<UpdateNamespaceRequest>) => UpdateNamespaceRequest.fromPartial({ namespace: 'orders', ...request });
const NOW = new Date(1_000_000);

/** The INVALID_ARGUMENT message `fn` throws. */
function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (isApiError(err) && err.code === 3) return err.message;
    throw err;
  }
  throw new Error('not refused');
}

describe('applyNamespaceUpdate', () => {
  it('sets a non-empty description and owner email, merges data key by key, leaves the record it was given alone', () => {
    const before = record();
    const after = applyNamespaceUpdate(before, update({ updateInfo: { description: 'new', ownerEmail: '', data: { k: '', j: '1' }, state: UNSPECIFIED } }), NOW);
    expect(after.info).toMatchObject({ description: 'new', ownerEmail: 'a@b', data: { k: '', j: '1' }, state: REGISTERED });
    expect(before.info).toMatchObject({ description: 'old', data: { k: 'v' } });
  });

  it('checks the retention: at least an hour, capped at 100 years', () => {
    const retention = (seconds: number, nanos = 0) => applyNamespaceUpdate(record(), update({ config: { workflowExecutionRetentionTtl: { seconds, nanos } } as never }), NOW).config!.workflowExecutionRetentionTtl;
    expect(retention(3600)).toEqual({ seconds: 3600, nanos: 0 });
    expect(retention(Number.MAX_SAFE_INTEGER)).toEqual({ seconds: 3_153_600_000, nanos: 0 });
    for (const [s, n] of [[3599, 0], [0, 0], [-5, 0], [7200, -1]] as const) {
      expect(refusal(() => retention(s, n))).toBe('A valid retention period is not set on request.');
    }
  });

  it('keeps archival disabled: no archival is configured', () => {
    const after = applyNamespaceUpdate(record(), update({ config: { historyArchivalState: 2, historyArchivalUri: 'file:///x', visibilityArchivalState: 2 } as never }), NOW);
    expect(after.config).toMatchObject({ historyArchivalState: 0, historyArchivalUri: '', visibilityArchivalState: 0, workflowExecutionRetentionTtl: { seconds: 86_400 } });
  });

  it('adds bad binaries with the time of the update and removes a known one, refusing an unknown one', () => {
    const added = applyNamespaceUpdate(record(), update({ config: { badBinaries: { binaries: { abc: { reason: 'r', operator: 'me', createTime: undefined } } } } as never }), NOW);
    expect(added.config!.badBinaries!.binaries).toEqual({ abc: { reason: 'r', operator: 'me', createTime: NOW } });
    expect(applyNamespaceUpdate(added, update({ deleteBadBinary: 'abc' }), NOW).config!.badBinaries!.binaries).toEqual({});
    expect(refusal(() => applyNamespaceUpdate(record(), update({ deleteBadBinary: 'zz' }), NOW))).toBe("Bad binary checksum zz doesn't exists.");
  });

  it('refuses other clusters, promotion to global, and handover', () => {
    expect(refusal(() => applyNamespaceUpdate(record(), update({ replicationConfig: { activeClusterName: 'other', clusters: [], state: 0 } }), NOW))).toBe('Invalid cluster name: other');
    expect(refusal(() => applyNamespaceUpdate(record(), update({ replicationConfig: { activeClusterName: '', clusters: [{ clusterName: 'b' }], state: 0 } }), NOW))).toBe('Invalid cluster name: b');
    expect(refusal(() => applyNamespaceUpdate(record(), update({ promoteNamespace: true }), NOW))).toBe(
      'global namespace is not enabled on this cluster, cannot update global namespace or promote local namespace: orders',
    );
    const handover = update({ replicationConfig: { activeClusterName: 'active', clusters: [], state: ReplicationState.REPLICATION_STATE_HANDOVER } });
    expect(refusal(() => applyNamespaceUpdate(record(), handover, NOW))).toBe('Handover can only be set for global namespace');
    expect(refusal(() => applyNamespaceUpdate(record(DEPRECATED), handover, NOW))).toBe(
      'update ReplicationState is only supported when namespace is in Registered state, current state: Deprecated',
    );
    // The state it has already is no change.
    const normal = update({ replicationConfig: { activeClusterName: '', clusters: [], state: ReplicationState.REPLICATION_STATE_NORMAL } });
    expect(applyNamespaceUpdate(record(DEPRECATED), normal, NOW).replicationConfig).toEqual(record().replicationConfig);
  });
});

describe('namespace states', () => {
  it('registered → deprecated | deleted, deprecated → deleted; the same state or none is no change', () => {
    for (const [from, to] of [[REGISTERED, DEPRECATED], [REGISTERED, DELETED], [DEPRECATED, DELETED], [DELETED, DELETED], [DEPRECATED, UNSPECIFIED]] as const) {
      expect(() => checkStateChange(from, to)).not.toThrow();
    }
    for (const [from, to] of [[DEPRECATED, REGISTERED], [DELETED, REGISTERED], [DELETED, DEPRECATED], [REGISTERED, 99 as NamespaceState]] as const) {
      expect(refusal(() => checkStateChange(from, to))).toBe('Invalid namespace state update.');
    }
  });

  it('DeprecateNamespace deprecates from any state', () => {
    expect(deprecated(record(DELETED)).info!.state).toBe(DEPRECATED);
  });

  it('checkedRetention is what RegisterNamespace applies too', () => {
    expect(refusal(() => checkedRetention(undefined))).toBe('A valid retention period is not set on request.');
  });
});
