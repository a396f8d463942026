import { memoSizeLimitError, type Limits } from '@kairos/domain';
import type { NamespaceRecord } from '@kairos/proto/kairos/persistence/v1/namespaces';
import { DescribeNamespaceResponse } from '@kairos/proto/temporal/api/workflowservice/v1/request_response';

/** A stored namespace as DescribeNamespace / ListNamespaces present it. */
export function describeNamespaceResponse(record: NamespaceRecord, limits: Limits): DescribeNamespaceResponse {
  return DescribeNamespaceResponse.fromPartial({
    namespaceInfo: {
      ...record.info,
      // The SDKs check payload sizes against these before sending, as with Temporal.
      limits: { blobSizeLimitError: limits.blobSizeLimitError, memoSizeLimitError: memoSizeLimitError() },
      // Only claim what Kairos implements: the SDKs change behaviour on these flags.
      capabilities: { eagerWorkflowStart: true, syncUpdate: true, asyncUpdate: true, workerHeartbeats: true, workerPollCompleteOnShutdown: true },
      supportsSchedules: true,
    },
    config: record.config,
    replicationConfig: record.replicationConfig,
    failoverVersion: record.failoverVersion,
    isGlobalNamespace: record.isGlobalNamespace,
  });
}
