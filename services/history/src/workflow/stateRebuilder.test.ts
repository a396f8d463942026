import { describe, expect, it } from 'vitest';
import { CommandType, type HistoryEvent } from './protos';
import type { RunTransaction } from './runTransaction';
import { rebuildMutableState, type RebuildTarget } from './stateRebuilder';
import { T0 } from '../../test/runFixtures';
import { at, completeTaskAt, newRunAt, payloads, scheduleActivityCommand, secs, signalAt, startTaskAt } from '../../test/activityFixtures';

/** Runs the transitions in order and keeps every event each one appended: the run's history. */
function history(...steps: Array<(run: RunTransaction) => RunTransaction>): { run: RunTransaction; events: HistoryEvent[] } {
  let run = newRunAt(T0);
  const events = [...run.newEvents];
  for (const step of steps) {
    run = step(run);
    events.push(...run.newEvents);
  }
  return { run, events };
}

const target = (overrides: Partial<RebuildTarget> = {}): RebuildTarget => ({
  namespaceId: 'ns-1',
  workflowId: 'wf-1',
  runId: 'run-2',
  now: at(100),
  startRequestId: 'start-request',
  originalStartTime: T0,
  retentionMs: 86_400_000,
  ...overrides,
});

const startTimer = (timerId: string, seconds: number) => ({ commandType: CommandType.COMMAND_TYPE_START_TIMER, startTimerCommandAttributes: { timerId, startToFireTimeout: secs(seconds) } });
const upsertMemo = { commandType: CommandType.COMMAND_TYPE_MODIFY_WORKFLOW_PROPERTIES, modifyWorkflowPropertiesCommandAttributes: { upsertedMemo: { fields: { note: payloads('kept').payloads[0]! } } } };

describe('rebuildMutableState', () => {
  it('rebuilds what the core built: pending activity and timer, the started workflow task, signals, memo, reset points', () => {
    const { run, events } = history(
      (r) => startTaskAt(r, at(1)),
      (r) => completeTaskAt(r, at(2), [scheduleActivityCommand(), startTimer('t1', 60), upsertMemo]),
      (r) => signalAt(r, at(3)),
      (r) => startTaskAt(r, at(4)),
    );
    const state = rebuildMutableState(events, target());
    expect(state.nextEventId).toBe(run.state.nextEventId);
    expect(Object.keys(state.activities)).toEqual(Object.keys(run.state.activities));
    expect(state.activities[5]).toMatchObject({ activityId: 'act-1', activityType: { name: 'Greet' }, startToCloseTimeout: secs(10), attempt: 1, started: false, scheduledTime: at(2) });
    expect(state.timers).toEqual({ t1: expect.objectContaining({ timerId: 't1', startedEventId: run.state.timers.t1!.startedEventId, expiryTime: at(62) }) });
    expect(state.workflowTask).toMatchObject({ scheduledEventId: run.state.workflowTask!.scheduledEventId, startedEventId: run.state.workflowTask!.startedEventId, attempt: 1 });
    // The rebuilt run's queue is the normal one, whatever the base run's stickiness.
    expect(state.workflowTask!.taskQueue).toEqual({ name: run.info.taskQueue!.name, kind: 1, normalName: '' });
    const info = state.executionInfo!;
    expect(info).toMatchObject({
      runId: 'run-2',
      firstExecutionRunId: 'run-1',
      workflowTypeName: run.info.workflowTypeName,
      signalCount: 1,
      lastCompletedWorkflowTaskStartedEventId: 3,
      startTime: at(100),
      executionTime: at(100),
      originalStartTime: T0,
      lastResetTime: at(100),
      startRequestId: 'start-request',
      historySizeBytes: 0,
    });
    expect(info.memo).toEqual(run.info.memo);
    // The replayed completion makes an auto-reset point naming the new run, made now.
    expect(info.autoResetPoints!.points).toEqual([expect.objectContaining({ runId: 'run-2', firstWorkflowTaskCompletedId: 4, createTime: at(100), resettable: true })]);
  });

  it('forgets what closed before the reset point: a fired timer, a completed workflow task', () => {
    const { events } = history(
      (r) => startTaskAt(r, at(1)),
      (r) => completeTaskAt(r, at(2), [startTimer('t1', 1)]),
    );
    const fired: HistoryEvent = { ...events.at(-1)!, eventId: events.length + 1, eventType: 0, timerStartedEventAttributes: undefined, timerFiredEventAttributes: { timerId: 't1', startedEventId: events.length } };
    const state = rebuildMutableState([...events, fired], target());
    expect(state.timers).toEqual({});
    expect(state.workflowTask).toBeUndefined();
  });

  it('counts the run and execution deadlines again from the rebuild, the run one capped by the execution one', () => {
    const events = [newRunAt(T0, { workflowRunTimeout: secs(60), workflowExecutionTimeout: secs(30) }).newEvents[0]!];
    const info = rebuildMutableState(events, target()).executionInfo!;
    expect(info.workflowExecutionExpirationTime).toEqual(at(130));
    expect(info.workflowRunExpirationTime).toEqual(at(130));
    const runOnly = rebuildMutableState([newRunAt(T0, { workflowRunTimeout: secs(60) }).newEvents[0]!], target()).executionInfo!;
    expect(runOnly.workflowRunExpirationTime).toEqual(at(160));
    expect(runOnly.workflowExecutionExpirationTime).toBeUndefined();
  });

  it('refuses a history that does not start with WorkflowExecutionStarted or skips an id', () => {
    const { events } = history((r) => startTaskAt(r, at(1)));
    expect(() => rebuildMutableState(events.slice(1), target())).toThrow(/does not start with WorkflowExecutionStarted/);
    expect(() => rebuildMutableState([events[0]!, events[2]!], target())).toThrow(/event 3 where 2 was expected/);
  });
});
