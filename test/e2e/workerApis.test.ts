import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { rawWorkflowClient, type RawWorkflowClient } from '@kairos/testing';
import type { WorkerHeartbeat, WorkerListInfo } from '@kairos/proto/temporal/api/worker/v1/message';
import type { DescribeTaskQueueResponse, UpdateTaskQueueConfigRequest } from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import type { TaskQueueConfig } from '@kairos/proto/temporal/api/taskqueue/v1/message';
import { oracleEnabled } from '../src/harness/oracle';
import { REPO_ROOT } from '../src/harness/paths';
import { workflowBundle } from '../src/harness/sdk';
import { startKairosDev, startTemporalDev, type KairosDev, type TestServer } from '../src/harness/servers';
import { sleep } from '../src/harness/waiting';

/*
 * The worker APIs (RecordWorkerHeartbeat, ListWorkers, CountWorkers, DescribeWorker,
 * Fetch/UpdateWorkerConfig) with official TypeScript SDK workers, and UpdateTaskQueueConfig with
 * DescribeTaskQueue's config and effective rate limit, run on Kairos and on the Temporal dev
 * server side by side and compared. The workers heartbeat every second (the SDK's default is a
 * minute) so that they are listed while they run.
 */

const workflowsPath = require.resolve('../workflows/activities.ts');
const SDK_VERSION = (JSON.parse(readFileSync(require.resolve('@temporalio/worker/package.json'), 'utf8')) as { version: string }).version;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

type Answer = { code: number; details: string } | { ok: unknown };

/** The call's answer as both servers must give it: the error's code and text (`text` shapes it), or `shape` of the response. */
async function answer<T>(call: Promise<T>, shape: (res: T) => unknown = () => 'OK', text: (details: string) => string = (d) => d): Promise<Answer> {
  try {
    return { ok: shape(await call) };
  } catch (err) {
    const e = err as { code?: number; details?: string };
    if (typeof e.code !== 'number') throw err;
    return { code: e.code, details: text(e.details ?? '') };
  }
}

/** Syntax errors name the position each server's parser counts (Temporal: in its own SELECT; Kairos: in the query). */
const withoutPosition = (details: string) => details.replace(/^(malformed query: syntax error).*$/, '$1');

/** A time set by the server or the worker: present and between `from` and now. */
const recent = (time: Date | undefined, from: number) => time !== undefined && time.getTime() >= from - 1_000 && time.getTime() <= Date.now() + 1_000;

/** What both servers must show of a running TypeScript worker of this process (the rest varies by run). */
function listShape(w: WorkerListInfo | undefined, taskQueue: string, since: number) {
  return (
    w && {
      keyIsUuid: UUID.test(w.workerInstanceKey),
      identity: w.workerIdentity === `${process.pid}@${hostname()}`,
      taskQueue: w.taskQueue === taskQueue,
      sdk: [w.sdkName, w.sdkVersion === SDK_VERSION],
      status: w.status,
      startTime: recent(w.startTime, since),
      host: [w.hostName === hostname(), w.processId === String(process.pid), w.workerGroupingKey.length > 0],
      buildId: (w.deploymentVersion?.buildId.length ?? 0) > 0,
    }
  );
}

function heartbeatShape(hb: WorkerHeartbeat | undefined, since: number) {
  return (
    hb && {
      heartbeatTime: recent(hb.heartbeatTime, since),
      host: [hb.hostInfo?.hostName === hostname(), hb.hostInfo?.processId === String(process.pid)],
      slots: [hb.workflowTaskSlotsInfo?.slotSupplierKind, hb.activityTaskSlotsInfo?.slotSupplierKind],
      // Poller counts depend on when the heartbeat was taken: only their presence is compared.
      pollerInfo: hb.workflowPollerInfo !== undefined && hb.activityPollerInfo !== undefined,
    }
  );
}

/** A configuration as both servers must store it: update times replaced by whether they are recent. */
function configShape(config: TaskQueueConfig | undefined, since: number) {
  if (!config) return config;
  const limit = (l: TaskQueueConfig['queueRateLimit']) =>
    l && { rateLimit: l.rateLimit, reason: l.metadata?.reason, identity: l.metadata?.updateIdentity, updateTimeRecent: recent(l.metadata?.updateTime, since) };
  return { queue: limit(config.queueRateLimit), fairnessKeys: limit(config.fairnessKeysRateLimitDefault), weights: config.fairnessWeightOverrides };
}

