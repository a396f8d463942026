import { temporal } from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { useOracleServers, type Scenario, type ServerRun } from '../src/harness/oracle';
import { cmd, errorShape, GrpcCode, payload, rawWorker, rejectionOf, updateRequests, type RawWorker } from '../src/harness/rawWorker';

/*
 * What the server decides on its own while it applies a completion or closes a run, with raw
 * gRPC workers sending exact commands, compared event by event with the real Temporal dev server.
 */

const { UpdateWorkflowExecutionLifecycleStage } = temporal.api.enums.v1;

async function using<T>(w: RawWorker, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } finally {
    await w.connection.close();
  }
}

function types(run: ServerRun): string[] {
  return Object.values(run.histories)[0]!.map((e) => String(e.eventType).replace(/^EVENT_TYPE_/, ''));
}

/**
 * A scheduled activity nobody polls is cancelled by the next task's RequestCancelActivityTask,
 * followed by StartTimer or CompleteWorkflowExecution. Temporal cancels it at once, but its
 * ActivityTaskCanceled is buffered: written after all the commands' events (and after events
 * buffered while the task ran), just before the next WorkflowTaskScheduled; a closing command
 * drops it, and no workflow task is scheduled.
 */
const cancelNeverStarted = (then: 'timer' | 'complete'): Scenario => async (address, { suffix }) => {
  const w = await rawWorker(address, { name: `cancel-unstarted-${then}`, suffix });
  return using(w, async () => {
    const first = await w.mustPoll();
    await w.complete(first, [cmd.scheduleActivity('a1', `nobody-polls-${suffix}`)]); // ActivityTaskScheduled is event 5
    await w.signal('go');
    const second = await w.mustPoll();
    // With the timer, a signal comes while the task runs (buffered): it is written before the Canceled event.
    if (then === 'timer') await w.signal('meanwhile');
    await w.complete(second, [cmd.requestCancelActivity(5), then === 'timer' ? cmd.startTimer('t1', 3600) : cmd.completeWorkflow()]);
    const tasks = [first, second];
    if (then === 'timer') {
      const third = await w.mustPoll();
      tasks.push(third);
      await w.complete(third, [cmd.completeWorkflow()]);
    }
    return { outcome: { tasks: tasks.map(w.shape), status: await w.closedStatus() }, workflowIds: [w.workflowId] };
  });
};

/**
 * The server closes a run while its workflow task is started and a signal came in meanwhile (so
 * it is buffered): Temporal fails the task (no event for a transient one), writes the buffered
 * signal, then the closing event.
 */
const closedWithBufferedSignal = (how: 'terminate' | 'terminate-transient' | 'run-timeout' | 'refused-too-big'): Scenario => async (address, { suffix }) => {
  const w = await rawWorker(address, { name: `buffered-${how}`, suffix, workflowRunTimeoutSeconds: how === 'run-timeout' ? 2 : undefined });
  return using(w, async () => {
    const outcome: Record<string, unknown> = {};
    let task = await w.mustPoll();
    if (how === 'terminate-transient') {
      await w.fail(task);
      task = await w.mustPoll(); // attempt 2: its events are not written
      outcome.attempt = task.attempt;
    }
    await w.signal('arrived-meanwhile');
    if (how === 'terminate' || how === 'terminate-transient') await w.terminate('stop');
    if (how === 'refused-too-big') {
      // Past the 2 MiB blob limit: the completion is refused and the run terminated.
      outcome.completion = await errorShape(w.complete(task, [cmd.scheduleActivity('big', `nobody-polls-${suffix}`, payload('x'.repeat(2 * 1024 * 1024 + 1000)))]));
    }
    outcome.status = await w.closedStatus();
    return { outcome, workflowIds: [w.workflowId] };
  });
};

/**
 * A speculative task that only delivers an update the worker rejects leaves no trace; with no
 * other update waiting Temporal schedules no further task: the next poll finds nothing until a
 * signal comes.
 */
