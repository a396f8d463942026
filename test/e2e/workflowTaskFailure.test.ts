import { Connection } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { useOracleServers, type Scenario } from '../src/harness/oracle';
import { eventTypes, fetchHistory, seconds } from '../src/harness/sdk';

const { CommandType, WorkflowTaskFailedCause, TaskQueueKind } = temporal.api.enums.v1;
type PollResponse = temporal.api.workflowservice.v1.IPollWorkflowTaskQueueResponse;

/** A raw gRPC worker: polls, fails and completes workflow tasks exactly as told. */
async function rawWorker(address: string, suffix: string, name: string) {
  const connection = await Connection.connect({ address });
  const service = connection.workflowService;
  const taskQueue = `${name}-${suffix}`;
  const workflowId = `${name}-wf-${suffix}`;
  const poll = (queue: temporal.api.taskqueue.v1.ITaskQueue = { name: taskQueue }) =>
    connection.withDeadline(Date.now() + 30_000, () =>
      service.pollWorkflowTaskQueue({ namespace: 'default', taskQueue: queue, identity: 'raw-worker' }),
    );
  const fail = (task: PollResponse) =>
    service.respondWorkflowTaskFailed({
      namespace: 'default',
      taskToken: task.taskToken,
      cause: WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_WORKFLOW_WORKER_UNHANDLED_FAILURE,
      failure: { message: 'workflow code threw', applicationFailureInfo: { type: 'Error' } },
      identity: 'raw-worker',
    });
  const complete = (task: PollResponse, commands: temporal.api.command.v1.ICommand[], sticky?: string) =>
    service.respondWorkflowTaskCompleted({
      namespace: 'default',
      taskToken: task.taskToken,
      identity: 'raw-worker',
      commands,
      stickyAttributes: sticky
        ? { workerTaskQueue: { name: sticky, kind: TaskQueueKind.TASK_QUEUE_KIND_STICKY, normalName: taskQueue }, scheduleToStartTimeout: seconds(5) }
        : undefined,
    });
  const completeWorkflow: temporal.api.command.v1.ICommand = {
    commandType: CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION,
    completeWorkflowExecutionCommandAttributes: { result: { payloads: [defaultPayloadConverter.toPayload('ok') as never] } },
  };
  await service.startWorkflowExecution({
    namespace: 'default',
    workflowId,
    workflowType: { name: 'RawWorkflow' },
    taskQueue: { name: taskQueue },
    requestId: `start-${name}-${suffix}`,
    identity: 'raw-client',
  });
  const shape = (t: PollResponse) => ({ attempt: t.attempt, startedEventId: Number(t.startedEventId), historyLength: t.history?.events?.length ?? 0 });
  return { connection, taskQueue, workflowId, poll, fail, complete, completeWorkflow, shape };
}

/** Fails attempts 1 and 2; attempt 3 completes. Only attempt 1 leaves a WorkflowTaskFailed event. */
const repeatedFailures: Scenario = async (address, { suffix }) => {
  const w = await rawWorker(address, suffix, 'wft-fail');
  try {
    const first = await w.poll();
    await w.fail(first);
    const second = await w.poll();
    await w.fail(second);
    const third = await w.poll();
    await w.complete(third, [w.completeWorkflow]);
    return { outcome: [first, second, third].map(w.shape), workflowIds: [w.workflowId] };
  } finally {
    await w.connection.close();
  }
};

/** A failure on the sticky queue clears stickiness and retries at attempt 1 on the normal queue. */
const stickyFailure: Scenario = async (address, { suffix }) => {
  const w = await rawWorker(address, suffix, 'wft-sticky-fail');
  const sticky = `sticky-${suffix}`;
  try {
    const first = await w.poll();
    await w.complete(
      first,
      [{ commandType: CommandType.COMMAND_TYPE_START_TIMER, startTimerCommandAttributes: { timerId: '1', startToFireTimeout: seconds(1) } }],
      sticky,
    );
    const onSticky = await w.poll({ name: sticky, kind: TaskQueueKind.TASK_QUEUE_KIND_STICKY, normalName: w.taskQueue });
    await w.fail(onSticky);
    const retried = await w.poll();
    await w.complete(retried, [w.completeWorkflow]);
    return { outcome: [first, onSticky, retried].map(w.shape), workflowIds: [w.workflowId] };
  } finally {
    await w.connection.close();
  }
};

/**
 * The sticky worker vanishes without saying so. If it never polled its sticky queue, the task goes
 * to the normal queue at once; if it polled lately, the task waits there until the sticky
 * schedule-to-start timeout (5 s here), then times out (SCHEDULE_TO_START) and moves over.
 */
