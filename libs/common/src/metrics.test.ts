import { describe, expect, it } from 'vitest';
import { Metrics } from './metrics';

describe('Metrics', () => {
  it('masks URL credentials in label values, as logs do', async () => {
    const metrics = new Metrics('matching');
    // Label values come from callers: a task queue named after a URL must not publish its password.
    metrics.pollSuccess.inc({ namespace: 'default', taskqueue: 'nats://app:q-s3cret@nats:4222', task_type: 'Activity' });
    metrics.persistenceErrors.inc({ operation: 'UpdateWorkflowExecution', error_type: 'Error' });
    const text = await metrics.text();
    expect(text).toContain('taskqueue="nats://app:***@nats:4222"');
    expect(text).toContain('persistence_errors{operation="UpdateWorkflowExecution",error_type="Error",service_name="matching"} 1');
    expect(text).not.toContain('q-s3cret');
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
    expect(text).toContain('persistence_requests{operation="CreateWorkflowExecution",service_name="history"} 1');
    expect(text).toContain('persistence_requests{operation="UpdateWorkflowExecution",service_name="history"} 1');
    expect(text).toContain('persistence_requests{operation="GetTasks",service_name="history"} 1');
    expect(text).toContain('persistence_requests{operation="SomethingNew",service_name="history"} 1');
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
});
