import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, durationToMs } from '@kairos/domain';
import { SuggestContinueAsNewReason } from '@kairos/proto/temporal/api/enums/v1/workflow';
import { eventNames, newRun, reopen, runWithStartedWorkflowTask } from '../../test/runFixtures';
import { commands, completeTask, pollTask, runAfterFirstCompletion } from '../../test/workflowTaskFixtures';
import type { RunTransaction } from './runTransaction';
import { appendSignal } from './signals';
import {
  failWorkflowTask,
  scheduleSpeculativeWorkflowTask,
  scheduleWorkflowTask,
  startToCloseTimeoutFor,
  startWorkflowTask,
  timeOutWorkflowTask,
  transientWorkflowTaskEvents,
  workflowTaskTimeoutFired,
} from './workflowTasks';
import {
  Failure,
  TaskQueue,
  TaskQueueKind,
  TimeoutType,
  TimerTask,
  TimerTaskKind,
  TransferTask,
  TransferTaskKind,
  WorkflowTaskFailedCause,
} from './protos';

const AT = new Date('2026-03-01T10:00:00.000Z');
const at = (ms: number) => new Date(AT.getTime() + ms);

const NORMAL = TaskQueue.fromPartial({ name: 'tq', kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL });
const STICKY = TaskQueue.fromPartial({ name: 'sticky-q', kind: TaskQueueKind.TASK_QUEUE_KIND_STICKY, normalName: 'tq' });
const STICKY_ATTRIBUTES = { stickyAttributes: { workerTaskQueue: { name: 'sticky-q' }, scheduleToStartTimeout: { seconds: 5 } } };
const bug = Failure.fromPartial({ message: 'bug' });
const WORKER_FAILURE = WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_WORKFLOW_WORKER_UNHANDLED_FAILURE;

/** The workflow task transfer task the core creates, with the run's ids. */
function workflowTaskTransfer(fields: Partial<TransferTask>): TransferTask {
  return TransferTask.fromPartial({ kind: TransferTaskKind.TRANSFER_TASK_KIND_WORKFLOW_TASK, namespaceId: 'ns-1', workflowId: 'wf-1', runId: 'run-1', ...fields });
}

function workflowTaskTimer(fields: Partial<TimerTask>): TimerTask {
  return TimerTask.fromPartial({ kind: TimerTaskKind.TIMER_TASK_KIND_WORKFLOW_TASK_TIMEOUT, namespaceId: 'ns-1', workflowId: 'wf-1', runId: 'run-1', ...fields });
}

/** A run whose first task completed (events 1–4) and whose second task (scheduled at 5) is started by a worker at AT. */
function runWithSecondTaskStarted(stickyAttributes = {}): RunTransaction {
  const run = reopen(runAfterFirstCompletion([], stickyAttributes), at(-1_000));
  scheduleWorkflowTask(run);
  const started = reopen(run, at(-500));
  pollTask(started, Object.keys(stickyAttributes).length > 0);
  return reopen(started, AT);
}

/** A run whose first task failed at AT: its attempt 2 is scheduled, transient. */
function runWithTransientTask(): RunTransaction {
  const run = reopen(runWithStartedWorkflowTask(), AT);
  failWorkflowTask(run, WORKER_FAILURE, bug, 'worker');
  return reopen(run, at(1_000));
}

