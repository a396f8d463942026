import { describe, expect, it } from 'vitest';
import { notFound, unavailable } from './errors';
import { isExpectedPersistenceError, persistenceCaller, temporalPersistenceErrorType, temporalPersistenceOperation } from './persistenceOperations';

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

describe('persistenceCaller', () => {
  it('finds the namespace a store call is made for in its arguments, by id or by name', () => {
    expect(persistenceCaller('getExecution', [{ namespaceId: 'ns', workflowId: 'w', runId: 'r' }])).toEqual({ namespaceId: 'ns' });
    expect(persistenceCaller('writeExecution', [{ key: { namespaceId: 'ns' } }])).toEqual({ namespaceId: 'ns' });
    expect(persistenceCaller('writeExecutions', [[{ key: { namespaceId: 'ns' } }, { key: { namespaceId: 'ns' } }]])).toEqual({ namespaceId: 'ns' });
    expect(persistenceCaller('getTaskQueueTasks', ['ns', 'q'])).toEqual({ namespaceId: 'ns' });
    expect(persistenceCaller('getNamespaceByName', ['default'])).toEqual({ namespaceName: 'default' });
    expect(persistenceCaller('createNamespace', [{ info: { name: 'orders', id: 'x' } }])).toEqual({ namespaceName: 'orders' });
    expect(persistenceCaller('listVisibility', [{ namespaceId: 'ns', query: '' }])).toEqual({ namespaceId: 'ns' });
  });

  it('names none for the server upkeep (Temporal labels those "system")', () => {
    for (const method of ['getTransferTasks', 'deleteTimerTask', 'acquireShard', 'renewShard', 'heartbeatMember', 'listNamespaces', 'clusterId']) {
      expect({ method, caller: persistenceCaller(method, [1, 2]) }).toEqual({ method, caller: undefined });
    }
  });
});

describe('persistence errors', () => {
  const named = (name: string) => Object.assign(new Error('x'), { name });

  it('types store failures as Temporal types them and counts only unexpected ones in persistence_errors', () => {
    expect(temporalPersistenceErrorType(named('ConditionFailedError'))).toBe('persistence_ConditionFailedError');
    expect(temporalPersistenceErrorType(named('CurrentExecutionConflictError'))).toBe('persistence_CurrentWorkflowConditionFailedError');
    expect(temporalPersistenceErrorType(named('ShardOwnershipLostError'))).toBe('persistence_ShardOwnershipLostError');
    expect(temporalPersistenceErrorType(unavailable('database down'))).toBe('serviceerror_Unavailable');
    expect(isExpectedPersistenceError(named('ConditionFailedError'))).toBe(true);
    expect(isExpectedPersistenceError(named('TaskQueueOwnershipLostError'))).toBe(true);
    expect(isExpectedPersistenceError(notFound('gone'))).toBe(true);
    expect(isExpectedPersistenceError(unavailable('database down'))).toBe(false);
    expect(isExpectedPersistenceError(new Error('disk I/O error'))).toBe(false);
  });
});
