import { describe, expect, it } from 'vitest';
import { HistoryServiceDefinition } from '@kairos/proto/kairos/historyservice/v1/service';
import { TaskTokenKind } from '@kairos/proto/kairos/persistence/v1/executions';
import { historyRouteOf, historyShardOf } from './historyRouting';
import { encodeTaskToken, shardIdFor } from '@kairos/domain';

describe('historyRouteOf', () => {
  it('knows the route of every history method', () => {
    for (const method of Object.keys(HistoryServiceDefinition.methods)) {
      expect(() => historyRouteOf(method, { namespaceId: 'ns', request: {}, workflowExecution: { workflowId: 'w' } }), method).not.toThrow(/no history route/);
    }
  });

  it('reads the workflow id from the request, the execution or the task token', () => {
    expect(historyRouteOf('startWorkflowExecution', { namespaceId: 'ns', request: { workflowId: 'a' } })).toEqual({ namespaceId: 'ns', workflowId: 'a' });
    expect(historyRouteOf('recordActivityTaskStarted', { namespaceId: 'ns', workflowExecution: { workflowId: 'b', runId: 'r' } }).workflowId).toBe('b');
    const taskToken = encodeTaskToken({ kind: TaskTokenKind.TASK_TOKEN_KIND_ACTIVITY_TASK, namespaceId: 'ns', workflowId: 'c', runId: 'r' });
    expect(historyRouteOf('respondActivityTaskCompleted', { namespaceId: 'ns', request: { taskToken } }).workflowId).toBe('c');
    expect(historyShardOf('respondActivityTaskCompleted', { namespaceId: 'ns', request: { taskToken } }, 16)).toBe(shardIdFor('ns', 'c', 16));
  });

  it('refuses a malformed task token with INVALID_ARGUMENT before routing', () => {
    expect(() => historyRouteOf('respondWorkflowTaskCompleted', { namespaceId: 'ns', request: { taskToken: new Uint8Array([1, 2]) } })).toThrow(
      expect.objectContaining({ code: 3 }),
    );
  });
});