describe('scheduleWorkflowTask', () => {
  it('writes WorkflowTaskScheduled and a transfer task to the normal queue', () => {
    const run = reopen(runAfterFirstCompletion(), AT);
    expect(scheduleWorkflowTask(run)).toBe(true);
    expect(eventNames(run.newEvents)).toEqual(['WORKFLOW_TASK_SCHEDULED']);
    const scheduled = run.newEvents[0]!;
    expect(scheduled.eventId).toBe(5);
    expect(scheduled.eventTime).toEqual(AT);
    expect(scheduled.workflowTaskScheduledEventAttributes).toEqual(
      expect.objectContaining({ taskQueue: NORMAL, startToCloseTimeout: { seconds: 10, nanos: 0 }, attempt: 1 }),
    );
    expect(run.transferTasks).toEqual([workflowTaskTransfer({ scheduledEventId: 5, taskQueue: NORMAL, attempt: 1 })]);
    expect(run.timerTasks).toEqual([]);
    expect(run.state.workflowTask).toMatchObject({ scheduledEventId: 5, startedEventId: 0, attempt: 1, transient: false, speculative: false, stamp: 2, scheduledTime: AT });
  });

  it('sends a sticky run’s task to its sticky queue with a schedule-to-start timer', () => {
    const run = reopen(runAfterFirstCompletion([], STICKY_ATTRIBUTES), AT);
    expect(scheduleWorkflowTask(run)).toBe(true);
    expect(run.newEvents[0]!.workflowTaskScheduledEventAttributes?.taskQueue).toEqual(STICKY);
    expect(run.transferTasks).toEqual([workflowTaskTransfer({ scheduledEventId: 5, taskQueue: STICKY, attempt: 1, scheduleToStartTimeout: { seconds: 5, nanos: 0 } })]);
    expect(run.timerTasks).toEqual([
      workflowTaskTimer({ fireTime: at(5_000), eventId: 5, attempt: 1, timeoutType: TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START, workflowTaskStamp: 2 }),
    ]);
  });

  it('does nothing while a task is scheduled or started, or once the run is closed', () => {
    const scheduled = reopen(newRun(), AT);
    const started = reopen(runWithStartedWorkflowTask(), AT);
    const closed = reopen(runAfterFirstCompletion([commands.complete()]), AT);
    for (const run of [scheduled, started, closed]) {
      const nextEventId = run.state.nextEventId;
      expect(scheduleWorkflowTask(run)).toBe(false);
      expect(run.newEvents).toEqual([]);
      expect(run.transferTasks).toEqual([]);
      expect(run.state.nextEventId).toBe(nextEventId);
    }
  });

  it('waits out a first-task backoff unless told it ended', () => {
    const delayed = newRun({ workflowStartDelay: { seconds: 60 } });
    expect(eventNames(delayed.newEvents)).toEqual(['WORKFLOW_EXECUTION_STARTED']);
    const run = reopen(delayed, AT);
    expect(scheduleWorkflowTask(run)).toBe(false);
    expect(run.state.workflowTask).toBeUndefined();
    expect(scheduleWorkflowTask(run, { backoffEnded: true })).toBe(true);
    expect(eventNames(run.newEvents)).toEqual(['WORKFLOW_TASK_SCHEDULED']);
    expect(run.transferTasks).toHaveLength(1);
  });
});

