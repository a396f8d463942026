import { describe, expect, it } from 'vitest';
import { temporalPersistenceOperation } from './persistenceOperations';

describe('temporalPersistenceOperation', () => {
  it('names store calls as Temporal names its persistence operations', () => {
    expect(temporalPersistenceOperation('getExecution', [])).toBe('GetWorkflowExecution');
    expect(temporalPersistenceOperation('writeExecution', [{ expectedDbVersion: 0 }])).toBe('CreateWorkflowExecution');
    expect(temporalPersistenceOperation('writeExecution', [{ expectedDbVersion: 7 }])).toBe('UpdateWorkflowExecution');
    expect(temporalPersistenceOperation('writeExecutions', [[]])).toBe('UpdateWorkflowExecution');
    expect(temporalPersistenceOperation('readHistory', [])).toBe('ReadHistoryBranch');
    expect(temporalPersistenceOperation('addTaskQueueTask', [])).toBe('CreateTasks');
    expect(temporalPersistenceOperation('getNamespaceById', [])).toBe('GetNamespace');
    expect(temporalPersistenceOperation('renewShard', [])).toBe('UpdateShard');
  });

  it('falls back to the method name in PascalCase', () => {
    expect(temporalPersistenceOperation('compactSomething', [])).toBe('CompactSomething');
  });
});
