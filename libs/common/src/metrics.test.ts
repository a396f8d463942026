import { describe, expect, it } from 'vitest';
import { Metrics } from './metrics';

describe('Metrics', () => {
  it('masks URL credentials in label values, as logs do', async () => {
    const metrics = new Metrics('matching');
    // Label values come from callers: a task queue named after a URL must not publish its password.
    metrics.pollSuccess.inc({ namespace: 'default', taskqueue: 'nats://app:q-s3cret@nats:4222', task_type: 'Activity' });
    metrics.persistenceErrors.inc({ operation: 'writeExecution', error_type: 'Error' });
    const text = await metrics.text();
    expect(text).toContain('taskqueue="nats://app:***@nats:4222"');
    expect(text).toContain('persistence_errors{operation="writeExecution",error_type="Error",service_name="matching"} 1');
    expect(text).not.toContain('q-s3cret');
  });
});