describe('startWorkflowTask', () => {
  it('writes WorkflowTaskStarted wired to its scheduled event and arms the start-to-close timer', () => {
    const run = reopen(newRun({ workflowTaskTimeout: { seconds: 3 } }), AT);
    startWorkflowTask(run, 'req-9', 'worker-a', { buildId: 'b1', useVersioning: false });
    expect(eventNames(run.newEvents)).toEqual(['WORKFLOW_TASK_STARTED']);
    const started = run.newEvents[0]!;
    expect(started.eventId).toBe(3);
    expect(started.workflowTaskStartedEventAttributes).toEqual(
      expect.objectContaining({ scheduledEventId: 2, identity: 'worker-a', requestId: 'req-9', suggestContinueAsNew: false, suggestContinueAsNewReasons: [], historySizeBytes: 0 }),
    );
    expect(started.workflowTaskStartedEventAttributes?.workerVersion?.buildId).toBe('b1');
    expect(run.timerTasks).toEqual([
      workflowTaskTimer({ fireTime: at(3_000), eventId: 2, attempt: 1, timeoutType: TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE, workflowTaskStamp: 1 }),
    ]);
    expect(run.state.workflowTask).toMatchObject({ scheduledEventId: 2, startedEventId: 3, startedTime: AT, requestId: 'req-9', identity: 'worker-a' });
    expect(run.transferTasks).toEqual([]);
  });

  it('suggests continue-as-new from the history size and the event count (next event id, as Temporal counts)', () => {
    const limits = { ...DEFAULT_LIMITS, historySizeSuggestContinueAsNew: 1_000, historyCountSuggestContinueAsNew: 3 };
    const run = reopen(newRun(), AT, limits);
    run.info.historySizeBytes = 1_000;
    startWorkflowTask(run, 'req', 'worker');
    expect(run.newEvents[0]!.workflowTaskStartedEventAttributes).toEqual(
      expect.objectContaining({
        historySizeBytes: 1_000,
        suggestContinueAsNew: true,
        suggestContinueAsNewReasons: [
          SuggestContinueAsNewReason.SUGGEST_CONTINUE_AS_NEW_REASON_HISTORY_SIZE_TOO_LARGE,
          SuggestContinueAsNewReason.SUGGEST_CONTINUE_AS_NEW_REASON_TOO_MANY_HISTORY_EVENTS,
        ],
      }),
    );

    const below = reopen(newRun(), AT, { ...limits, historyCountSuggestContinueAsNew: 4 });
    below.info.historySizeBytes = 999;
    startWorkflowTask(below, 'req', 'worker');
    expect(below.newEvents[0]!.workflowTaskStartedEventAttributes).toEqual(expect.objectContaining({ suggestContinueAsNew: false, suggestContinueAsNewReasons: [] }));
  });
});

