import { describe, expect, it } from 'vitest';
import { ContinueAsNewInitiator, EventType, TaskQueueKind, TimerTaskKind, WorkflowExecutionStatus } from './protos';
import type { RunTransaction } from './runTransaction';
import { eventNames, T0 } from '../../test/runFixtures';
import { at, backoffEnded, eventOf, newRunAt, payloads, secs, signalAt, timerKinds, timerTaskOf, transferKinds } from '../../test/activityFixtures';

const startedAttrs = (run: RunTransaction) => eventOf(run, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED).workflowExecutionStartedEventAttributes!;
const runTimeout = (run: RunTransaction) => timerTaskOf(run, TimerTaskKind.TIMER_TASK_KIND_WORKFLOW_RUN_TIMEOUT).fireTime;
const startSignal = { signalName: 'go', input: payloads('now'), identity: 'client', requestId: 'sws-1' };

describe('newExecution', () => {
  it('writes WorkflowExecutionStarted and the first WorkflowTaskScheduled, and hands that task to matching', () => {
    const run = newRunAt(T0, { input: payloads('in') });
    expect(eventNames(run.newEvents)).toEqual(['WORKFLOW_EXECUTION_STARTED', 'WORKFLOW_TASK_SCHEDULED']);
    expect(run.newEvents.map((e) => [e.eventId, e.eventTime])).toEqual([
      [1, T0],
      [2, T0],
    ]);
    expect(startedAttrs(run)).toMatchObject({
      workflowType: { name: 'Example' },
      taskQueue: { name: 'tq', kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      input: payloads('in'),
      workflowTaskTimeout: secs(10),
      firstWorkflowTaskBackoff: secs(0),
      identity: 'client',
      attempt: 1,
      firstExecutionRunId: 'run-1',
      originalExecutionRunId: 'run-1',
      continuedExecutionRunId: '',
      initiator: ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_UNSPECIFIED,
      workflowId: 'wf-1',
    });
    // Unset timeouts are left out, as Temporal records a started run.
    expect(startedAttrs(run).workflowRunTimeout).toBeUndefined();
    expect(startedAttrs(run).workflowExecutionTimeout).toBeUndefined();
    expect(startedAttrs(run).retryPolicy).toBeUndefined();
    expect(run.newEvents[1]!.workflowTaskScheduledEventAttributes).toEqual({ taskQueue: { name: 'tq', kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL, normalName: '' }, startToCloseTimeout: secs(10), attempt: 1 });
    expect(run.info).toMatchObject({ status: WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING, startTime: T0, executionTime: T0, startRequestId: 'req-1', attempt: 1 });
    expect(run.info.startInput).toBeUndefined();
    expect(run.state.nextEventId).toBe(3);
    expect(run.state.workflowTask).toMatchObject({ scheduledEventId: 2, startedEventId: 0, attempt: 1 });
    expect(transferKinds(run)).toEqual(['WORKFLOW_TASK']);
    expect(run.transferTasks[0]).toMatchObject({ scheduledEventId: 2, attempt: 1, taskQueue: { name: 'tq' } });
    // No run timeout: no timer.
    expect(run.timerTasks).toEqual([]);
  });

  it('defaults and caps the timeouts as Temporal does', () => {
    expect(newRunAt(T0, { workflowTaskTimeout: secs(300) }).info.workflowTaskTimeout).toEqual(secs(120));
    expect(newRunAt(T0, { workflowRunTimeout: secs(5) }).info.workflowTaskTimeout).toEqual(secs(5));
    const byExecution = newRunAt(T0, { workflowExecutionTimeout: secs(60) });
    expect(byExecution.info).toMatchObject({ workflowRunTimeout: secs(60), workflowExecutionTimeout: secs(60), workflowExecutionExpirationTime: at(60), workflowRunExpirationTime: at(60) });
    expect(startedAttrs(byExecution)).toMatchObject({ workflowExecutionTimeout: secs(60), workflowRunTimeout: secs(60), workflowExecutionExpirationTime: at(60) });
    expect(newRunAt(T0, { workflowExecutionTimeout: secs(60), workflowRunTimeout: secs(120) }).info.workflowRunTimeout).toEqual(secs(60));
  });

  it('arms the run timeout at start + run timeout', () => {
    const run = newRunAt(T0, { workflowRunTimeout: secs(90) });
    expect(timerKinds(run)).toEqual(['WORKFLOW_RUN_TIMEOUT']);
    expect(runTimeout(run)).toEqual(at(90));
    expect(run.info.workflowRunExpirationTime).toEqual(at(90));
  });

  it('caps the run timeout at the chain’s execution deadline', () => {
    const run = newRunAt(T0, { workflowRunTimeout: secs(60) }, {
      runId: 'run-2',
      continuation: { continuedExecutionRunId: 'run-1', firstExecutionRunId: 'run-1', initiator: ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_WORKFLOW, backoffMs: 0, workflowExecutionExpirationTime: at(30) },
    });
    expect(runTimeout(run)).toEqual(at(30));
    expect(run.info.workflowExecutionExpirationTime).toEqual(at(30));
  });

  it('records a retry policy with its defaults, and keeps the input for the retries', () => {
    const run = newRunAt(T0, { retryPolicy: { maximumAttempts: 5 }, input: payloads('in') });
    expect(startedAttrs(run).retryPolicy).toEqual({ initialInterval: secs(1), backoffCoefficient: 2, maximumInterval: secs(100), maximumAttempts: 5, nonRetryableErrorTypes: [] });
    expect(run.info.startInput).toEqual(payloads('in'));
  });

  it('a start delay: no workflow task until the backoff timer, the run timeout counted from its end', () => {
    const run = newRunAt(T0, { workflowStartDelay: secs(30), workflowRunTimeout: secs(60) });
    expect(eventNames(run.newEvents)).toEqual(['WORKFLOW_EXECUTION_STARTED']);
    expect(startedAttrs(run).firstWorkflowTaskBackoff).toEqual(secs(30));
    expect(run.transferTasks).toEqual([]);
    expect(run.state.workflowTask).toBeUndefined();
    expect(run.info).toMatchObject({ startTime: T0, executionTime: at(30), workflowRunExpirationTime: at(90) });
    expect(timerTaskOf(run, TimerTaskKind.TIMER_TASK_KIND_WORKFLOW_BACKOFF).fireTime).toEqual(at(30));
    expect(runTimeout(run)).toEqual(at(90));

    // A signal meanwhile waits for the backoff too.
    const signalled = signalAt(run, at(10));
    expect(eventNames(signalled.newEvents)).toEqual(['WORKFLOW_EXECUTION_SIGNALED']);
    expect(signalled.transferTasks).toEqual([]);

    const ended = backoffEnded(signalled, run);
    expect(ended.now).toEqual(at(30));
    expect(eventNames(ended.newEvents)).toEqual(['WORKFLOW_TASK_SCHEDULED']);
    expect(transferKinds(ended)).toEqual(['WORKFLOW_TASK']);
  });

  it('a cron workflow’s first task waits until the schedule’s next time, in whole seconds', () => {
    const run = newRunAt(at(15.5), { cronSchedule: '* * * * *' });
    expect(eventNames(run.newEvents)).toEqual(['WORKFLOW_EXECUTION_STARTED']);
    expect(startedAttrs(run)).toMatchObject({
      cronSchedule: '* * * * *',
      firstWorkflowTaskBackoff: secs(45),
      // Temporal marks even a chain's first run as started by the schedule.
      initiator: ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_CRON_SCHEDULE,
    });
    expect(timerTaskOf(run, TimerTaskKind.TIMER_TASK_KIND_WORKFLOW_BACKOFF).fireTime).toEqual(at(60.5));
  });

  it('signal-with-start: the signal right after WorkflowExecutionStarted, then the first workflow task', () => {
    const run = newRunAt(T0, {}, { signal: startSignal });
    expect(eventNames(run.newEvents)).toEqual(['WORKFLOW_EXECUTION_STARTED', 'WORKFLOW_EXECUTION_SIGNALED', 'WORKFLOW_TASK_SCHEDULED']);
    expect(run.newEvents[1]!.workflowExecutionSignaledEventAttributes).toMatchObject({ signalName: 'go', input: payloads('now'), identity: 'client', requestId: 'sws-1' });
    expect(run.info.signalCount).toBe(1);
    expect(transferKinds(run)).toEqual(['WORKFLOW_TASK']);
    expect(run.transferTasks[0]!.scheduledEventId).toBe(3);
  });

  it('signal-with-start with a start delay: the signal waits with the run', () => {
    const run = newRunAt(T0, { workflowStartDelay: secs(5) }, { signal: startSignal });
    expect(eventNames(run.newEvents)).toEqual(['WORKFLOW_EXECUTION_STARTED', 'WORKFLOW_EXECUTION_SIGNALED']);
    expect(timerKinds(run)).toEqual(['WORKFLOW_BACKOFF']);
    expect(run.transferTasks).toEqual([]);
  });

  it('a child run records its parent, and its run timeout even when unset', () => {
    const parent = { namespace: 'default', namespaceId: 'ns-1', execution: { workflowId: 'p', runId: 'p-run' }, initiatedEventId: 5, rootExecution: { workflowId: 'root', runId: 'root-run' } };
    const run = newRunAt(T0, {}, { parent });
    expect(startedAttrs(run)).toMatchObject({
      parentWorkflowNamespace: 'default',
      parentWorkflowNamespaceId: 'ns-1',
      parentWorkflowExecution: { workflowId: 'p', runId: 'p-run' },
      parentInitiatedEventId: 5,
      rootWorkflowExecution: { workflowId: 'root', runId: 'root-run' },
      workflowRunTimeout: secs(0),
    });
    expect(run.info.parent).toEqual(parent);
  });
});
