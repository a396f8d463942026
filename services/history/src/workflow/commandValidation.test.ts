import { describe, expect, it } from 'vitest';
import { Status } from 'nice-grpc-common';
import { ApiError } from '@kairos/common/errors';
import {
  ContinueAsNewWorkflowExecutionCommandAttributes,
  RequestCancelExternalWorkflowExecutionCommandAttributes,
  ScheduleActivityTaskCommandAttributes,
  SignalExternalWorkflowExecutionCommandAttributes,
  StartChildWorkflowExecutionCommandAttributes,
  StartTimerCommandAttributes,
} from '@kairos/proto/temporal/api/command/v1/message';
import { newRun } from '../../test/runFixtures';
import {
  overriddenRunTimeout,
  overriddenTaskTimeout,
  validateContinueAsNew,
  validateProtocolMessage,
  validateRequestCancelExternal,
  validateScheduleActivity,
  validateSignalExternal,
  validateStartChild,
  validateStartTimer,
  type CommandContext,
} from './commandValidation';
import { TaskQueueKind, WorkflowTaskFailedCause as Cause, type ExecutionInfo } from './protos';
import { WorkflowTaskCompletionRejected } from './workflowTaskRejection';

const s = (seconds: number, nanos = 0) => ({ seconds, nanos });
const INT64_MAX = Number('9223372036854775807');
const CAP = s(3_153_600_000);

/** A run's info (queue 'tq', type 'Example'), with these run and execution timeouts. */
function info(overrides: Parameters<typeof newRun>[0] = {}): ExecutionInfo {
  return newRun(overrides).info;
}

function context(overrides: Partial<CommandContext> = {}): CommandContext {
  return { info: info(), namespaceName: 'default', namespaceExists: (n) => n === 'other', checkSearchAttributes: () => undefined, childrenStarted: new Set(), ...overrides };
}

/** The rejection `fn` throws: its cause and message. */
function refusal(fn: () => unknown): { cause: Cause; message: string } {
  try {
    fn();
  } catch (err) {
    if (err instanceof WorkflowTaskCompletionRejected) return { cause: err.failedCause, message: err.message };
    throw err;
  }
  throw new Error('expected the command to be refused');
}

const activity = (fields: Parameters<typeof ScheduleActivityTaskCommandAttributes.fromPartial>[0]) =>
  ScheduleActivityTaskCommandAttributes.fromPartial({ activityId: 'a', activityType: { name: 'T' }, taskQueue: { name: 'tq' }, ...fields });

describe('ScheduleActivityTask: Temporal’s timeouts', () => {
  const timeouts = (fields: Parameters<typeof activity>[0], runInfo = info()) => {
    const out = validateScheduleActivity(activity(fields), runInfo);
    return [out.scheduleToCloseTimeout, out.scheduleToStartTimeout, out.startToCloseTimeout, out.heartbeatTimeout];
  };

  it('schedule-to-close bounds the others, and fills the unset ones', () => {
    expect(timeouts({ scheduleToCloseTimeout: s(30) })).toEqual([s(30), s(30), s(30), s(0)]);
    expect(timeouts({ scheduleToCloseTimeout: s(30), startToCloseTimeout: s(60), scheduleToStartTimeout: s(5) })).toEqual([s(30), s(5), s(30), s(0)]);
  });

  it('with start-to-close only, schedule-to-close and schedule-to-start are the run timeout (0: none)', () => {
    expect(timeouts({ startToCloseTimeout: s(10) })).toEqual([s(0), s(0), s(10), s(0)]);
    expect(timeouts({ startToCloseTimeout: s(10) }, info({ workflowRunTimeout: s(60) }))).toEqual([s(60), s(60), s(10), s(0)]);
  });

  it('none past the run timeout, and the heartbeat within start-to-close', () => {
    expect(timeouts({ startToCloseTimeout: s(100), heartbeatTimeout: s(500) }, info({ workflowRunTimeout: s(50) }))).toEqual([s(50), s(50), s(50), s(50)]);
    expect(timeouts({ startToCloseTimeout: s(10), heartbeatTimeout: s(20) })[3]).toEqual(s(10));
  });

  it('int64-max values are capped at 100 years; a value Temporal keeps is kept as sent', () => {
    expect(timeouts({ scheduleToCloseTimeout: s(INT64_MAX), heartbeatTimeout: s(INT64_MAX) })).toEqual([CAP, CAP, CAP, CAP]);
    const odd = s(0, 2_000_000_000);
    expect(timeouts({ startToCloseTimeout: odd })[2]).toEqual(odd);
  });

  it('refuses in Temporal’s order and words, with the activity cause', () => {
    const cases: Array<[Parameters<typeof activity>[0], string]> = [
      [{ taskQueue: undefined, activityId: '' }, 'taskQueue is not set'],
      [{ activityId: '' }, 'activityId is not set'],
      [{ activityType: undefined }, 'activityType is not set'],
      [{ retryPolicy: { backoffCoefficient: 0.5 }, activityId: 'x'.repeat(1_001) }, 'BackoffCoefficient cannot be less than 1 on retry policy.'],
      [{ activityId: 'x'.repeat(1_001) }, 'activityId exceeds length limit. Length=1001 Limit=1000'],
      [{ priority: { priorityKey: -1 } }, "invalid priorities: priority key can't be negative"],
      [{ scheduleToCloseTimeout: s(-1) }, 'invalid ScheduleToCloseTimeout: negative duration'],
      [{ heartbeatTimeout: s(1), startToCloseTimeout: undefined }, 'a valid StartToCloseTimeout or ScheduleToCloseTimeout must be set on the activity. ActivityId=a ActivityType=T'],
      [{ startToCloseTimeout: s(1), useWorkflowBuildId: true, taskQueue: { name: 'other' } }, 'Activity with UseCompatibleVersion cannot run on different task queue.'],
    ];
    for (const [fields, message] of cases) {
      expect(refusal(() => validateScheduleActivity(activity({ startToCloseTimeout: s(10), ...fields }), info()))).toEqual({
        cause: Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_ACTIVITY_ATTRIBUTES,
        message: `BadScheduleActivityAttributes: ${message}`,
      });
    }
  });

  it('an activity without a policy gets the defaulted one', () => {
    expect(validateScheduleActivity(activity({ startToCloseTimeout: s(10) }), info()).retryPolicy).toEqual({
      initialInterval: s(1),
      backoffCoefficient: 2,
      maximumInterval: s(100),
      maximumAttempts: 0,
      nonRetryableErrorTypes: [],
    });
  });
});