const rejectedUpdateThenQuiet: Scenario = async (address, { suffix }) => {
  const w = await rawWorker(address, { name: 'rejected-update', suffix });
  return using(w, async () => {
    const first = await w.mustPoll();
    // No commands: nothing follows WorkflowTaskCompleted, so Temporal may discard the speculative
    // task (with events after it, a worker without the discard capability gets it written).
    await w.complete(first, []);
    const update = w.connection.withDeadline(Date.now() + 30_000, () =>
      w.service.updateWorkflowExecution({
        namespace: w.namespace,
        workflowExecution: w.execution,
        waitPolicy: { lifecycleStage: UpdateWorkflowExecutionLifecycleStage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ACCEPTED },
        request: { meta: { updateId: `u-${suffix}`, identity: 'raw-client' }, input: { name: 'setValue', args: { payloads: [payload(1)] } } },
      }),
    );
    const speculative = await w.mustPoll();
    const [request] = updateRequests(speculative);
    const response = await w.complete(speculative, [], [rejectionOf(request!, 'not now')]);
    const updated = await update;
    const afterRejection = await w.poll(5_000);
    await w.signal('go');
    const afterSignal = await w.mustPoll();
    await w.complete(afterSignal, [cmd.completeWorkflow()]);
    return {
      outcome: {
        tasks: [first, speculative, afterRejection, afterSignal].map(w.shape),
        resetHistoryEventId: Number(response.resetHistoryEventId ?? 0),
        update: { stage: updated.stage, failure: updated.outcome?.failure?.message },
        status: await w.closedStatus(),
      },
      workflowIds: [w.workflowId],
    };
  });
};

/**
 * A closing command that is not the last command: Temporal answers INVALID_ARGUMENT naming the
 * sequence, writes nothing (also with a signal buffered, which would otherwise make the task fail
 * with UNHANDLED_COMMAND) and leaves the task to time out; a command of no known type likewise.
 */
const closingCommandNotLast: Scenario = async (address, { suffix }) => {
  const w = await rawWorker(address, { name: 'closing-not-last', suffix, workflowTaskTimeoutSeconds: 2 });
  return using(w, async () => {
    const first = await w.mustPoll();
    const refused = await errorShape(w.complete(first, [cmd.completeWorkflow(), cmd.startTimer('t1', 1)]));
    await w.signal('arrived-meanwhile');
    const refusedWithBuffered = await errorShape(w.complete(first, [cmd.startTimer('t1', 1), cmd.completeWorkflow(), cmd.startTimer('t2', 1)]));
    // A command of no known type is refused by the same check.
    const unknownType = await errorShape(w.complete(first, [cmd.startTimer('t1', 1), { commandType: 0 }]));
    const afterTimeout = await w.mustPoll();
    await w.complete(afterTimeout, [cmd.completeWorkflow()]);
    return {
      outcome: { refused, refusedWithBuffered, unknownType, tasks: [first, afterTimeout].map(w.shape), status: await w.closedStatus() },
      workflowIds: [w.workflowId],
    };
  });
};

/**
 * While a workflow task runs, an activity completes and then a signal comes: both are buffered.
 * Temporal flushes the buffer with the events closing activities and children last, so the
 * signal goes between ActivityTaskStarted and ActivityTaskCompleted.
 */
const bufferFlushOrder: Scenario = async (address, { suffix }) => {
  const w = await rawWorker(address, { name: 'flush-order', suffix });
  return using(w, async () => {
    const activities = `activities-${suffix}`;
    const first = await w.mustPoll();
    await w.complete(first, [cmd.scheduleActivity('a1', activities)]);
    await w.signal('go');
    const second = await w.mustPoll();
    await w.completeActivity(await w.pollActivity(activities), 'done');
    await w.signal('meanwhile');
    await w.complete(second, []);
    const third = await w.mustPoll();
    await w.complete(third, [cmd.completeWorkflow()]);
    return { outcome: { tasks: [first, second, third].map(w.shape), status: await w.closedStatus() }, workflowIds: [w.workflowId] };
  });
};

/**
 * A speculative task that ships events (a TimerStarted after the last WorkflowTaskCompleted) and
 * only rejects its update: Temporal writes it like any other task unless the worker says it
 * copes with receiving those events again (capabilities.discardSpeculativeWorkflowTaskWithEvents).
 */