const stickyWorkerGone = (pollSticky: boolean): Scenario => async (address, { suffix }) => {
  const w = await rawWorker(address, suffix, pollSticky ? 'sticky-silent' : 'sticky-never');
  try {
    const first = await w.poll();
    if (pollSticky) {
      // One empty poll of the sticky queue: the server has now seen this worker there.
      await connectionPoll(w, { name: `sticky-worker-${suffix}`, kind: TaskQueueKind.TASK_QUEUE_KIND_STICKY, normalName: w.taskQueue });
    }
    await w.complete(
      first,
      [{ commandType: CommandType.COMMAND_TYPE_START_TIMER, startTimerCommandAttributes: { timerId: '1', startToFireTimeout: seconds(1) } }],
      `sticky-worker-${suffix}`,
    );
    // Nobody polls the sticky queue; the normal queue gets the task after its 5 s sticky timeout.
    const fallback = await w.poll();
    await w.complete(fallback, [w.completeWorkflow]);
    return { outcome: [first, fallback].map(w.shape), workflowIds: [w.workflowId] };
  } finally {
    await w.connection.close();
  }
};

async function connectionPoll(w: Awaited<ReturnType<typeof rawWorker>>, queue: temporal.api.taskqueue.v1.ITaskQueue) {
  return w.connection.withDeadline(Date.now() + 2_500, () =>
    w.connection.workflowService.pollWorkflowTaskQueue({ namespace: 'default', taskQueue: queue, identity: 'raw-worker' }),
  );
}

describe('workflow task failures', () => {
  const servers = useOracleServers();

  it('retries a failing task with transient attempts, like Temporal', async () => {
    const { outcome, histories } = await servers.compare(repeatedFailures);
    expect(outcome).toEqual([
      { attempt: 1, startedEventId: 3, historyLength: 3 },
      { attempt: 2, startedEventId: 6, historyLength: 6 },
      { attempt: 3, startedEventId: 6, historyLength: 6 },
    ]);
    const types = Object.values(histories)[0]!.map((e) => e.eventType);
    expect(types).toEqual([
      'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED',
      'EVENT_TYPE_WORKFLOW_TASK_SCHEDULED',
      'EVENT_TYPE_WORKFLOW_TASK_STARTED',
      'EVENT_TYPE_WORKFLOW_TASK_FAILED',
      'EVENT_TYPE_WORKFLOW_TASK_SCHEDULED',
      'EVENT_TYPE_WORKFLOW_TASK_STARTED',
      'EVENT_TYPE_WORKFLOW_TASK_COMPLETED',
      'EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED',
    ]);
  });

  it('after a failure on the sticky queue retries on the normal queue at attempt 1, like Temporal', async () => {
    const { outcome } = await servers.compare(stickyFailure);
    expect((outcome as Array<{ attempt: number }>).map((o) => o.attempt)).toEqual([1, 1, 1]);
  });

  it('records the failure cause and the worker’s failure on WorkflowTaskFailed', async () => {
    const suffix = `direct-${Date.now()}`;
    await repeatedFailures(servers.kairos.address, { suffix });
    const history = await fetchHistory(servers.kairos.address, `wft-fail-wf-${suffix}`);
    expect(eventTypes(history)[3]).toBe('WorkflowTaskFailed');
    const failed = history.events![3]!.workflowTaskFailedEventAttributes!;
    expect(failed.cause).toBe(WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_WORKFLOW_WORKER_UNHANDLED_FAILURE);
    expect(failed.failure?.message).toBe('workflow code threw');
    expect(Number(failed.scheduledEventId)).toBe(2);
    expect(Number(failed.startedEventId)).toBe(3);
    expect(history.events![4]!.workflowTaskScheduledEventAttributes!.attempt).toBe(3);
  });

  it('sends a task for a sticky queue nobody polls to the normal queue at once, like Temporal', async () => {
    const { outcome, histories } = await servers.compare(stickyWorkerGone(false));
    const events = Object.values(histories)[0]!;
    expect(events.map((e) => e.eventType)).not.toContain('EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT');
    expect((outcome as Array<{ historyLength: number; startedEventId: number }>)[1]).toMatchObject({ startedEventId: 8, historyLength: 8 });
  });

  it('times out a task the silent sticky worker does not take (SCHEDULE_TO_START) and moves it to the normal queue, like Temporal', async () => {
    const { outcome, histories } = await servers.compare(stickyWorkerGone(true));
    const timedOut = Object.values(histories)[0]!.find((e) => e.eventType === 'EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT');
    expect((timedOut?.workflowTaskTimedOutEventAttributes as { timeoutType: string } | undefined)?.timeoutType).toBe('TIMEOUT_TYPE_SCHEDULE_TO_START');
    // The fallback task comes with the full history (from event 1).
    const fallback = (outcome as Array<{ historyLength: number; startedEventId: number }>)[1]!;
    expect(fallback.historyLength).toBe(fallback.startedEventId);
  });
});
