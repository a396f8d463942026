import { Connection, WorkflowFailedError } from '@temporalio/client';
import { TimeoutFailure } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { useOracleServers, type Scenario } from '../src/harness/oracle';
import { waitForEvents, withWorker } from '../src/harness/sdk';

const { CommandType } = temporal.api.enums.v1;

/** The run timeout ends a sleeping workflow with WorkflowExecutionTimedOut; the client sees a TimeoutFailure. */
const runTimeout: Scenario = async (address, { suffix }) => {
  const taskQueue = `run-timeout-${suffix}`;
  const workflowId = `run-timeout-wf-${suffix}`;
  const outcome = await withWorker({ address, taskQueue, workflowsPath: require.resolve('../workflows/runTimeout.ts'), activities: {} }, async (client) => {
    try {
      await client.workflow.execute('sleepsPastRunTimeout', { taskQueue, workflowId, workflowRunTimeout: '2s' });
      return 'completed';
    } catch (err) {
      if (!(err instanceof WorkflowFailedError)) throw err;
      return { error: 'WorkflowFailedError', cause: err.cause instanceof TimeoutFailure ? `TimeoutFailure:${err.cause.timeoutType}` : String(err.cause), retryState: err.retryState };
    }
  });
  return { outcome, workflowIds: [workflowId] };
};

/** A ScheduleActivityTask command without start-to-close or schedule-to-close fails the workflow task. */
const badScheduleActivity: Scenario = async (address, { suffix }) => {
  const connection = await Connection.connect({ address });
  try {
    const service = connection.workflowService;
    const taskQueue = `bad-attrs-${suffix}`;
    const workflowId = `bad-attrs-wf-${suffix}`;
    await service.startWorkflowExecution({ namespace: 'default', workflowId, workflowType: { name: 'Raw' }, taskQueue: { name: taskQueue }, requestId: `r-${suffix}`, identity: 'raw' });
    const task = await connection.withDeadline(Date.now() + 30_000, () =>
      service.pollWorkflowTaskQueue({ namespace: 'default', taskQueue: { name: taskQueue }, identity: 'raw' }),
    );
    let code: number | undefined;
    try {
      await service.respondWorkflowTaskCompleted({
        namespace: 'default',
        taskToken: task.taskToken,
        identity: 'raw',
        commands: [
          {
            commandType: CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK,
            scheduleActivityTaskCommandAttributes: { activityId: '1', activityType: { name: 'a' }, taskQueue: { name: taskQueue } },
          },
        ],
      });
    } catch (err) {
      code = (err as { code: number }).code;
    }
    const next = await connection.withDeadline(Date.now() + 30_000, () =>
      service.pollWorkflowTaskQueue({ namespace: 'default', taskQueue: { name: taskQueue }, identity: 'raw' }),
    );
    // The same mistake on attempt 2 is refused without writing anything (the task will time out).
    let secondCode: number | undefined;
    let secondMessage: string | undefined;
    try {
      await service.respondWorkflowTaskCompleted({
        namespace: 'default',
        taskToken: next.taskToken,
        identity: 'raw',
        commands: [
          {
            commandType: CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK,
            scheduleActivityTaskCommandAttributes: { activityId: '1', activityType: { name: 'a' }, taskQueue: { name: taskQueue } },
          },
        ],
      });
    } catch (err) {
      secondCode = (err as { code: number }).code;
      secondMessage = (err as { details: string }).details;
    }
    await service.terminateWorkflowExecution({ namespace: 'default', workflowExecution: { workflowId }, reason: 'test done', identity: 'raw' });
    return { outcome: { code, nextAttempt: next.attempt, secondCode, secondMessage }, workflowIds: [workflowId] };
  } finally {
    await connection.close();
  }
};

/** Terminating a sleeping workflow: WorkflowExecutionTerminated is the last event; result() fails. */
const terminate: Scenario = async (address, { suffix }) => {
  const taskQueue = `terminate-${suffix}`;
  const workflowId = `terminate-wf-${suffix}`;
  const outcome = await withWorker({ address, taskQueue, workflowsPath: require.resolve('../workflows/runTimeout.ts'), activities: {} }, async (client) => {
    const handle = await client.workflow.start('sleepsPastRunTimeout', { taskQueue, workflowId });
    await waitForEvents(handle, 'TimerStarted'); // the first workflow task is done
    await handle.terminate('enough');
    const second = await handle.terminate('again').then(() => 'terminated twice', (err: Error) => err.constructor.name);
    try {
      await handle.result();
      return 'completed';
    } catch (err) {
      return { error: (err as Error).constructor.name, cause: (err as WorkflowFailedError).cause?.constructor.name, message: (err as WorkflowFailedError).cause?.message, second };
    }
  });
  return { outcome, workflowIds: [workflowId] };
};

describe('workflow timeouts and command validation', () => {
  const servers = useOracleServers();

  it('times out the run, like Temporal', async () => {
    const { outcome, histories } = await servers.compare(runTimeout);
    expect(outcome).toEqual({ error: 'WorkflowFailedError', cause: 'TimeoutFailure:START_TO_CLOSE', retryState: 'RETRY_POLICY_NOT_SET' });
    expect(Object.values(histories)[0]!.at(-1)?.eventType).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT');
  });

  it('rejects a ScheduleActivityTask command without timeouts (BadScheduleActivityAttributes), like Temporal', async () => {
    const { outcome } = await servers.compare(badScheduleActivity);
    expect(outcome).toEqual({
      code: 3,
      nextAttempt: 2,
      secondCode: 3,
      secondMessage: 'BadScheduleActivityAttributes: a valid StartToCloseTimeout or ScheduleToCloseTimeout must be set on the activity. ActivityId=1 ActivityType=a',
    });
  });

  it('terminates a running workflow; a second terminate is NOT_FOUND, like Temporal', async () => {
    const { outcome, histories } = await servers.compare(terminate);
    expect(outcome).toEqual({ error: 'WorkflowFailedError', cause: 'TerminatedFailure', message: 'enough', second: 'WorkflowNotFoundError' });
    expect(Object.values(histories)[0]!.at(-1)?.eventType).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED');
  });
});