const rejectedUpdateAfterEvents = (capable: boolean): Scenario => async (address, { suffix }) => {
  const w = await rawWorker(address, { name: `rejected-after-events-${capable ? 'capable' : 'plain'}`, suffix });
  return using(w, async () => {
    const first = await w.mustPoll();
    await w.complete(first, [cmd.startTimer('wait', 3600)]);
    const update = w.connection.withDeadline(Date.now() + 30_000, () =>
      w.service.updateWorkflowExecution({
        namespace: w.namespace,
        workflowExecution: w.execution,
        waitPolicy: { lifecycleStage: UpdateWorkflowExecutionLifecycleStage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ACCEPTED },
        request: { meta: { updateId: `u-${suffix}`, identity: 'raw-client' }, input: { name: 'setValue', args: { payloads: [payload(1)] } } },
      }),
    );
    const speculative = await w.mustPoll();
    const [request] = updateRequests(speculative);
    const capabilities = capable ? { capabilities: { discardSpeculativeWorkflowTaskWithEvents: true } } : {};
    const response = await w.complete(speculative, [], [rejectionOf(request!, 'not now')], capabilities);
    const updated = await update;
    await w.terminate('done');
    return {
      outcome: {
        tasks: [first, speculative].map(w.shape),
        resetHistoryEventId: Number(response.resetHistoryEventId ?? 0),
        update: updated.outcome?.failure?.message,
      },
      workflowIds: [w.workflowId],
    };
  });
};

