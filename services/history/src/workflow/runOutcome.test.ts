import { describe, expect, it } from 'vitest';
import { WorkflowExecutionStatus } from './protos';
import { runOutcomeOf } from './runOutcome';

describe('runOutcomeOf', () => {
  it('reports each closed status under its outcome and none for a running run', () => {
    expect(runOutcomeOf(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED)).toBe('completed');
    expect(runOutcomeOf(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_FAILED)).toBe('failed');
    expect(runOutcomeOf(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TIMED_OUT)).toBe('timedOut');
    expect(runOutcomeOf(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CANCELED)).toBe('canceled');
    expect(runOutcomeOf(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED)).toBe('terminated');
    expect(runOutcomeOf(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW)).toBe('continuedAsNew');
    expect(runOutcomeOf(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING)).toBeUndefined();
  });
});