describe('worker APIs and task queue configuration, compared with the Temporal dev server', () => {
  const servers: { kairos?: KairosDev; reference?: TestServer } = {};
  const clients: RawWorkflowClient[] = [];
  const client = (server: TestServer) => {
    const c = rawWorkflowClient(server.address);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    Runtime.install({ logger: new DefaultLogger('WARN'), workerHeartbeatInterval: '1s' });
    const [kairos, reference] = await Promise.allSettled([startKairosDev(), oracleEnabled() ? startTemporalDev() : Promise.resolve(undefined)]);
    if (kairos.status === 'fulfilled') servers.kairos = kairos.value;
    if (reference.status === 'fulfilled') servers.reference = reference.value;
    if (kairos.status === 'rejected') throw kairos.reason;
    if (reference.status === 'rejected') throw reference.reason;
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await Promise.all([servers.kairos?.stop(), servers.reference?.stop()]);
  });

  /** Runs `scenario` on Kairos and on the dev server (when the oracle is on) and requires the same outcome. */
  async function compare(scenario: (server: TestServer, c: RawWorkflowClient, suffix: string) => Promise<unknown>): Promise<unknown> {
    const suffix = `${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6)}`;
    const onKairos = await scenario(servers.kairos!, client(servers.kairos!), suffix);
    if (servers.reference) {
      const onTemporal = await scenario(servers.reference, client(servers.reference), suffix);
      expect(onKairos, 'Kairos (received) vs Temporal (expected)').toEqual(onTemporal);
    }
    return onKairos;
  }

  /** Starts an SDK worker on each queue; `stop` shuts them down (ShutdownWorker carries a last heartbeat). */
  async function startWorkers(address: string, taskQueues: string[]) {
    const connection = await NativeConnection.connect({ address });
    const workers = await Promise.all(
      taskQueues.map(async (taskQueue) =>
        Worker.create({ connection, taskQueue, workflowBundle: await workflowBundle(workflowsPath), activities: { greet: async (name: string) => `Hello, ${name}!` } }),
      ),
    );
    const running = workers.map((w) => w.run());
    return {
      async stop() {
        for (const w of workers) w.shutdown();
        await Promise.all(running);
        await connection.close();
      },
    };
  }

  /** ListWorkers until `count` workers match the query (the first heartbeat comes within a second or two). */
  async function listedWhen(c: RawWorkflowClient, query: string, count: number) {
    let listed = await c.call('listWorkers', { namespace: 'default', query });
    for (let i = 0; i < 150 && listed.workers.length !== count; i++) {
      await sleep(200);
      listed = await c.call('listWorkers', { namespace: 'default', query });
    }
    expect(listed.workers.length, `workers listed for ${query}`).toBe(count);
    return listed;
  }

  it('running SDK workers are listed, counted, described and filtered by their heartbeats; after shutdown they are listed as shutting down', async () => {
    const out = (await compare(async (server, c, suffix) => {
      const since = Date.now();
      const [queueA, queueB] = [`workers-${suffix}-a`, `workers-${suffix}-b`];
      const mine = `TaskQueue STARTS_WITH 'workers-${suffix}'`;
      const workers = await startWorkers(server.address, [queueA, queueB]);
      const out: Record<string, unknown> = {};
      try {
        const listed = await listedWhen(c, mine, 2);
        const byQueue = (q: string) => listed.workers.find((w) => w.taskQueue === q);
        out.listed = [listShape(byQueue(queueA), queueA, since), listShape(byQueue(queueB), queueB, since)];
        // The deprecated full form is still filled (the CLI reads it), for the same workers.
        out.fullFormSameWorkers = listed.workersInfo.map((i) => i.workerHeartbeat?.workerInstanceKey).sort();
        out.fullFormSameWorkers = JSON.stringify(out.fullFormSameWorkers) === JSON.stringify(listed.workers.map((w) => w.workerInstanceKey).sort());
        const keyA = byQueue(queueA)!.workerInstanceKey;
        const described = await c.call('describeWorker', { namespace: 'default', workerInstanceKey: keyA });
        out.described = heartbeatShape(described.workerInfo?.workerHeartbeat, since);
        out.describedIsA = described.workerInfo?.workerHeartbeat?.taskQueue === queueA && described.workerInfo?.workerHeartbeat?.workerInstanceKey === keyA;
        out.count = (await c.call('countWorkers', { namespace: 'default', query: mine })).count;

        const queries: Record<string, string> = {
          one: `TaskQueue = '${queueA}'`,
          doubleQuoted: `TaskQueue = "${queueB}"`,
          notEqual: `${mine} AND TaskQueue != '${queueA}'`,
          status: `${mine} AND Status = 'Running'`,
          statusField: `${mine} AND WorkerStatus = 'Running'`,
          statusEnumName: `${mine} AND WorkerStatus = 'WORKER_STATUS_RUNNING'`,
          sdk: `${mine} AND SdkName = 'temporal-typescript' AND SdkVersion = '${SDK_VERSION}'`,
          host: `${mine} AND HostName = '${hostname()}'`,
          started: `${mine} AND StartTime >= '${new Date(since - 1_000).toISOString()}'`,
          heartbeatBetween: `${mine} AND HeartbeatTime BETWEEN '${new Date(since - 1_000).toISOString()}' AND '2100-01-01T00:00:00Z'`,
          noDeployment: `${mine} AND DeploymentName IS NULL AND BuildId IS NOT NULL`,
          orKey: `WorkerInstanceKey = '${keyA}' OR TaskQueue = 'nope'`,
          unknownField: `${mine} AND Bogus = 'x'`,
          notExpression: `NOT TaskQueue = '${queueA}'`,
          inList: `TaskQueue IN ('${queueA}')`,
          wrongValueKind: 'TaskQueue = 5',
          emptyValue: "TaskQueue = ''",
          caseOfField: `taskqueue = '${queueA}'`,
        };
        const matched: Record<string, unknown> = {};
        for (const [label, query] of Object.entries(queries)) {
          const res = await c.call('listWorkers', { namespace: 'default', query });
          matched[label] = res.workers.map((w) => w.taskQueue).sort();
        }
        out.matched = matched;
        out.refused = {
          syntax: await answer(c.call('listWorkers', { namespace: 'default', query: 'TaskQueue = ' }), undefined, withoutPosition),
          blank: await answer(c.call('listWorkers', { namespace: 'default', query: '   ' }), undefined, withoutPosition),
          limit: await answer(c.call('listWorkers', { namespace: 'default', query: `TaskQueue = '${queueA}' LIMIT 1` })),
          countSyntax: await answer(c.call('countWorkers', { namespace: 'default', query: 'TaskQueue =' }), undefined, withoutPosition),
        };

        // Pages of one, by instance key, with Temporal's token.
        const first = await c.call('listWorkers', { namespace: 'default', query: mine, pageSize: 1 });
        const second = await c.call('listWorkers', { namespace: 'default', query: mine, pageSize: 1, nextPageToken: first.nextPageToken });
        const sortedKeys = listed.workers.map((w) => w.workerInstanceKey).sort();
        out.pages = {
          firstIsLowestKey: first.workers.map((w) => w.workerInstanceKey).join() === sortedKeys[0],
          firstToken: Buffer.from(first.nextPageToken).toString() === JSON.stringify({ l: sortedKeys[0] }),
          secondIsNext: second.workers.map((w) => w.workerInstanceKey).join() === sortedKeys[1],
          secondToken: second.nextPageToken.length,
          badToken: await answer(c.call('listWorkers', { namespace: 'default', pageSize: 1, nextPageToken: Buffer.from('garbage') })),
        };
        out.unknownWorker = await answer(c.call('describeWorker', { namespace: 'default', workerInstanceKey: `nope-${suffix}` }));
        out.fetchConfig = await answer(c.call('fetchWorkerConfig', { namespace: 'default', selector: { workerInstanceKey: keyA } }));
        out.updateConfig = await answer(c.call('updateWorkerConfig', { namespace: 'default', selector: { workerInstanceKey: keyA } }));
      } finally {
        await workers.stop();
      }
      // ShutdownWorker's last heartbeat says SHUTTING_DOWN: both are still listed (until the TTL).
      const after = await c.call('listWorkers', { namespace: 'default', query: mine });
      out.afterShutdown = after.workers.map((w) => [w.taskQueue.slice(-2), w.status]).sort();
      return out;
    })) as Record<string, any>;
    const running = { keyIsUuid: true, identity: true, taskQueue: true, sdk: ['temporal-typescript', true], status: 1, startTime: true, host: [true, true, true], buildId: true };
    expect(out.listed).toEqual([running, running]);
    expect(out.fullFormSameWorkers).toBe(true);
    expect(out.described).toEqual({ heartbeatTime: true, host: [true, true], slots: ['Fixed', 'Fixed'], pollerInfo: true });
    expect(out.describedIsA).toBe(true);
    expect(out.count).toBe(2);
    expect(out.matched).toMatchObject({ one: [expect.stringMatching(/-a$/)], status: [expect.any(String), expect.any(String)], statusEnumName: [], unknownField: [], notExpression: [], caseOfField: [] });
    expect(out.refused.syntax).toEqual({ code: 3, details: 'malformed query: syntax error' });
    expect(out.refused.limit).toEqual({ code: 3, details: "operation is not supported: 'limit' clause" });
    expect(out.pages).toEqual({ firstIsLowestKey: true, firstToken: true, secondIsNext: true, secondToken: 0, badToken: { code: 3, details: 'invalid next_page_token' } });
    expect(out.unknownWorker).toEqual({ code: 5, details: expect.stringMatching(/^Worker nope-.* not found$/) });
    expect(out.fetchConfig).toEqual({ code: 12, details: 'FetchWorkerConfig command is not enabled.' });
    expect(out.afterShutdown).toEqual([['-a', 2], ['-b', 2]]);
  });

  it('a Python SDK worker is listed and described with its own SDK fields, and as shutting down once it stopped', async () => {
    const out = (await compare(async (server, c, suffix) => {
      const since = Date.now();
      const taskQueue = `workers-py-${suffix}`;
      const python = spawn(join(REPO_ROOT, 'test/.venv/bin/python'), [join(REPO_ROOT, 'test/python/heartbeating_worker.py'), server.address, taskQueue], {
        cwd: join(REPO_ROOT, 'test/python'),
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      const exited = new Promise<number | null>((resolve) => python.once('exit', resolve));
      const out: Record<string, unknown> = {};
      try {
        const listed = await listedWhen(c, `TaskQueue = '${taskQueue}'`, 1);
        const w = listed.workers[0]!;
        out.listed = {
          sdk: w.sdkName,
          status: w.status,
          identity: /^\d+@/.test(w.workerIdentity),
          processId: w.processId === String(python.pid),
          host: w.hostName === hostname(),
          startTime: recent(w.startTime, since),
        };
        const described = await c.call('describeWorker', { namespace: 'default', workerInstanceKey: w.workerInstanceKey });
        out.described = heartbeatShape(described.workerInfo?.workerHeartbeat, since);
        out.byQuery = (await c.call('countWorkers', { namespace: 'default', query: `TaskQueue = '${taskQueue}' AND SdkName = 'temporal-python'` })).count;
      } finally {
        python.stdin.end();
        await exited;
      }
      out.afterStop = (await c.call('listWorkers', { namespace: 'default', query: `TaskQueue = '${taskQueue}'` })).workers.map((w) => w.status);
      return out;
    })) as Record<string, any>;
    expect(out.listed).toEqual({ sdk: 'temporal-python', status: 1, identity: true, processId: true, host: true, startTime: true });
    expect(out.described).toMatchObject({ heartbeatTime: true, pollerInfo: true });
    expect(out.byQuery).toBe(1);
    expect(out.afterStop).toEqual([2]);
  });

  it('bad input: no namespace, an unknown namespace, a heartbeat for an unknown namespace', async () => {
    const out = (await compare(async (_server, c, suffix) => {
      const nope = `nope-${suffix}`;
      const out: Record<string, Answer> = {};
      const calls = {
        listWorkers: (namespace: string) => c.call('listWorkers', { namespace }),
        countWorkers: (namespace: string) => c.call('countWorkers', { namespace }),
        describeWorker: (namespace: string) => c.call('describeWorker', { namespace, workerInstanceKey: 'k' }),
        recordWorkerHeartbeat: (namespace: string) => c.call('recordWorkerHeartbeat', { namespace, workerHeartbeat: [{ workerInstanceKey: 'k', taskQueue: 'q' }] }),
        fetchWorkerConfig: (namespace: string) => c.call('fetchWorkerConfig', { namespace }),
        updateWorkerConfig: (namespace: string) => c.call('updateWorkerConfig', { namespace }),
        updateTaskQueueConfig: (namespace: string) => c.call('updateTaskQueueConfig', { namespace, taskQueue: 'q', taskQueueType: 2 }),
      };
      for (const [name, call] of Object.entries(calls)) {
        out[`${name}/empty`] = await answer(call(''));
        out[`${name}/unknown`] = await answer(call(nope).then(() => 'answered'), () => 'OK', (d) => d.replace(nope, 'NOPE'));
      }
      // A heartbeat by hand is listed like an SDK's; one saying SHUTDOWN removes its worker.
      const key = `hand-${suffix}`;
      await c.call('recordWorkerHeartbeat', { namespace: 'default', workerHeartbeat: [{ workerInstanceKey: key, taskQueue: `hand-${suffix}`, status: 1, sdkName: 'by-hand' }] });
      out.byHand = await answer(c.call('describeWorker', { namespace: 'default', workerInstanceKey: key }), (r) => [r.workerInfo?.workerHeartbeat?.taskQueue, r.workerInfo?.workerHeartbeat?.sdkName]);
      await c.call('recordWorkerHeartbeat', { namespace: 'default', workerHeartbeat: [{ workerInstanceKey: key, taskQueue: `hand-${suffix}`, status: 3 }] });
      out.shutDown = await answer(c.call('describeWorker', { namespace: 'default', workerInstanceKey: key }), () => 'still there', (d) => d.replace(key, 'KEY'));
      return out;
    })) as Record<string, Answer>;
    expect(out['listWorkers/empty']).toEqual({ code: 3, details: 'Namespace is empty.' });
    expect(out['recordWorkerHeartbeat/unknown']).toEqual({ code: 5, details: 'Namespace NOPE is not found.' });
    expect(out['updateTaskQueueConfig/unknown']).toEqual({ code: 5, details: 'Namespace NOPE is not found.' });
    expect(out.byHand).toEqual({ ok: [expect.stringMatching(/^hand-/), 'by-hand'] });
    expect(out.shutDown).toEqual({ code: 5, details: 'Worker KEY not found' });
  });

  it('UpdateTaskQueueConfig: rate limits and weights stored per queue and type, reported by DescribeTaskQueue; Temporal\'s checks', async () => {
    const out = (await compare(async (_server, c, suffix) => {
      const since = Date.now();
      const taskQueue = `config-${suffix}`;
      const update = (fields: Partial<UpdateTaskQueueConfigRequest>) =>
        answer(c.call('updateTaskQueueConfig', { namespace: 'default', taskQueue, taskQueueType: 2, ...fields }), (r) => configShape(r.config, since));
      const describe = (taskQueueType: number, reportConfig = true) =>
        answer(c.call('describeTaskQueue', { namespace: 'default', taskQueue: { name: taskQueue, kind: 1 }, taskQueueType, reportConfig, includeTaskQueueStatus: true }), (r: DescribeTaskQueueResponse) => ({
          config: configShape(r.config, since),
          // Kairos applies no system limit; Temporal's figure depends on its partitions: only the source is compared then.
          effective: r.effectiveRateLimit?.rateLimitSource === 3 ? 'system' : r.effectiveRateLimit,
          statusRate: r.effectiveRateLimit?.rateLimitSource === 3 ? 'system' : r.taskQueueStatus?.ratePerSecond,
        }));
      const out: Record<string, unknown> = {};
      out.before = await describe(2);
      out.nothing = await update({});
      out.queueRate = await update({ identity: 'ops', updateQueueRateLimit: { rateLimit: { requestsPerSecond: 2.5 }, reason: 'slow down' } });
      out.fairnessRate = await update({ updateFairnessKeyRateLimitDefault: { rateLimit: { requestsPerSecond: 1 }, reason: 'per key' } });
      out.weights = await update({ setFairnessWeightOverrides: { a: 2, b: 0.5 } });
      out.unsetWeights = await update({ unsetFairnessWeightOverrides: ['a', 'never-set'] });
      out.described = await describe(2);
      out.describedWithoutConfig = await describe(2, false);
      out.workflowType = await describe(1);
      out.removeQueueRate = await update({ updateQueueRateLimit: { rateLimit: undefined, reason: 'gone' } });
      out.afterRemoval = await describe(2);
      out.zero = await update({ taskQueue: `${taskQueue}-zero`, updateQueueRateLimit: { rateLimit: { requestsPerSecond: 0 }, reason: '' } });
      out.workflowWeights = await update({ taskQueueType: 1, setFairnessWeightOverrides: { k: 3 } });
      out.unspecifiedType = await update({ taskQueueType: 0, updateQueueRateLimit: { rateLimit: { requestsPerSecond: 1 }, reason: '' } });
      const refused: Record<string, Answer> = {};
      const cases: Record<string, Partial<UpdateTaskQueueConfigRequest>> = {
        negative: { updateQueueRateLimit: { rateLimit: { requestsPerSecond: -1 }, reason: '' } },
        negativeFairness: { updateFairnessKeyRateLimitDefault: { rateLimit: { requestsPerSecond: -1 }, reason: '' } },
        longReason: { updateQueueRateLimit: { rateLimit: { requestsPerSecond: 1 }, reason: 'x'.repeat(1001) } },
        workflowQueueRate: { taskQueueType: 1, updateQueueRateLimit: { rateLimit: { requestsPerSecond: 1 }, reason: '' } },
        workflowFairnessRate: { taskQueueType: 1, updateFairnessKeyRateLimitDefault: { rateLimit: { requestsPerSecond: 1 }, reason: '' } },
        longIdentity: { identity: 'i'.repeat(1001) },
        zeroWeight: { setFairnessWeightOverrides: { a: 0 } },
        emptyKey: { setFairnessWeightOverrides: { '': 1 } },
        longKey: { setFairnessWeightOverrides: { ['k'.repeat(65)]: 1 } },
        setAndUnset: { setFairnessWeightOverrides: { a: 1 }, unsetFairnessWeightOverrides: ['a'] },
        systemQueue: { taskQueue: '/_sys/x/1' },
      };
      for (const [label, fields] of Object.entries(cases)) refused[label] = await update(fields);
      out.refused = refused;
      return out;
    })) as Record<string, any>;
    const rate = (requestsPerSecond: number, reason: string, identity = '') => ({ rateLimit: { requestsPerSecond }, reason, identity, updateTimeRecent: true });
    expect(out.before).toEqual({ ok: { config: undefined, effective: 'system', statusRate: 'system' } });
    expect(out.nothing).toEqual({ ok: { queue: undefined, fairnessKeys: undefined, weights: {} } });
    expect(out.described).toEqual({
      ok: { config: { queue: rate(2.5, 'slow down', 'ops'), fairnessKeys: rate(1, 'per key'), weights: { b: 0.5 } }, effective: { requestsPerSecond: 2.5, rateLimitSource: 1 }, statusRate: 2.5 },
    });
    expect(out.describedWithoutConfig.ok.config).toBeUndefined();
    expect(out.afterRemoval.ok.effective).toBe('system');
    expect(out.zero).toEqual({ ok: { queue: rate(0, ''), fairnessKeys: undefined, weights: {} } });
    expect(out.refused.negative).toEqual({ code: 3, details: 'RequestsPerSecond for UpdateQueueRateLimit rate limit must be non-negative.' });
    expect(out.refused.workflowQueueRate).toEqual({ code: 3, details: 'Setting rate limit on workflow task queues is not allowed.' });
    expect(out.refused.longReason).toEqual({ code: 3, details: 'UpdateQueueRateLimit.Reason field too long (max 1000 characters).' });
  });

  it('a queue rate limit of 0 holds activity tasks (a worker polls, nothing is dispatched); removing it lets the workflow finish', async () => {
    const out = await compare(async (server, c, suffix) => {
      const taskQueue = `paused-${suffix}`;
      const setRate = (rateLimit: { requestsPerSecond: number } | undefined) =>
        c.call('updateTaskQueueConfig', { namespace: 'default', taskQueue, taskQueueType: 2, updateQueueRateLimit: { rateLimit, reason: 'test' } });
      await setRate({ requestsPerSecond: 0 });
      const connection = await Connection.connect({ address: server.address });
      const workers = await startWorkers(server.address, [taskQueue]);
      try {
        const handle = await new Client({ connection }).workflow.start('greetThroughQueue', { taskQueue, workflowId: taskQueue, args: ['Ada'] });
        const pendingState = async () =>
          (await c.call('describeWorkflowExecution', { namespace: 'default', execution: { workflowId: handle.workflowId, runId: '' } })).pendingActivities[0]?.state;
        let state = await pendingState();
        for (let i = 0; i < 100 && state === undefined; i++) {
          await sleep(100);
          state = await pendingState();
        }
        // The worker polls the activity queue all along; at rate 0 the task is never handed out.
        await sleep(2_000);
        const heldState = await pendingState();
        const limit = (await c.call('describeTaskQueue', { namespace: 'default', taskQueue: { name: taskQueue, kind: 1 }, taskQueueType: 2 })).effectiveRateLimit;
        await setRate(undefined);
        const result = await handle.result();
        return { scheduled: state, heldState, effective: limit, result };
      } finally {
        await workers.stop();
        await connection.close();
      }
    });
    // PENDING_ACTIVITY_STATE_SCHEDULED before and after two seconds of a polling worker.
    expect(out).toEqual({ scheduled: 1, heldState: 1, effective: { requestsPerSecond: 0, rateLimitSource: 1 }, result: 'Hello, Ada!' });
  });
});