describe('failWorkflowTask', () => {
  it('writes WorkflowTaskFailed and schedules attempt 2 as a transient task: no event', () => {
    const run = reopen(runWithStartedWorkflowTask(), AT);
    failWorkflowTask(run, WORKER_FAILURE, bug, 'worker', { binaryChecksum: 'bin-1' });
    expect(eventNames(run.newEvents)).toEqual(['WORKFLOW_TASK_FAILED']);
    expect(run.newEvents[0]!.eventId).toBe(4);
    expect(run.newEvents[0]!.workflowTaskFailedEventAttributes).toEqual(
      expect.objectContaining({ scheduledEventId: 2, startedEventId: 3, cause: WORKER_FAILURE, identity: 'worker', binaryChecksum: 'bin-1', failure: expect.objectContaining({ message: 'bug' }) }),
    );
    expect(run.info.workflowTaskAttempt).toBe(2);
    expect(run.state.nextEventId).toBe(5);
    expect(run.state.workflowTask).toMatchObject({ scheduledEventId: 5, startedEventId: 0, attempt: 2, transient: true, speculative: false, taskQueue: NORMAL });
    expect(run.transferTasks).toEqual([workflowTaskTransfer({ scheduledEventId: 5, taskQueue: NORMAL, attempt: 2 })]);
  });

  it('starts a transient attempt without events, and shows them to the worker', () => {
    const run = runWithTransientTask();
    startWorkflowTask(run, 'req-2', 'worker');
    expect(run.newEvents).toEqual([]);
    expect(run.state.workflowTask).toMatchObject({ scheduledEventId: 5, startedEventId: 6, attempt: 2, transient: true });
    expect(run.timerTasks).toEqual([
      workflowTaskTimer({ fireTime: at(11_000), eventId: 5, attempt: 2, timeoutType: TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE, workflowTaskStamp: 2 }),
    ]);
    const shown = transientWorkflowTaskEvents(run);
    expect(eventNames(shown)).toEqual(['WORKFLOW_TASK_SCHEDULED', 'WORKFLOW_TASK_STARTED']);
    expect(shown.map((e) => [e.eventId, e.eventTime])).toEqual([
      [5, AT],
      [6, at(1_000)],
    ]);
    expect(shown[0]!.workflowTaskScheduledEventAttributes).toEqual(expect.objectContaining({ attempt: 2, taskQueue: NORMAL }));
    expect(shown[1]!.workflowTaskStartedEventAttributes).toEqual(expect.objectContaining({ scheduledEventId: 5, identity: 'worker', requestId: 'req-2' }));
  });

  it('a failing transient attempt writes nothing and schedules the next attempt', () => {
    const run = runWithTransientTask();
    startWorkflowTask(run, 'req-2', 'worker');
    const again = reopen(run, at(2_000));
    failWorkflowTask(again, WORKER_FAILURE, bug, 'worker');
    expect(again.newEvents).toEqual([]);
    expect(again.state.nextEventId).toBe(5);
    expect(again.info.workflowTaskAttempt).toBe(3);
    expect(again.state.workflowTask).toMatchObject({ scheduledEventId: 5, startedEventId: 0, attempt: 3, transient: true });
    expect(again.transferTasks).toEqual([workflowTaskTransfer({ scheduledEventId: 5, taskQueue: NORMAL, attempt: 3 })]);
  });

  it('from attempt 4 on, a failing task gets more time: 5 s doubling on top of its timeout, jittered by up to -20 %, as Temporal', () => {
    let run = runWithTransientTask();
    const timeouts: number[] = [];
    for (let attempt = 2; attempt <= 6; attempt++) {
      expect(run.state.workflowTask!.attempt).toBe(attempt);
      timeouts.push(durationToMs(run.state.workflowTask!.startToCloseTimeout));
      startWorkflowTask(run, `req-${attempt}`, 'worker');
      run = reopen(run, at(attempt * 60_000));
      failWorkflowTask(run, WORKER_FAILURE, bug, 'worker');
    }
    // Attempts 2 and 3 keep the 10 s timeout; 4, 5, 6 add 4–5 s, 8–10 s, 16–20 s.
    expect(timeouts.slice(0, 2)).toEqual([10_000, 10_000]);
    for (const [i, [low, high]] of [[14_000, 15_000], [18_000, 20_000], [26_000, 30_000]].entries()) {
      expect(timeouts[i + 2]).toBeGreaterThanOrEqual(low!);
      expect(timeouts[i + 2]).toBeLessThan(high!);
    }
    expect(durationToMs(startToCloseTimeoutFor({ seconds: 1, nanos: 0 }, 40))).toBeLessThanOrEqual(601_000);
  });

  it('a transient attempt that completes writes its Scheduled and Started events, with their times, before WorkflowTaskCompleted', () => {
    const run = runWithTransientTask();
    startWorkflowTask(run, 'req-2', 'worker');
    const completing = reopen(run, at(2_000));
    completeTask(completing, [commands.startTimer('t1')]);
    expect(eventNames(completing.newEvents)).toEqual(['WORKFLOW_TASK_SCHEDULED', 'WORKFLOW_TASK_STARTED', 'WORKFLOW_TASK_COMPLETED', 'TIMER_STARTED']);
    const [scheduled, started, completed, timer] = completing.newEvents;
    expect([scheduled!.eventId, started!.eventId, completed!.eventId, timer!.eventId]).toEqual([5, 6, 7, 8]);
    expect([scheduled!.eventTime, started!.eventTime, completed!.eventTime]).toEqual([AT, at(1_000), at(2_000)]);
    expect(scheduled!.workflowTaskScheduledEventAttributes?.attempt).toBe(2);
    expect(started!.workflowTaskStartedEventAttributes?.scheduledEventId).toBe(5);
    expect(completed!.workflowTaskCompletedEventAttributes).toEqual(expect.objectContaining({ scheduledEventId: 5, startedEventId: 6 }));
    expect(timer!.timerStartedEventAttributes?.workflowTaskCompletedEventId).toBe(7);
    expect(completing.info.workflowTaskAttempt).toBe(1);
    expect(completing.info.lastCompletedWorkflowTaskStartedEventId).toBe(6);
  });

  it('a transient task becomes a normal one (attempt 1, events written) when events arrived before it starts', () => {
    const run = runWithTransientTask();
    appendSignal(run, { signalName: 'go', identity: 'client', requestId: 'sig-1' });
    expect(eventNames(run.newEvents)).toEqual(['WORKFLOW_EXECUTION_SIGNALED']);
    const starting = reopen(run, at(2_000));
    startWorkflowTask(starting, 'req-2', 'worker');
    expect(eventNames(starting.newEvents)).toEqual(['WORKFLOW_TASK_SCHEDULED', 'WORKFLOW_TASK_STARTED']);
    expect(starting.newEvents.map((e) => e.eventId)).toEqual([6, 7]);
    expect(starting.newEvents[0]!.workflowTaskScheduledEventAttributes).toEqual(expect.objectContaining({ attempt: 1, taskQueue: NORMAL }));
    expect(starting.newEvents[1]!.workflowTaskStartedEventAttributes?.scheduledEventId).toBe(6);
    expect(starting.state.workflowTask).toMatchObject({ scheduledEventId: 6, startedEventId: 7, attempt: 1, transient: false });
    expect(starting.info.workflowTaskAttempt).toBe(1);
    expect(starting.timerTasks[0]).toMatchObject({ eventId: 6, attempt: 1 });
  });

  it('events buffered during a failing transient attempt make the next task a normal one', () => {
    const run = runWithTransientTask();
    startWorkflowTask(run, 'req-2', 'worker');
    const signaled = reopen(run, at(2_000));
    appendSignal(signaled, { signalName: 'go', identity: 'client', requestId: 'sig-1' });
    expect(signaled.newEvents).toEqual([]);
    expect(signaled.state.bufferedEvents).toHaveLength(1);
    const failing = reopen(signaled, at(3_000));
    failWorkflowTask(failing, WORKER_FAILURE, undefined, 'worker');
    expect(eventNames(failing.newEvents)).toEqual(['WORKFLOW_EXECUTION_SIGNALED', 'WORKFLOW_TASK_SCHEDULED']);
    expect(failing.newEvents.map((e) => e.eventId)).toEqual([5, 6]);
    expect(failing.newEvents[1]!.workflowTaskScheduledEventAttributes?.attempt).toBe(1);
    expect(failing.info.workflowTaskAttempt).toBe(1);
    expect(failing.state.workflowTask).toMatchObject({ scheduledEventId: 6, attempt: 1, transient: false });
  });

  it('a failure on the sticky queue clears stickiness and retries at attempt 1 on the normal queue', () => {
    const run = runWithSecondTaskStarted(STICKY_ATTRIBUTES);
    expect(run.info.stickyTaskQueue).toBe('sticky-q');
    failWorkflowTask(run, WORKER_FAILURE, Failure.fromPartial({ message: 'cache lost' }), 'worker');
    expect(eventNames(run.newEvents)).toEqual(['WORKFLOW_TASK_FAILED', 'WORKFLOW_TASK_SCHEDULED']);
    expect(run.newEvents[0]!.workflowTaskFailedEventAttributes).toEqual(expect.objectContaining({ scheduledEventId: 5, startedEventId: 6 }));
    expect(run.newEvents[1]!.workflowTaskScheduledEventAttributes).toEqual(expect.objectContaining({ attempt: 1, taskQueue: NORMAL }));
    expect(run.info.stickyTaskQueue).toBe('');
    expect(run.info.stickyScheduleToStartTimeout).toBeUndefined();
    expect(run.info.workflowTaskAttempt).toBe(1);
    expect(run.transferTasks).toEqual([workflowTaskTransfer({ scheduledEventId: 8, taskQueue: NORMAL, attempt: 1 })]);
    expect(run.timerTasks).toEqual([]);
  });

  it('with scheduleNext false leaves no task behind', () => {
    const run = reopen(runWithStartedWorkflowTask(), AT);
    failWorkflowTask(run, WORKER_FAILURE, undefined, 'worker', { scheduleNext: false });
    expect(eventNames(run.newEvents)).toEqual(['WORKFLOW_TASK_FAILED']);
    expect(run.state.workflowTask).toBeUndefined();
    expect(run.transferTasks).toEqual([]);
  });
});

