import { describe, expect, it } from 'vitest';
import { applyWorkflowOptions, mergeWorkflowOptions, workflowOptionsOf } from './workflowOptions';
import { EventType } from './protos';
import { eventNames, newRun, reopen, runWithStartedWorkflowTask } from '../../test/runFixtures';

const none = { versioningOverride: undefined, priority: undefined, timeSkippingConfig: undefined };

describe('mergeWorkflowOptions', () => {
  it('takes the masked fields (whole or one priority field) and refuses partial override updates in Temporal words', () => {
    const current = { ...none, priority: { priorityKey: 1, fairnessKey: 'k', fairnessWeight: 2 } };
    const from = { ...none, versioningOverride: { autoUpgrade: true, behavior: 0, deployment: undefined, pinnedVersion: '' }, priority: { priorityKey: 5, fairnessKey: 'x', fairnessWeight: 0 } };
    expect(mergeWorkflowOptions(current, from, ['versioning_override']).versioningOverride).toEqual(from.versioningOverride);
    expect(mergeWorkflowOptions(current, from, ['priority.priority_key']).priority).toEqual({ priorityKey: 5, fairnessKey: 'k', fairnessWeight: 2 });
    expect(mergeWorkflowOptions(current, from, []).priority).toEqual(current.priority);
    expect(() => mergeWorkflowOptions(current, from, ['versioning_override.auto_upgrade'])).toThrow("error applying update_options: versioning_override doesn't support partial updates");
    expect(() => mergeWorkflowOptions(current, from, ['versioning_override.behavior'])).toThrow('error applying update_options: versioning_override fields must be updated together');
  });
});

describe('applyWorkflowOptions', () => {
  it('writes WorkflowExecutionOptionsUpdated (ignorable by workers) only when the options change', () => {
    const run = reopen(newRun());
    const merged = { ...workflowOptionsOf(run), priority: { priorityKey: 3, fairnessKey: '', fairnessWeight: 0 } };
    expect(applyWorkflowOptions(run, merged, 'operator')).toBe(true);
    const event = run.newEvents.at(-1)!;
    expect(event.eventType).toBe(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_OPTIONS_UPDATED);
    expect(event.workerMayIgnore).toBe(true);
    expect(event.workflowExecutionOptionsUpdatedEventAttributes).toMatchObject({ identity: 'operator', unsetVersioningOverride: true, priority: { priorityKey: 3 } });
    expect(run.info.priority).toEqual(merged.priority);
    const again = reopen(run);
    expect(applyWorkflowOptions(again, workflowOptionsOf(again), 'operator')).toBe(false);
    expect(again.newEvents).toEqual([]);
  });

  it('buffers the event while a workflow task runs, and a new override drops the sticky queue', () => {
    const run = runWithStartedWorkflowTask();
    run.info.stickyTaskQueue = 'sticky';
    const merged = { ...workflowOptionsOf(run), versioningOverride: { autoUpgrade: true, behavior: 0, deployment: undefined, pinnedVersion: '' } };
    expect(applyWorkflowOptions(run, merged, '')).toBe(true);
    expect(eventNames(run.newEvents)).toEqual([]);
    expect(run.state.bufferedEvents.map((e) => e.eventType)).toEqual([EventType.EVENT_TYPE_WORKFLOW_EXECUTION_OPTIONS_UPDATED]);
    expect(run.info.stickyTaskQueue).toBe('');
  });
});
