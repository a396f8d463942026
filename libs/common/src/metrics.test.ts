import { describe, expect, it } from 'vitest';
import { Metrics } from './metrics';

describe('Metrics', () => {
  it('masks URL credentials in label values, as logs do', async () => {
    const metrics = new Metrics('matching');
    // Label values come from callers: a task queue named after a URL must not publish its password.
    metrics.pollSuccess.inc({ namespace: 'default', taskqueue: 'nats://app:q-s3cret@nats:4222', task_type: 'Activity' });
    metrics.persistenceErrorWithType.inc({ namespace: 'default', operation: 'UpdateWorkflowExecution', error_type: 'serviceerror_Unknown' });
    const text = await metrics.text();
    expect(text).toContain('taskqueue="nats://app:***@nats:4222"');
    expect(text).toContain('persistence_error_with_type{namespace="default",operation="UpdateWorkflowExecution",error_type="serviceerror_Unknown",service_name="matching"} 1');
    expect(text).not.toContain('q-s3cret');
  });

  it('counts gRPC calls, those in progress and their latency per namespace and operation, each call once however often metrics are read', async () => {
    const metrics = new Metrics('frontend');
    const middleware = metrics.serverMiddleware();
    const call = (namespace: string) => ({
      method: { path: '/temporal.api.workflowservice.v1.WorkflowService/StartWorkflowExecution', requestStream: false, responseStream: false },
      requestStream: false,
      responseStream: false,
      request: { namespace },
    });
    const series = (text: string, family: string, namespace: string) =>
      text.match(new RegExp(`^${family}\\{namespace="${namespace}",operation="StartWorkflowExecution",service_name="frontend"\\} (\\d+)$`, 'm'))?.[1];
    let finish: () => void = () => undefined;
    const waiting = middleware(call('default') as never, {} as never, () => new Promise((resolve) => (finish = () => resolve({}))));
    await middleware(call('default') as never, {} as never, async () => ({}));
    await middleware(call('other') as never, {} as never, async () => ({}));
    let text = await metrics.text();
    expect([series(text, 'service_requests', 'default'), series(text, 'service_pending_requests', 'default')]).toEqual(['2', '1']);
    expect([series(text, 'service_requests', 'other'), series(text, 'service_pending_requests', 'other')]).toEqual(['1', '0']);
    finish();
    await waiting;
    text = await metrics.text();
    expect([series(text, 'service_requests', 'default'), series(text, 'service_pending_requests', 'default')]).toEqual(['2', '0']);
    expect(text).toContain('service_latency_count{service_name="frontend",namespace="default",operation="StartWorkflowExecution"} 2');
    await middleware(call('default') as never, {} as never, async () => ({}));
    text = await metrics.text();
    expect(series(text, 'service_requests', 'default')).toBe('3');
    expect(series(text, 'service_requests', 'other')).toBe('1');
  });

  it('counts store calls under Temporal persistence operation names', async () => {
    const metrics = new Metrics('history');
    const store = metrics.instrument({
      writeExecution: async (_write: { expectedDbVersion: number }) => 1,
      getTaskQueueTasks: async () => [],
      somethingNew: async () => undefined,
    });
    await store.writeExecution({ expectedDbVersion: 0 });
    await store.writeExecution({ expectedDbVersion: 3 });
    await store.getTaskQueueTasks();
    await store.somethingNew();
    const text = await metrics.text();
    expect(text).toContain('persistence_requests{namespace="system",operation="CreateWorkflowExecution",service_name="history"} 1');
    expect(text).toContain('persistence_requests{namespace="system",operation="UpdateWorkflowExecution",service_name="history"} 1');
    expect(text).toContain('persistence_requests{namespace="system",operation="GetTasks",service_name="history"} 1');
    expect(text).toContain('persistence_requests{namespace="system",operation="SomethingNew",service_name="history"} 1');
  });

  it('labels namespaces by name: resolved once from an id, _unknown_ when not found', async () => {
    const metrics = new Metrics('matching');
    const lookedUp: string[] = [];
    metrics.resolveNamespaceNamesWith(async (id) => {
      lookedUp.push(id);
      return id === 'ns-uuid' ? 'default' : undefined;
    });
    expect(metrics.knownNamespaceName('ns-uuid')).toBe('_unknown_');
    expect(await metrics.namespaceName('ns-uuid')).toBe('default');
    expect(await metrics.namespaceName('ns-uuid')).toBe('default');
    expect(metrics.knownNamespaceName('ns-uuid')).toBe('default');
    expect(await metrics.namespaceName('gone')).toBe('_unknown_');
    expect(lookedUp).toEqual(['ns-uuid', 'gone']);
  });

  it('records schedule-to-start latency with Temporal labels, the sticky queue told apart by partition', async () => {
    const metrics = new Metrics('history');
    const scheduledAt = new Date('2026-01-01T00:00:00.000Z');
    metrics.observeScheduleToStart({ namespace: 'default', kind: 'Workflow', taskQueue: 'q', sticky: true, scheduledAt, startedAt: new Date(scheduledAt.getTime() + 1500) });
    metrics.observeScheduleToStart({ namespace: 'default', kind: 'Activity', taskQueue: 'q', sticky: false, scheduledAt, startedAt: scheduledAt });
    const text = await metrics.text();
    expect(text).toContain('task_schedule_to_start_latency_sum{service_name="history",namespace="default",operation="RecordWorkflowTaskStarted",partition="__sticky__",taskqueue="q",task_type="Workflow"} 1.5');
    expect(text).toContain('task_schedule_to_start_latency_count{service_name="history",namespace="default",operation="RecordActivityTaskStarted",partition="__normal__",taskqueue="q",task_type="Activity"} 1');
  });

  it('labels store calls with the namespace they are made for, learning names from namespace answers, and "system" otherwise', async () => {
    const metrics = new Metrics('history');
    const lookedUp: string[] = [];
    metrics.resolveNamespaceNamesWith(async (id) => {
      lookedUp.push(id);
      return id === 'other-uuid' ? 'other' : undefined;
    });
    const record = { info: { id: 'ns-uuid', name: 'default' } };
    const store = metrics.instrument({
      getNamespaceById: async (_id: string) => record,
      getExecution: async (_key: { namespaceId: string }) => undefined,
      getTransferTasks: async (_shardId: number) => [],
      getTaskQueueTasks: async (_namespaceId: string) => {
        throw new TypeError('broken');
      },
      listRunKeys: async (_namespaceId: string) => [],
    });
    await store.getNamespaceById('ns-uuid');
    await store.getExecution({ namespaceId: 'ns-uuid' });
    await store.getTransferTasks(1);
    await expect(store.getTaskQueueTasks('other-uuid')).rejects.toThrow('broken');
    await store.getNamespaceById('gone-uuid');
    await store.listRunKeys('gone-uuid');
    await new Promise((resolve) => setImmediate(resolve));
    const text = await metrics.text();
    expect(text).toContain('persistence_requests{namespace="default",operation="GetNamespace",service_name="history"} 1');
    expect(text).toContain('persistence_requests{namespace="default",operation="GetWorkflowExecution",service_name="history"} 1');
    expect(text).toContain('persistence_requests{namespace="system",operation="GetTransferTasks",service_name="history"} 1');
    // An id no answer named yet is looked up, and the call counted under the name found.
    expect(text).toContain('persistence_error_with_type{namespace="other",operation="GetTasks",error_type="serviceerror_Unknown",service_name="history"} 1');
    // Not a conflict nor a not-found: an unexpected failure, in persistence_errors too.
    expect(text).toContain('persistence_errors{namespace="other",operation="GetTasks",service_name="history"} 1');
    // A namespace read takes no look-up of its own; an id nobody knows reads _unknown_.
    expect(text).toContain('persistence_requests{namespace="_unknown_",operation="GetNamespace",service_name="history"} 1');
    expect(text).toContain('persistence_requests{namespace="_unknown_",operation="ListConcreteExecutions",service_name="history"} 1');
    expect(lookedUp).toEqual(['other-uuid', 'gone-uuid']);
  });

  it('records history stats as Temporal: SessionStats per write, ExecutionStats per update, CompletionStats at the close', async () => {
    const metrics = new Metrics('history');
    metrics.observeHistoryWrite({ namespace: 'default', totalBytes: 500, totalEvents: 3, addedBytes: 500, addedEvents: 3, updated: false, closed: false });
    metrics.observeHistoryWrite({ namespace: 'default', totalBytes: 900, totalEvents: 5, addedBytes: 400, addedEvents: 2, updated: true, closed: true });
    const text = await metrics.text();
    expect(text).toContain('history_size_count{service_name="history",namespace="default",operation="SessionStats"} 2');
    expect(text).toContain('history_size_sum{service_name="history",namespace="default",operation="SessionStats"} 900');
    expect(text).toContain('history_count_sum{service_name="history",namespace="default",operation="ExecutionStats"} 5');
    expect(text).toContain('history_count_count{service_name="history",namespace="default",operation="CompletionStats"} 1');
    expect(text).toContain('history_size_sum{service_name="history",namespace="default",operation="CompletionStats"} 900');
  });

  it('records a history queue task as Temporal: every attempt counted, latencies of the whole task once it completes', async () => {
    const metrics = new Metrics('history');
    const labels = { namespace: 'default', taskType: 'TransferActiveTaskActivity', priority: 'high' };
    metrics.observeHistoryTask(labels, { seconds: 0.5, failed: true });
    metrics.observeHistoryTask(labels, { seconds: 0.25, failed: false, completed: { attemptsSeconds: 0.75, sinceDueSeconds: 2 } });
    const text = await metrics.text();
    const base = 'archetype="workflow",namespace="default",operation="TransferActiveTaskActivity",task_type="TransferActiveTaskActivity"';
    expect(text).toContain(`task_requests{${base},task_priority="high",service_name="history"} 2`);
    expect(text).toContain(`task_errors{${base},service_name="history"} 1`);
    expect(text).toContain(`task_latency_processing_count{service_name="history",${base}} 2`);
    expect(text).toContain(`task_latency_sum{service_name="history",${base},task_priority="high"} 0.75`);
    expect(text).toContain(`task_latency_queue_sum{service_name="history",${base},task_priority="high",queue_reader_id="0"} 2`);
  });

  it('counts store conflicts by Temporal error type but not as unexpected persistence_errors', async () => {
    const metrics = new Metrics('history');
    class ConditionFailedError extends Error {
      override readonly name = 'ConditionFailedError';
    }
    const store = metrics.instrument({
      writeExecution: async (_write: { key: { namespaceId: string }; expectedDbVersion: number }) => {
        throw new ConditionFailedError('dbVersion moved');
      },
    });
    await expect(store.writeExecution({ key: { namespaceId: 'x' }, expectedDbVersion: 3 })).rejects.toThrow('dbVersion moved');
    await new Promise((resolve) => setImmediate(resolve));
    const text = await metrics.text();
    expect(text).toMatch(/persistence_error_with_type\{namespace="_unknown_",operation="UpdateWorkflowExecution",error_type="persistence_ConditionFailedError",service_name="history"\} 1/);
    expect(text).not.toMatch(/persistence_errors\{/);
  });
});