describe('workflow task timeouts', () => {
  it('start-to-close: WorkflowTaskTimedOut and attempt 2, transient', () => {
    const starting = reopen(newRun(), AT);
    startWorkflowTask(starting, 'req', 'worker');
    const timer = starting.timerTasks[0]!;
    const run = reopen(starting, timer.fireTime!);
    expect(workflowTaskTimeoutFired(run, timer)).toBe(true);
    expect(eventNames(run.newEvents)).toEqual(['WORKFLOW_TASK_TIMED_OUT']);
    expect(run.newEvents[0]!.workflowTaskTimedOutEventAttributes).toEqual(
      expect.objectContaining({ scheduledEventId: 2, startedEventId: 3, timeoutType: TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE }),
    );
    expect(run.info.workflowTaskAttempt).toBe(2);
    expect(run.state.workflowTask).toMatchObject({ scheduledEventId: 5, attempt: 2, transient: true });
    expect(run.transferTasks).toEqual([workflowTaskTransfer({ scheduledEventId: 5, taskQueue: NORMAL, attempt: 2 })]);
  });

  it('sticky schedule-to-start: WorkflowTaskTimedOut with no started id, the task moves to the normal queue without a new attempt', () => {
    const scheduling = reopen(runAfterFirstCompletion([], STICKY_ATTRIBUTES), AT);
    scheduleWorkflowTask(scheduling);
    const timer = scheduling.timerTasks[0]!;
    const run = reopen(scheduling, timer.fireTime!);
    expect(workflowTaskTimeoutFired(run, timer)).toBe(true);
    expect(eventNames(run.newEvents)).toEqual(['WORKFLOW_TASK_TIMED_OUT', 'WORKFLOW_TASK_SCHEDULED']);
    expect(run.newEvents[0]!.workflowTaskTimedOutEventAttributes).toEqual(
      expect.objectContaining({ scheduledEventId: 5, startedEventId: 0, timeoutType: TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START }),
    );
    expect(run.newEvents[1]!.workflowTaskScheduledEventAttributes).toEqual(expect.objectContaining({ attempt: 1, taskQueue: NORMAL }));
    expect(run.info.stickyTaskQueue).toBe('');
    expect(run.info.workflowTaskAttempt).toBe(1);
    expect(run.transferTasks).toEqual([workflowTaskTransfer({ scheduledEventId: 7, taskQueue: NORMAL, attempt: 1 })]);
    expect(run.timerTasks).toEqual([]);
  });

  it('a schedule-to-start timeout never costs an attempt', () => {
    const run = runWithTransientTask();
    timeOutWorkflowTask(run, TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START);
    expect(run.newEvents).toEqual([]);
    expect(run.info.workflowTaskAttempt).toBe(2);
    expect(run.state.workflowTask).toMatchObject({ scheduledEventId: 5, attempt: 2, transient: true });
  });

  describe('workflowTaskTimeoutFired ignores a stale timer', () => {
    function startedRun() {
      const starting = reopen(newRun(), AT);
      startWorkflowTask(starting, 'req', 'worker');
      return { run: reopen(starting, at(10_000)), timer: starting.timerTasks[0]! };
    }

    it.each([
      ['another attempt', { attempt: 2 }],
      ['another scheduled event', { eventId: 7 }],
      ['another stamp (an earlier task with the same ids)', { workflowTaskStamp: 9 }],
      ['schedule-to-start for a started task', { timeoutType: TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START }],
    ])('%s', (_name, change) => {
      const { run, timer } = startedRun();
      expect(workflowTaskTimeoutFired(run, { ...timer, ...change })).toBe(false);
      expect(run.newEvents).toEqual([]);
      expect(run.state.workflowTask).toMatchObject({ scheduledEventId: 2, startedEventId: 3, attempt: 1 });
    });

    it('start-to-close for a task not started, and a timer when no task is pending', () => {
      const scheduled = reopen(newRun(), AT);
      const timer = workflowTaskTimer({ eventId: 2, attempt: 1, timeoutType: TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE, workflowTaskStamp: 1 });
      expect(workflowTaskTimeoutFired(scheduled, timer)).toBe(false);
      expect(scheduled.newEvents).toEqual([]);
      const idle = reopen(runAfterFirstCompletion(), AT);
      expect(workflowTaskTimeoutFired(idle, timer)).toBe(false);
      expect(idle.newEvents).toEqual([]);
    });

    it('a timer without a stamp (written before stamps existed) still applies', () => {
      const { run, timer } = startedRun();
      expect(workflowTaskTimeoutFired(run, { ...timer, workflowTaskStamp: 0 })).toBe(true);
      expect(eventNames(run.newEvents)).toEqual(['WORKFLOW_TASK_TIMED_OUT']);
    });
  });
});

