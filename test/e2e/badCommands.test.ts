import { temporal } from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { useOracleServers, type Scenario } from '../src/harness/oracle';
import { errorShape, rawWorker } from '../src/harness/rawWorker';

/*
 * Malformed workflow-task commands, refused as Temporal refuses them: INVALID_ARGUMENT with the
 * validator's message, and WorkflowTaskFailed with the command's Bad…Attributes cause. Raw gRPC
 * workers send exactly the same completion to Kairos and to the real Temporal dev server.
 */

const { CommandType } = temporal.api.enums.v1;

const COMMAND_TYPES = [
  CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK,
  CommandType.COMMAND_TYPE_REQUEST_CANCEL_ACTIVITY_TASK,
  CommandType.COMMAND_TYPE_START_TIMER,
  CommandType.COMMAND_TYPE_CANCEL_TIMER,
  CommandType.COMMAND_TYPE_RECORD_MARKER,
  CommandType.COMMAND_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
  CommandType.COMMAND_TYPE_MODIFY_WORKFLOW_PROPERTIES,
  CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION,
  CommandType.COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION,
  CommandType.COMMAND_TYPE_CANCEL_WORKFLOW_EXECUTION,
  CommandType.COMMAND_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION,
  CommandType.COMMAND_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION,
  CommandType.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION,
];

/** A completion whose one command has no attributes at all. */
const withoutAttributes = (commandType: temporal.api.enums.v1.CommandType): Scenario => async (address, { suffix }) => {
  const name = CommandType[commandType]!.replace(/^COMMAND_TYPE_/, '').toLowerCase().replace(/_/g, '-');
  const w = await rawWorker(address, { name: `no-attrs-${name}`, suffix });
  try {
    const task = await w.mustPoll();
    const refused = await errorShape(w.complete(task, [{ commandType }]));
    const next = await w.mustPoll();
    await w.terminate('done');
    return { outcome: { refused, next: w.shape(next) }, workflowIds: [w.workflowId] };
  } finally {
    await w.connection.close();
  }
};

describe('commands without attributes, compared with the real Temporal dev server', () => {
  const servers = useOracleServers();

  it('every command type is refused with INVALID_ARGUMENT and WorkflowTaskFailed naming its cause', async () => {
    for (const commandType of COMMAND_TYPES) {
      const run = await servers.compare(withoutAttributes(commandType));
      const refused = (run.outcome as { refused: { code: number; details: string } }).refused;
      expect(refused.code, CommandType[commandType]).toBe(3);
      expect(refused.details, CommandType[commandType]).toMatch(/CommandAttributes is not set on \w+Command\.$/);
    }
  });

  it('StartChildWorkflowExecution without attributes is refused the same way (Kairos only: the Temporal dev server answers INTERNAL)', async () => {
    const run = await withoutAttributes(CommandType.COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION)(servers.kairos.address, { suffix: `${Date.now()}` });
    expect(run.outcome).toMatchObject({
      refused: { code: 3, details: 'BadStartChildExecutionAttributes: StartChildWorkflowExecutionCommandAttributes is not set on StartChildWorkflowExecutionCommand.' },
      next: { attempt: 2 },
    });
  });
});

/** A StartTimer command with this start-to-fire timeout (seconds, nanos). */
const timerWith = (seconds: number, nanos = 0, timerId = 't1'): Scenario => async (address, { suffix }) => {
  const w = await rawWorker(address, { name: `timer-${seconds}-${nanos}-${timerId || 'none'}`.replace(/-/g, 'm'), suffix });
  try {
    const task = await w.mustPoll();
    const refused = await errorShape(
      w.complete(task, [{ commandType: CommandType.COMMAND_TYPE_START_TIMER, startTimerCommandAttributes: { timerId, startToFireTimeout: { seconds, nanos } as never } }]),
    );
    await w.terminate('done');
    return { outcome: { refused }, workflowIds: [w.workflowId] };
  } finally {
    await w.connection.close();
  }
};

describe('timer durations, compared with the real Temporal dev server', () => {
  const servers = useOracleServers();

  it('a negative StartToFireTimeout, or no timer id, is refused', async () => {
    for (const [seconds, nanos, timerId] of [[-1, 0, 't1'], [0, -5, 't1'], [5, 0, '']] as const) {
      const run = await servers.compare(timerWith(seconds, nanos, timerId));
      expect((run.outcome as { refused: unknown }).refused).toMatchObject({ code: 3 });
    }
  });
});
