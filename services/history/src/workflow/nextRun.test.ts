import { describe, expect, it } from 'vitest';
import { msToDuration } from '@kairos/domain';
import { ContinueAsNewWorkflowExecutionCommandAttributes } from '@kairos/proto/temporal/api/command/v1/message';
import { continueAsNew, cronBackoff, retryDecision, startNextRunOfChain } from './nextRun';
import { CommandType, ContinueAsNewInitiator, EventType, RetryState, TaskQueueKind, TimerTaskKind, WorkflowExecutionStatus } from './protos';
import type { RunTransaction } from './runTransaction';
import { eventNames, reopen, T0 } from '../../test/runFixtures';
import { appFailure, at, completeTaskAt, eventOf, newRunAt, payloads, secs, startTaskAt, timerKinds, timerTaskOf, transferKinds, withClock } from '../../test/activityFixtures';

type ContinueFields = Record<string, unknown>;
const continueCommand = (attrs: ContinueFields = {}) => ({ commandType: CommandType.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION, continueAsNewWorkflowExecutionCommandAttributes: attrs });

const startedAttrs = (run: RunTransaction) => eventOf(run, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED).workflowExecutionStartedEventAttributes!;

/** A run started at T0 with these options, its first task started at `startedAt` and completed at `closedAt` with continue-as-new. */
function continued(attrs: ContinueFields = {}, start: Parameters<typeof newRunAt>[1] = {}, startedAt = at(1), closedAt = at(5)): RunTransaction {
  return completeTaskAt(startTaskAt(newRunAt(T0, start), startedAt), closedAt, [continueCommand(attrs)]);
}