describe('StartTimer', () => {
  it('caps the timeout and refuses a missing, long or negative one', () => {
    expect(validateStartTimer(StartTimerCommandAttributes.fromPartial({ timerId: 't', startToFireTimeout: s(INT64_MAX) })).startToFireTimeout).toEqual(CAP);
    expect(refusal(() => validateStartTimer(StartTimerCommandAttributes.fromPartial({ timerId: 'x'.repeat(1_001) }))).message).toMatch(
      /^BadStartTimerAttributes: TimerId on StartTimerCommand exceeds length limit\. TimerId=x+ Length=1001 Limit=1000$/,
    );
    expect(refusal(() => validateStartTimer(StartTimerCommandAttributes.fromPartial({ timerId: 't', startToFireTimeout: s(1, -1) }))).message).toBe(
      'BadStartTimerAttributes: An invalid StartToFireTimeout is set on StartTimerCommand: duration has seconds and nanos with different signs. TimerId=t',
    );
  });
});

describe('other runs: namespaces, ids, run ids', () => {
  it('a namespace that does not exist is NOT_FOUND (no task failure); another one is refused', () => {
    const missing = SignalExternalWorkflowExecutionCommandAttributes.fromPartial({ namespace: 'nowhere', execution: { workflowId: 'w' }, signalName: 's' });
    let error: unknown;
    try {
      validateSignalExternal(missing, context());
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe(Status.NOT_FOUND);
    const other = RequestCancelExternalWorkflowExecutionCommandAttributes.fromPartial({ namespace: 'other', workflowId: '' });
    expect(refusal(() => validateRequestCancelExternal(other, context())).message).toBe('BadRequestCancelExternalWorkflowExecutionAttributes: cross namespace commands are not allowed');
  });

  it('refuses a run id that is not a UUID, and cancelling a child this same task started', () => {
    const signal = SignalExternalWorkflowExecutionCommandAttributes.fromPartial({ execution: { workflowId: 'w', runId: 'nope' }, signalName: 's' });
    expect(refusal(() => validateSignalExternal(signal, context())).message).toBe(
      'BadSignalWorkflowExecutionAttributes: Invalid RunId set on SignalExternalWorkflowExecutionCommand. WorkflowId=w Namespace= RunId=nope SignalName=s',
    );
    const cancel = RequestCancelExternalWorkflowExecutionCommandAttributes.fromPartial({ workflowId: 'child-1' });
    expect(refusal(() => validateRequestCancelExternal(cancel, context({ childrenStarted: new Set(['child-1']) }))).message).toBe(
      'BadRequestCancelExternalWorkflowExecutionAttributes: Start and RequestCancel for child workflow is not allowed in same workflow task. WorkflowId=child-1 RunId= Namespace=',
    );
  });
});

describe('StartChildWorkflowExecution', () => {
  const child = (fields: Parameters<typeof StartChildWorkflowExecutionCommandAttributes.fromPartial>[0] = {}) =>
    StartChildWorkflowExecutionCommandAttributes.fromPartial({ workflowId: 'c', workflowType: { name: 'C' }, ...fields });

  it('fills the namespace and task queue from the parent, and Temporal’s run and task timeouts', () => {
    const out = validateStartChild(child(), context());
    expect(out).toMatchObject({ namespace: 'default', taskQueue: { name: 'tq', kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL }, workflowRunTimeout: s(0), workflowTaskTimeout: s(10) });
    const capped = validateStartChild(child({ workflowExecutionTimeout: s(INT64_MAX), workflowRunTimeout: s(INT64_MAX), workflowTaskTimeout: s(INT64_MAX) }), context());
    expect(capped).toMatchObject({ workflowExecutionTimeout: CAP, workflowRunTimeout: CAP, workflowTaskTimeout: s(120) });
    expect(validateStartChild(child({ workflowExecutionTimeout: s(30), workflowRunTimeout: s(60), workflowTaskTimeout: s(50) }), context())).toMatchObject({
      workflowRunTimeout: s(30),
      workflowTaskTimeout: s(30),
    });
  });

  it('a search attribute the namespace does not know fails the task first, in the mapper’s words; other problems at their place', () => {
    const unmapped = context({ checkSearchAttributes: () => ({ message: 'Namespace default has no mapping defined for search attribute X', unmapped: true }) });
    expect(refusal(() => validateStartChild(child({ workflowId: '' }), unmapped))).toEqual({
      cause: Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SEARCH_ATTRIBUTES,
      message: 'BadSearchAttributes: Namespace default has no mapping defined for search attribute X',
    });
    const invalid = context({ checkSearchAttributes: () => ({ message: 'bad value', unmapped: false }) });
    expect(refusal(() => validateStartChild(child(), invalid)).message).toBe(
      'BadSearchAttributes: invalid SearchAttributes on StartChildWorkflowCommand: bad value. WorkflowId=c WorkflowType=C Namespace=default',
    );
  });

  it('prints a refused task queue as Temporal does', () => {
    expect(refusal(() => validateStartChild(child({ taskQueue: { name: '/_sys/x' } }), context())).message).toBe(
      'BadStartChildExecutionAttributes: invalid TaskQueue on StartChildWorkflowExecutionCommand: task queue name cannot start with reserved prefix /_sys/. WorkflowId=c WorkflowType=C Namespace=default TaskQueue=name:"/_sys/x"  kind:TASK_QUEUE_KIND_NORMAL',
    );
  });
});

describe('ContinueAsNewWorkflowExecution', () => {
  it('inherits the run’s type, queue and timeouts, within the execution timeout and two minutes', () => {
    const runInfo = info({ workflowRunTimeout: s(600), workflowExecutionTimeout: s(300), workflowTaskTimeout: s(20) });
    const out = validateContinueAsNew(ContinueAsNewWorkflowExecutionCommandAttributes.fromPartial({}), context({ info: runInfo }));
    expect(out).toMatchObject({ workflowType: { name: 'Example' }, taskQueue: { name: 'tq' }, workflowRunTimeout: s(300), workflowTaskTimeout: s(20) });
    const capped = validateContinueAsNew(ContinueAsNewWorkflowExecutionCommandAttributes.fromPartial({ workflowTaskTimeout: s(INT64_MAX), backoffStartInterval: s(INT64_MAX) }), context());
    expect(capped).toMatchObject({ workflowTaskTimeout: s(120), backoffStartInterval: CAP });
  });

  it('refuses with the task queue printed', () => {
    expect(refusal(() => validateContinueAsNew(ContinueAsNewWorkflowExecutionCommandAttributes.fromPartial({ workflowRunTimeout: s(-1) }), context())).message).toBe(
      'BadContinueAsNewAttributes: Invalid WorkflowRunTimeout on ContinueAsNewWorkflowExecutionCommand: negative duration. WorkflowType=Example TaskQueue=name:"tq"  kind:TASK_QUEUE_KIND_NORMAL',
    );
  });
});

describe('timeout overrides and protocol messages', () => {
  it('overriddenRunTimeout / overriddenTaskTimeout follow Temporal', () => {
    expect(overriddenRunTimeout(s(0), s(0))).toEqual(s(0));
    expect(overriddenRunTimeout(s(0), s(5))).toEqual(s(5));
    expect(overriddenRunTimeout(s(9), s(5))).toEqual(s(5));
    expect(overriddenTaskTimeout(undefined, s(0))).toEqual(s(10));
    expect(overriddenTaskTimeout(s(500), s(0))).toEqual(s(120));
    expect(overriddenTaskTimeout(s(60), s(3))).toEqual(s(3));
  });

  it('a protocol message command needs its attributes and a message id', () => {
    expect(refusal(() => validateProtocolMessage(undefined)).message).toBe('BadUpdateWorkflowExecutionMessage: ProtocolMessageCommandAttributes is not set on ProtocolMessageCommand.');
    expect(refusal(() => validateProtocolMessage({ messageId: '' })).message).toBe('BadUpdateWorkflowExecutionMessage: MessageID is not set on ProtocolMessageCommand.');
    expect(validateProtocolMessage({ messageId: 'm' })).toBe('m');
  });
});