describe('speculative workflow tasks', () => {
  it('are scheduled without an event', () => {
    const run = reopen(runAfterFirstCompletion(), AT);
    expect(scheduleSpeculativeWorkflowTask(run)).toBe(true);
    expect(run.newEvents).toEqual([]);
    expect(run.state.nextEventId).toBe(5);
    expect(run.state.workflowTask).toMatchObject({ scheduledEventId: 5, startedEventId: 0, attempt: 1, speculative: true, transient: false, stamp: 2 });
    expect(run.transferTasks).toEqual([workflowTaskTransfer({ scheduledEventId: 5, taskQueue: NORMAL, attempt: 1 })]);
  });

  it('are not scheduled while a task is pending or once the run is closed', () => {
    const runs = [reopen(newRun(), AT), reopen(runWithStartedWorkflowTask(), AT), reopen(runAfterFirstCompletion([commands.complete()]), AT)];
    for (const run of runs) {
      const before = run.state.workflowTask;
      expect(scheduleSpeculativeWorkflowTask(run)).toBe(false);
      expect(run.transferTasks).toEqual([]);
      expect(run.state.workflowTask).toEqual(before);
    }
  });

  it('are scheduled during a first-task backoff: an update does not wait for a start delay, as on Temporal', () => {
    const run = reopen(newRun({ workflowStartDelay: { seconds: 60 } }), AT);
    expect(scheduleSpeculativeWorkflowTask(run)).toBe(true);
    expect(run.state.workflowTask).toMatchObject({ scheduledEventId: 2, speculative: true });
  });

  it('start without events when nothing was written meanwhile, and show theirs to the worker', () => {
    const run = reopen(runAfterFirstCompletion([], STICKY_ATTRIBUTES), AT);
    scheduleSpeculativeWorkflowTask(run);
    const starting = reopen(run, at(1_000));
    pollTask(starting, true);
    expect(starting.newEvents).toEqual([]);
    expect(starting.state.workflowTask).toMatchObject({ scheduledEventId: 5, startedEventId: 6, speculative: true });
    const shown = transientWorkflowTaskEvents(starting);
    expect(shown.map((e) => e.eventId)).toEqual([5, 6]);
    // Unlike a transient task, a speculative one names the queue it was sent to.
    expect(shown[0]!.workflowTaskScheduledEventAttributes).toEqual(expect.objectContaining({ taskQueue: STICKY, attempt: 1 }));
  });

  it('become normal tasks when events were written before they start', () => {
    const run = reopen(runAfterFirstCompletion(), AT);
    scheduleSpeculativeWorkflowTask(run);
    const signaled = reopen(run, at(1_000));
    appendSignal(signaled, { signalName: 'go', identity: 'client', requestId: 'sig-1' });
    expect(signaled.newEvents.map((e) => e.eventId)).toEqual([5]);
    const starting = reopen(signaled, at(2_000));
    startWorkflowTask(starting, 'req', 'worker');
    expect(eventNames(starting.newEvents)).toEqual(['WORKFLOW_TASK_SCHEDULED', 'WORKFLOW_TASK_STARTED']);
    expect(starting.newEvents.map((e) => e.eventId)).toEqual([6, 7]);
    expect(starting.state.workflowTask).toMatchObject({ scheduledEventId: 6, startedEventId: 7, speculative: false });
    expect(transientWorkflowTaskEvents(starting)).toEqual([]);
  });

  it('a failing one is written (Scheduled, Started, Failed) and the next attempt is transient', () => {
    const run = reopen(runAfterFirstCompletion(), AT);
    scheduleSpeculativeWorkflowTask(run);
    const starting = reopen(run, at(1_000));
    startWorkflowTask(starting, 'req', 'worker');
    const failing = reopen(starting, at(2_000));
    failWorkflowTask(failing, WORKER_FAILURE, undefined, 'worker');
    expect(eventNames(failing.newEvents)).toEqual(['WORKFLOW_TASK_SCHEDULED', 'WORKFLOW_TASK_STARTED', 'WORKFLOW_TASK_FAILED']);
    expect(failing.newEvents.map((e) => [e.eventId, e.eventTime])).toEqual([
      [5, AT],
      [6, at(1_000)],
      [7, at(2_000)],
    ]);
    expect(failing.newEvents[2]!.workflowTaskFailedEventAttributes).toEqual(expect.objectContaining({ scheduledEventId: 5, startedEventId: 6 }));
    expect(failing.state.workflowTask).toMatchObject({ scheduledEventId: 8, attempt: 2, transient: true, speculative: false });
  });

  it('a timed-out one is written before WorkflowTaskTimedOut', () => {
    const run = reopen(runAfterFirstCompletion(), AT);
    scheduleSpeculativeWorkflowTask(run);
    const starting = reopen(run, at(1_000));
    startWorkflowTask(starting, 'req', 'worker');
    const timer = starting.timerTasks[0]!;
    const timingOut = reopen(starting, timer.fireTime!);
    expect(workflowTaskTimeoutFired(timingOut, timer)).toBe(true);
    expect(eventNames(timingOut.newEvents)).toEqual(['WORKFLOW_TASK_SCHEDULED', 'WORKFLOW_TASK_STARTED', 'WORKFLOW_TASK_TIMED_OUT']);
    expect(timingOut.newEvents[2]!.workflowTaskTimedOutEventAttributes).toEqual(
      expect.objectContaining({ scheduledEventId: 5, startedEventId: 6, timeoutType: TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE }),
    );
  });

  it('one that times out on its sticky queue before starting writes its Scheduled event only', () => {
    const run = reopen(runAfterFirstCompletion([], STICKY_ATTRIBUTES), AT);
    scheduleSpeculativeWorkflowTask(run);
    const timer = run.timerTasks[0]!;
    expect(timer).toMatchObject({ eventId: 5, timeoutType: TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START });
    const timingOut = reopen(run, timer.fireTime!);
    expect(workflowTaskTimeoutFired(timingOut, timer)).toBe(true);
    expect(eventNames(timingOut.newEvents)).toEqual(['WORKFLOW_TASK_SCHEDULED', 'WORKFLOW_TASK_TIMED_OUT', 'WORKFLOW_TASK_SCHEDULED']);
    expect(timingOut.newEvents[0]!.workflowTaskScheduledEventAttributes?.taskQueue).toEqual(STICKY);
    expect(timingOut.newEvents[1]!.workflowTaskTimedOutEventAttributes).toEqual(expect.objectContaining({ scheduledEventId: 5, startedEventId: 0 }));
    expect(timingOut.newEvents[2]!.workflowTaskScheduledEventAttributes).toEqual(expect.objectContaining({ taskQueue: NORMAL, attempt: 1 }));
  });
});

describe('transientWorkflowTaskEvents', () => {
  it('is empty for a normal task and for an unwritten task not started yet', () => {
    expect(transientWorkflowTaskEvents(reopen(runWithStartedWorkflowTask(), AT))).toEqual([]);
    expect(transientWorkflowTaskEvents(runWithTransientTask())).toEqual([]);
    expect(transientWorkflowTaskEvents(reopen(runAfterFirstCompletion(), AT))).toEqual([]);
  });
});