describe('continueAsNew', () => {
  it('writes WorkflowExecutionContinuedAsNew, the type, queue and timeouts carried when the command leaves them unset', () => {
    const tx = continued({ input: payloads(2), header: { fields: { h: payloads('x').payloads[0]! } } }, { workflowRunTimeout: secs(300), workflowTaskTimeout: secs(20), workflowExecutionTimeout: secs(3600) });
    const next = tx.continuedRun!;
    expect(eventNames(tx.newEvents)).toEqual(['WORKFLOW_TASK_COMPLETED', 'WORKFLOW_EXECUTION_CONTINUED_AS_NEW']);
    expect(tx.newEvents[1]!.workflowExecutionContinuedAsNewEventAttributes).toMatchObject({
      newExecutionRunId: next.info.runId,
      workflowType: { name: 'Example' },
      taskQueue: { name: 'tq', kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      input: payloads(2),
      workflowRunTimeout: secs(300),
      workflowTaskTimeout: secs(20),
      workflowTaskCompletedEventId: 4,
      initiator: ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_WORKFLOW,
    });
    expect(tx.info).toMatchObject({ status: WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW, completionEventId: 5, closeTime: at(5) });

    expect(next.info.runId).not.toBe('run-1');
    expect(next.info).toMatchObject({ workflowId: 'wf-1', firstExecutionRunId: 'run-1', workflowTypeName: 'Example', attempt: 1 });
    expect(startedAttrs(next)).toMatchObject({
      continuedExecutionRunId: 'run-1',
      firstExecutionRunId: 'run-1',
      originalExecutionRunId: next.info.runId,
      initiator: ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_WORKFLOW,
      input: payloads(2),
      workflowType: { name: 'Example' },
      taskQueue: { name: 'tq' },
      workflowRunTimeout: secs(300),
      workflowTaskTimeout: secs(20),
      workflowExecutionTimeout: secs(3600),
      // The chain's deadline keeps counting from the first run.
      workflowExecutionExpirationTime: at(3600),
      firstWorkflowTaskBackoff: secs(0),
      attempt: 1,
    });
    // It lived 5 s: no backoff, the first workflow task at once; its run timeout from now.
    expect(eventNames(next.newEvents)).toEqual(['WORKFLOW_EXECUTION_STARTED', 'WORKFLOW_TASK_SCHEDULED']);
    expect(transferKinds(next)).toEqual(['WORKFLOW_TASK']);
    expect(timerTaskOf(next, TimerTaskKind.TIMER_TASK_KIND_WORKFLOW_RUN_TIMEOUT).fireTime).toEqual(at(305));
  });

  it('uses the type, queue and timeouts the command sets', () => {
    const tx = continued({ workflowType: { name: 'Next' }, taskQueue: { name: 'other' }, workflowRunTimeout: secs(50), workflowTaskTimeout: secs(7) }, { workflowRunTimeout: secs(300) });
    expect(tx.newEvents[1]!.workflowExecutionContinuedAsNewEventAttributes).toMatchObject({ workflowType: { name: 'Next' }, taskQueue: { name: 'other' }, workflowRunTimeout: secs(50), workflowTaskTimeout: secs(7) });
    expect(tx.continuedRun!.info).toMatchObject({ workflowTypeName: 'Next', taskQueue: { name: 'other' }, workflowRunTimeout: secs(50), workflowTaskTimeout: secs(7) });
  });

  it('a run that lived less than Temporal’s 1 s minimal interval: the successor’s first task waits for the rest of it', () => {
    const tx = continued({}, {}, at(0.1), at(0.3));
    const next = tx.continuedRun!;
    expect(startedAttrs(next).firstWorkflowTaskBackoff).toEqual(msToDuration(700));
    expect(eventNames(next.newEvents)).toEqual(['WORKFLOW_EXECUTION_STARTED']);
    expect(next.transferTasks).toEqual([]);
    expect(timerTaskOf(next, TimerTaskKind.TIMER_TASK_KIND_WORKFLOW_BACKOFF).fireTime).toEqual(at(1));
  });

  it('the command’s backoff start interval delays the successor’s first task', () => {
    const tx = continued({ backoffStartInterval: secs(10) });
    expect(tx.newEvents[1]!.workflowExecutionContinuedAsNewEventAttributes!.backoffStartInterval).toEqual(secs(10));
    expect(startedAttrs(tx.continuedRun!).firstWorkflowTaskBackoff).toEqual(secs(10));
    expect(timerKinds(tx.continuedRun!)).toEqual(['WORKFLOW_BACKOFF']);
    expect(tx.continuedRun!.timerTasks[0]!.fireTime).toEqual(at(15));
  });

  it('keeps the chain: first run id across hops, auto-reset points, the parent', () => {
    const parent = { namespace: 'default', namespaceId: 'ns-1', execution: { workflowId: 'p', runId: 'p-run' }, initiatedEventId: 9, rootExecution: undefined };
    const first = completeTaskAt(startTaskAt(newRunAt(T0, {}, { parent }), at(1)), at(5), [continueCommand()], { binaryChecksum: 'bin-1' });
    const second = first.continuedRun!;
    expect(first.info.autoResetPoints?.points).toHaveLength(1);
    expect(second.info.autoResetPoints).toEqual(first.info.autoResetPoints);
    expect(startedAttrs(second).prevAutoResetPoints).toEqual(first.info.autoResetPoints);
    expect(second.info.parent).toEqual(parent);
    expect(transferKinds(first)).toEqual(['CLOSE_EXECUTION']);

    const third = completeTaskAt(startTaskAt(second, at(6)), at(10), [continueCommand()]).continuedRun!;
    expect(startedAttrs(third)).toMatchObject({ firstExecutionRunId: 'run-1', continuedExecutionRunId: second.info.runId });
    expect(third.info.firstExecutionRunId).toBe('run-1');
  });

  it('called directly, it writes no workflow task completion of its own', () => {
    const tx = reopen(startTaskAt(newRunAt(T0), at(1)), at(5));
    withClock(at(5), () => continueAsNew(tx, ContinueAsNewWorkflowExecutionCommandAttributes.fromPartial({ input: payloads(1) }), 4));
    expect(eventNames(tx.newEvents)).toEqual(['WORKFLOW_EXECUTION_CONTINUED_AS_NEW']);
    expect(tx.newEvents[0]!.workflowExecutionContinuedAsNewEventAttributes).toMatchObject({ workflowTaskCompletedEventId: 4, input: payloads(1) });
    expect(tx.closed).toBe(true);
  });
});

describe('retryDecision', () => {
  it('RETRY_POLICY_NOT_SET without a policy', () => {
    expect(retryDecision(reopen(newRunAt(T0), at(5)), appFailure('x'))).toEqual({ retryState: RetryState.RETRY_STATE_RETRY_POLICY_NOT_SET, backoffMs: 0 });
  });

  it('the policy’s backoff for the run’s attempt', () => {
    const tx = reopen(newRunAt(T0, { retryPolicy: { initialInterval: secs(3) } }), at(5));
    expect(retryDecision(tx, appFailure('x'))).toEqual({ retryState: RetryState.RETRY_STATE_IN_PROGRESS, backoffMs: 3000 });
    tx.info.attempt = 3;
    expect(retryDecision(tx, appFailure('x'))).toEqual({ retryState: RetryState.RETRY_STATE_IN_PROGRESS, backoffMs: 12_000 });
    expect(retryDecision(tx, appFailure('x', 'E', true)).retryState).toBe(RetryState.RETRY_STATE_NON_RETRYABLE_FAILURE);
  });

  it('TIMEOUT when the next attempt would start after the chain’s execution deadline', () => {
    const tx = reopen(newRunAt(T0, { retryPolicy: {}, workflowExecutionTimeout: secs(60) }), at(59.5));
    expect(retryDecision(tx, appFailure('x')).retryState).toBe(RetryState.RETRY_STATE_TIMEOUT);
    expect(retryDecision(reopen(tx, at(58)), appFailure('x')).retryState).toBe(RetryState.RETRY_STATE_IN_PROGRESS);
  });
});

describe('cronBackoff', () => {
  it('undefined without a schedule', () => {
    expect(cronBackoff(reopen(newRunAt(T0), at(5)))).toBeUndefined();
  });

  it('the wait from now to the first scheduled time after this run’s, skipping those already past', () => {
    // Scheduled for T0+60 s (the first minute boundary after T0).
    const run = newRunAt(T0, { cronSchedule: '* * * * *' });
    expect(run.info.executionTime).toEqual(at(60));
    expect(cronBackoff(reopen(run, at(62)))).toBe(58_000);
    expect(cronBackoff(reopen(run, at(185)))).toBe(55_000);
  });
});

describe('startNextRunOfChain', () => {
  const request = {
    input: payloads('in'),
    header: { fields: { h: payloads('x').payloads[0]! } },
    memo: { fields: { m: payloads('memo').payloads[0]! } },
    searchAttributes: { indexedFields: { CustomKeywordField: payloads('kw').payloads[0]! } },
    retryPolicy: { maximumAttempts: 5 },
    workflowRunTimeout: secs(100),
    workflowTaskTimeout: secs(15),
    workflowExecutionTimeout: secs(1000),
    priority: { priorityKey: 2 },
  };

  it('a retry: the first run’s input, header, memo, search attributes, policies and timeouts, the next attempt, after the backoff', () => {
    const tx = reopen(newRunAt(T0, request), at(30));
    tx.info.attempt = 2;
    withClock(at(30), () => startNextRunOfChain(tx, 'run-2', ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_RETRY, 5_000, { failure: appFailure('bad') }));
    const next = tx.continuedRun!;
    expect(next.info).toMatchObject({
      runId: 'run-2',
      firstExecutionRunId: 'run-1',
      attempt: 3,
      workflowRunTimeout: secs(100),
      workflowTaskTimeout: secs(15),
      workflowExecutionExpirationTime: at(1000),
      executionTime: at(35),
      priority: { priorityKey: 2 },
      memo: request.memo,
      searchAttributes: request.searchAttributes,
    });
    expect(startedAttrs(next)).toMatchObject({
      initiator: ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_RETRY,
      attempt: 3,
      input: payloads('in'),
      header: request.header,
      memo: request.memo,
      searchAttributes: request.searchAttributes,
      retryPolicy: { maximumAttempts: 5, initialInterval: secs(1) },
      continuedFailure: { message: 'bad' },
      continuedExecutionRunId: 'run-1',
      firstWorkflowTaskBackoff: secs(5),
    });
    expect(timerTaskOf(next, TimerTaskKind.TIMER_TASK_KIND_WORKFLOW_BACKOFF).fireTime).toEqual(at(35));
    // The run is still open: closing it is the caller's.
    expect(tx.isOpen).toBe(true);
  });

  it('a cron run starts again at attempt 1 and carries the last completion result', () => {
    const tx = reopen(newRunAt(T0, { ...request, cronSchedule: '@every 1m' }), at(70));
    tx.info.attempt = 4;
    withClock(at(70), () => startNextRunOfChain(tx, 'run-2', ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_CRON_SCHEDULE, 50_000, { lastCompletionResult: payloads('r') }));
    const next = tx.continuedRun!;
    expect(next.info).toMatchObject({ attempt: 1, cronSchedule: '@every 1m', lastCompletionResult: payloads('r') });
    expect(startedAttrs(next)).toMatchObject({ initiator: ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_CRON_SCHEDULE, attempt: 1, lastCompletionResult: payloads('r'), firstWorkflowTaskBackoff: secs(50) });
  });
});
