import { Connection } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { useOracleServers, type Scenario } from '../src/harness/oracle';
import { eventTypes, fetchHistory, seconds } from '../src/harness/sdk';

/**
 * A worker that takes a workflow task and never answers: after the workflow task timeout the
 * server writes WorkflowTaskTimedOut and hands out attempt 2, which completes the workflow.
 * Driven over raw gRPC so the test controls every step.
 */
const timedOutTaskScenario: Scenario = async (address, { suffix }) => {
  const connection = await Connection.connect({ address });
  try {
    const service = connection.workflowService;
    const taskQueue = `wft-timeout-${suffix}`;
    const workflowId = `wft-timeout-wf-${suffix}`;
    await service.startWorkflowExecution({
      namespace: 'default',
      workflowId,
      workflowType: { name: 'RawWorkflow' },
      taskQueue: { name: taskQueue },
      workflowTaskTimeout: seconds(1),
      requestId: `start-${suffix}`,
      identity: 'raw-client',
    });
    // Task polls must carry a deadline (Temporal refuses them otherwise).
    const poll = () =>
      connection.withDeadline(Date.now() + 30_000, () =>
        service.pollWorkflowTaskQueue({ namespace: 'default', taskQueue: { name: taskQueue }, identity: 'raw-worker' }),
      );
    const first = await poll();
    // Do not answer: the next poll gets the retried task once the 1 s timeout fired.
    const second = await poll();
    await service.respondWorkflowTaskCompleted({
      namespace: 'default',
      taskToken: second.taskToken,
      identity: 'raw-worker',
      commands: [
        {
          commandType: temporal.api.enums.v1.CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION,
          completeWorkflowExecutionCommandAttributes: { result: { payloads: [defaultPayloadConverter.toPayload('done') as never] } },
        },
      ],
    });
    // The stale token of attempt 1 is refused with NOT_FOUND.
    let staleCode: number | undefined;
    try {
      await service.respondWorkflowTaskCompleted({ namespace: 'default', taskToken: first.taskToken, identity: 'raw-worker', commands: [] });
    } catch (err) {
      staleCode = (err as { code: number }).code;
    }
    return {
      outcome: {
        attempts: [first.attempt, second.attempt],
        startedEventIds: [Number(first.startedEventId), Number(second.startedEventId)],
        secondHistoryLength: second.history?.events?.length,
        staleCode,
      },
      workflowIds: [workflowId],
    };
  } finally {
    await connection.close();
  }
};

describe('workflow task timeout', () => {
  const servers = useOracleServers();

  it('times out an unanswered workflow task, retries it as attempt 2, and matches Temporal', async () => {
    const { outcome } = await servers.compare(timedOutTaskScenario);
    expect(outcome).toEqual({ attempts: [1, 2], startedEventIds: [3, 6], secondHistoryLength: 6, staleCode: 5 });
  });

  it('writes WorkflowTaskTimedOut with the start-to-close type', async () => {
    const suffix = `direct-${Date.now()}`;
    await timedOutTaskScenario(servers.kairos.address, { suffix });
    const history = await fetchHistory(servers.kairos.address, `wft-timeout-wf-${suffix}`);
    expect(eventTypes(history)).toEqual([
      'WorkflowExecutionStarted',
      'WorkflowTaskScheduled',
      'WorkflowTaskStarted',
      'WorkflowTaskTimedOut',
      'WorkflowTaskScheduled',
      'WorkflowTaskStarted',
      'WorkflowTaskCompleted',
      'WorkflowExecutionCompleted',
    ]);
    const timedOut = history.events![3]!.workflowTaskTimedOutEventAttributes!;
    expect(Number(timedOut.scheduledEventId)).toBe(2);
    expect(Number(timedOut.startedEventId)).toBe(3);
    expect(timedOut.timeoutType).toBe(temporal.api.enums.v1.TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE);
    expect(history.events![4]!.workflowTaskScheduledEventAttributes!.attempt).toBe(2);
  });
});