describe('decisions the server takes itself, compared with the real Temporal dev server', () => {
  const servers = useOracleServers();

  it('a never-started activity cancelled before StartTimer: its Canceled event and the next workflow task come after all the commands', async () => {
    const run = await servers.compare(cancelNeverStarted('timer'));
    expect(types(run).slice(8, 14)).toEqual([
      'WORKFLOW_TASK_COMPLETED',
      'ACTIVITY_TASK_CANCEL_REQUESTED',
      'TIMER_STARTED',
      'WORKFLOW_EXECUTION_SIGNALED',
      'ACTIVITY_TASK_CANCELED',
      'WORKFLOW_TASK_SCHEDULED',
    ]);
    expect(run.outcome).toMatchObject({ status: 'WORKFLOW_EXECUTION_STATUS_COMPLETED' });
  });

  it('a never-started activity cancelled before CompleteWorkflowExecution: no Canceled event and no workflow task on the closed run', async () => {
    const run = await servers.compare(cancelNeverStarted('complete'));
    expect(types(run).slice(8)).toEqual(['WORKFLOW_TASK_COMPLETED', 'ACTIVITY_TASK_CANCEL_REQUESTED', 'WORKFLOW_EXECUTION_COMPLETED']);
  });

  it('terminate: the buffered signal is written after the forced WorkflowTaskFailed, before Terminated', async () => {
    const run = await servers.compare(closedWithBufferedSignal('terminate'));
    expect(types(run).slice(3)).toEqual(['WORKFLOW_TASK_FAILED', 'WORKFLOW_EXECUTION_SIGNALED', 'WORKFLOW_EXECUTION_TERMINATED']);
  });

  it('terminate during a transient task: no failed event, the buffered signal, then Terminated', async () => {
    const run = await servers.compare(closedWithBufferedSignal('terminate-transient'));
    expect(run.outcome).toMatchObject({ attempt: 2 });
    expect(types(run).slice(3)).toEqual(['WORKFLOW_TASK_FAILED', 'WORKFLOW_EXECUTION_SIGNALED', 'WORKFLOW_EXECUTION_TERMINATED']);
  });

  it('run timeout: the buffered signal is written before TimedOut', async () => {
    const run = await servers.compare(closedWithBufferedSignal('run-timeout'));
    expect(types(run).slice(3)).toEqual(['WORKFLOW_TASK_FAILED', 'WORKFLOW_EXECUTION_SIGNALED', 'WORKFLOW_EXECUTION_TIMED_OUT']);
  });

  it('a refused completion that terminates the run: the buffered signal is written before Terminated', async () => {
    const run = await servers.compare(closedWithBufferedSignal('refused-too-big'));
    expect(run.outcome).toMatchObject({ completion: { code: GrpcCode.INVALID_ARGUMENT }, status: 'WORKFLOW_EXECUTION_STATUS_TERMINATED' });
    expect(types(run).slice(3)).toEqual(['WORKFLOW_TASK_FAILED', 'WORKFLOW_EXECUTION_SIGNALED', 'WORKFLOW_EXECUTION_TERMINATED']);
  });

  it('a discarded speculative task with no update waiting is not followed by another', async () => {
    const run = await servers.compare(rejectedUpdateThenQuiet);
    expect(run.outcome).toMatchObject({ resetHistoryEventId: 3, update: { failure: 'not now' } });
    expect((run.outcome as { tasks: unknown[] }).tasks[2]).toBe('no task');
    expect(types(run).slice(4)).toEqual(['WORKFLOW_EXECUTION_SIGNALED', 'WORKFLOW_TASK_SCHEDULED', 'WORKFLOW_TASK_STARTED', 'WORKFLOW_TASK_COMPLETED', 'WORKFLOW_EXECUTION_COMPLETED']);
  });

  it('a closing command that is not last: INVALID_ARGUMENT, nothing written, the task times out', async () => {
    const run = await servers.compare(closingCommandNotLast);
    expect(run.outcome).toMatchObject({
      refused: {
        code: GrpcCode.INVALID_ARGUMENT,
        details: 'invalid command sequence: [CompleteWorkflowExecution, StartTimer], command CompleteWorkflowExecution must be the last command.',
      },
      refusedWithBuffered: { code: GrpcCode.INVALID_ARGUMENT },
      unknownType: { code: GrpcCode.INVALID_ARGUMENT, details: 'unknown command type: Unspecified' },
    });
    expect(types(run).slice(3, 6)).toEqual(['WORKFLOW_TASK_TIMED_OUT', 'WORKFLOW_EXECUTION_SIGNALED', 'WORKFLOW_TASK_SCHEDULED']);
  });

  it('a flushed buffer writes the events closing activities after the others', async () => {
    const run = await servers.compare(bufferFlushOrder);
    expect(types(run).slice(8, 13)).toEqual([
      'WORKFLOW_TASK_COMPLETED',
      'ACTIVITY_TASK_STARTED',
      'WORKFLOW_EXECUTION_SIGNALED',
      'ACTIVITY_TASK_COMPLETED',
      'WORKFLOW_TASK_SCHEDULED',
    ]);
  });

  it('a speculative task that shipped events and only rejected its update is written, for a worker without the discard capability', async () => {
    const run = await servers.compare(rejectedUpdateAfterEvents(false));
    expect(run.outcome).toMatchObject({ resetHistoryEventId: 0, update: 'not now' });
    expect(types(run).slice(5)).toEqual(['WORKFLOW_TASK_SCHEDULED', 'WORKFLOW_TASK_STARTED', 'WORKFLOW_TASK_COMPLETED', 'WORKFLOW_EXECUTION_TERMINATED']);
  });

  it('a speculative task that shipped events and only rejected its update is discarded for a worker with the capability', async () => {
    const run = await servers.compare(rejectedUpdateAfterEvents(true));
    expect(run.outcome).toMatchObject({ resetHistoryEventId: 3, update: 'not now' });
    expect(types(run).slice(5)).toEqual(['WORKFLOW_EXECUTION_TERMINATED']);
  });
  it('a workflow task failing again and again gets more time from attempt 4 on (5 s on top, less up to 20 %), as Temporal', async () => {
    const run = await servers.compare(async (address, { suffix }) => {
      const w = await rawWorker(address, { name: 'wft-backoff', suffix, workflowTaskTimeoutSeconds: 1 });
      return using(w, async () => {
        const attempts: number[] = [];
        let task = await w.mustPoll();
        while (task.attempt! < 4) {
          attempts.push(task.attempt!);
          await w.fail(task);
          task = await w.mustPoll();
        }
        // Attempt 4's events are transient: the worker sees its Scheduled event with the longer timeout.
        const scheduled = task.history!.events!.filter((e) => e.workflowTaskScheduledEventAttributes).at(-1)!;
        const timeout = scheduled.workflowTaskScheduledEventAttributes!.startToCloseTimeout!;
        const ms = Number(timeout.seconds ?? 0) * 1000 + (timeout.nanos ?? 0) / 1e6;
        await w.complete(task, [cmd.completeWorkflow()]);
        return { outcome: { attempts, attempt4: task.attempt, timeoutWithinBackoff: ms >= 5_000 && ms < 6_000 }, workflowIds: [] };
      });
    });
    expect(run.outcome).toEqual({ attempts: [1, 2, 3], attempt4: 4, timeoutWithinBackoff: true });
  });
});
