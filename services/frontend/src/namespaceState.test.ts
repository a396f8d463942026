import { describe, expect, it } from 'vitest';
import { NamespaceState } from '@kairos/proto/temporal/api/enums/v1/namespace';
import { allowedNamespaceStates } from './namespaceState';

describe('allowedNamespaceStates', () => {
  it('starts need a registered namespace, other calls a registered or deprecated one, DescribeNamespace any', () => {
    const { NAMESPACE_STATE_REGISTERED: REGISTERED, NAMESPACE_STATE_DEPRECATED: DEPRECATED } = NamespaceState;
    expect(allowedNamespaceStates('StartWorkflowExecution')).toEqual([REGISTERED]);
    expect(allowedNamespaceStates('SignalWithStartWorkflowExecution')).toEqual([REGISTERED]);
    for (const method of ['SignalWorkflowExecution', 'PollWorkflowTaskQueue', 'ListWorkflowExecutions', 'UpdateNamespace', 'DeprecateNamespace']) {
      expect(allowedNamespaceStates(method)).toEqual([REGISTERED, DEPRECATED]);
    }
    expect(allowedNamespaceStates('DescribeNamespace')).toBeUndefined();
  });
});
