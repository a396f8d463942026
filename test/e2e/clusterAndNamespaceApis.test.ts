import { Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawWorkflowClient, type RawWorkflowClient } from '@kairos/testing';
import type { DescribeNamespaceResponse, GetClusterInfoResponse, UpdateNamespaceRequest } from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import { oracleEnabled } from '../src/harness/oracle';
import { startKairosDev, startTemporalDev, type KairosDev, type TestServer } from '../src/harness/servers';

/*
 * The cluster, namespace and task-queue APIs an operator (the Web UI, `temporal operator …`,
 * `temporal task-queue …`) calls: GetClusterInfo, UpdateNamespace, DeprecateNamespace,
 * ListArchivedWorkflowExecutions, DescribeTaskQueue's legacy status and ListTaskQueuePartitions,
 * compared with the real Temporal dev server. The dev server runs its task queues as one
 * partition here (Kairos has one per queue), so backlogs and partition lists line up.
 */

type Answer = { code: number; details: string } | { ok: unknown };

/** The call's answer as both servers must give it: the error's code and text, or `shape` of the response. */
async function answer<T>(call: Promise<T>, shape: (res: T) => unknown = () => 'OK'): Promise<Answer> {
  try {
    return { ok: shape(await call) };
  } catch (err) {
    const e = err as { code?: number; details?: string };
    if (typeof e.code !== 'number') throw err;
    return { code: e.code, details: e.details ?? '' };
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const seconds = (s: number, nanos = 0) => ({ seconds: s, nanos });

describe('cluster, namespace and task-queue operator APIs, compared with the Temporal dev server', () => {
  const servers: { kairos?: KairosDev; reference?: TestServer } = {};
  const clients: RawWorkflowClient[] = [];
  const client = (server: TestServer) => {
    const c = rawWorkflowClient(server.address);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    const [kairos, reference] = await Promise.allSettled([
      startKairosDev(),
      oracleEnabled() ? startTemporalDev({ dynamicConfig: { 'matching.numTaskqueueReadPartitions': 1, 'matching.numTaskqueueWritePartitions': 1 } }) : Promise.resolve(undefined),
    ]);
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
  async function compare(scenario: (c: RawWorkflowClient, suffix: string) => Promise<unknown>): Promise<unknown> {
    const suffix = `${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6)}`;
    const onKairos = await scenario(client(servers.kairos!), suffix);
    if (servers.reference) {
      const onTemporal = await scenario(client(servers.reference), suffix);
      expect(onKairos, 'Kairos (received) vs Temporal (expected)').toEqual(onTemporal);
    }
    return onKairos;
  }

  it('GetClusterInfo: the fields the Web UI and the CLI read, and a cluster id kept across restarts', async () => {
    const shape = (info: GetClusterInfoResponse) => ({
      supportedClients: info.supportedClients,
      clusterName: info.clusterName,
      clusterIdIsUuid: UUID.test(info.clusterId),
      hasServerVersion: /^\d+\.\d+\.\d+$/.test(info.serverVersion),
      versionInfo: info.versionInfo,
      shards: info.historyShardCount > 0,
      sameVisibilityStore: info.visibilityStore === info.persistenceStore,
      initialFailoverVersion: info.initialFailoverVersion,
      failoverVersionIncrement: info.failoverVersionIncrement,
    });
    await compare(async (c) => shape(await c.call('getClusterInfo', {})));

    const kairos = client(servers.kairos!);
    const first = await kairos.call('getClusterInfo', {});
    expect(first).toMatchObject({ persistenceStore: 'sqlite', visibilityStore: 'sqlite', historyShardCount: 4, clusterName: 'active' });
    // The namespaces name the same cluster as active, as the UI expects.
    expect((await kairos.call('describeNamespace', { namespace: 'default' })).replicationConfig?.activeClusterName).toBe(first.clusterName);
    await servers.kairos!.restart();
    const again = client(servers.kairos!);
    expect((await again.call('getClusterInfo', {})).clusterId).toBe(first.clusterId);
  });

  it('UpdateNamespace: description, owner, data merged, retention checked and capped, states, replication, bad input', async () => {
    const namespaceShape = (r: Pick<DescribeNamespaceResponse, 'namespaceInfo' | 'config' | 'replicationConfig' | 'isGlobalNamespace' | 'failoverVersion'>) => ({
      info: { name: r.namespaceInfo?.name, state: r.namespaceInfo?.state, description: r.namespaceInfo?.description, ownerEmail: r.namespaceInfo?.ownerEmail, data: r.namespaceInfo?.data },
      retention: r.config?.workflowExecutionRetentionTtl,
      archival: [r.config?.historyArchivalState, r.config?.historyArchivalUri, r.config?.visibilityArchivalState, r.config?.visibilityArchivalUri],
      replication: r.replicationConfig,
      isGlobal: r.isGlobalNamespace,
      failoverVersion: r.failoverVersion,
    });
    await compare(async (c, suffix) => {
      const namespace = `ns-update-${suffix}`;
      const out: Record<string, Answer> = {};
      const update = (label: string, request: Partial<UpdateNamespaceRequest>) =>
        answer(c.call('updateNamespace', { namespace, ...request }), namespaceShape).then((a) => void (out[label] = a));
      out.register = await answer(c.call('registerNamespace', { namespace, workflowExecutionRetentionPeriod: seconds(86_400) }));
      out.registerShortRetention = await answer(c.call('registerNamespace', { namespace: `${namespace}-short`, workflowExecutionRetentionPeriod: seconds(3599) }));
      out.registerOneHour = await answer(c.call('registerNamespace', { namespace: `${namespace}-hour`, workflowExecutionRetentionPeriod: seconds(3600) }));
      out.noNamespace = await answer(c.call('updateNamespace', { namespace: '' }));
      out.unknown = await answer(c.call('updateNamespace', { namespace: `${namespace}-nope`, updateInfo: { description: 'x' } }));
      await update('nothing', {});
      await update('info', { updateInfo: { description: 'orders', ownerEmail: 'ops@example.com', data: { team: 'payments', tier: '1' }, state: 0 } });
      await update('emptyKeepsInfo', { updateInfo: { description: '', ownerEmail: '', data: { tier: '', region: 'eu' }, state: 0 } });
      for (const [label, s, n] of [['retentionHour', 3600, 0], ['retentionUnderHour', 3599, 0], ['retentionZero', 0, 0], ['retentionNegative', -5, 0], ['retentionMixedSigns', 7200, -1], ['retentionHuge', 9e15, 0], ['retentionTwoDays', 172_800, 0]] as const) {
        await update(label, { config: { workflowExecutionRetentionTtl: seconds(s, n) } as never });
      }
      await update('archivalIgnored', { config: { historyArchivalState: 2, historyArchivalUri: 'file:///tmp/archive', visibilityArchivalState: 2 } as never });
      await update('otherActiveCluster', { replicationConfig: { activeClusterName: 'elsewhere', clusters: [], state: 0 } });
      await update('otherCluster', { replicationConfig: { activeClusterName: '', clusters: [{ clusterName: 'b' }], state: 0 } });
      await update('sameCluster', { replicationConfig: { activeClusterName: 'active', clusters: [{ clusterName: 'active' }], state: 0 } });
      await update('handover', { replicationConfig: { activeClusterName: '', clusters: [], state: 2 } });
      await update('promote', { promoteNamespace: true });
      await update('unknownBadBinary', { deleteBadBinary: 'nope' });
      await update('stateUnknown', { updateInfo: { description: '', ownerEmail: '', data: {}, state: 99 as never } });
      await update('deprecate', { updateInfo: { description: '', ownerEmail: '', data: {}, state: 2 } });
      await update('backToRegistered', { updateInfo: { description: '', ownerEmail: '', data: {}, state: 1 } });
      await update('handoverWhenDeprecated', { replicationConfig: { activeClusterName: '', clusters: [], state: 2 } });
      await update('delete', { updateInfo: { description: '', ownerEmail: '', data: {}, state: 3 } });
      out.described = await answer(c.call('describeNamespace', { namespace }), namespaceShape);
      return out;
    });
  });

  it('DeprecateNamespace: the state becomes deprecated; an unknown or missing name is refused', async () => {
    const outcome = (await compare(async (c, suffix) => {
      const namespace = `ns-deprecate-${suffix}`;
      await c.call('registerNamespace', { namespace, workflowExecutionRetentionPeriod: seconds(86_400) });
      return {
        deprecated: await answer(c.call('deprecateNamespace', { namespace }), (r) => r),
        afterDeprecate: (await c.call('describeNamespace', { namespace })).namespaceInfo?.state,
        unknown: await answer(c.call('deprecateNamespace', { namespace: `${namespace}-nope` })),
        missing: await answer(c.call('deprecateNamespace', { namespace: '' })),
      };
    })) as { afterDeprecate: number };
    expect(outcome.afterDeprecate).toBe(2);
  });

  it('a deprecated namespace takes no new runs, a deleted one nothing but DescribeNamespace (FAILED_PRECONDITION)', async () => {
    const outcome = await compare(async (c, suffix) => {
      const deprecated = `ns-deprecated-${suffix}`;
      const deleted = `ns-deleted-${suffix}`;
      for (const namespace of [deprecated, deleted]) {
        await c.call('registerNamespace', { namespace, workflowExecutionRetentionPeriod: seconds(86_400) });
        await c.call('startWorkflowExecution', { namespace, workflowId: 'wf-before', workflowType: { name: 'anything' }, taskQueue: { name: 'tq' }, requestId: 'r-before' });
      }
      await c.call('deprecateNamespace', { namespace: deprecated });
      await c.call('updateNamespace', { namespace: deleted, updateInfo: { description: '', ownerEmail: '', data: {}, state: 3 } });
      // Temporal's frontend sees namespace changes when its namespace cache refreshes (seconds); Kairos's at once.
      for (let i = 0; i < 300; i++) {
        const seen = await answer(c.call('describeTaskQueue', { namespace: deleted, taskQueue: { name: 'tq' } }));
        if ('code' in seen && seen.code === 9) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const out: Record<string, Answer> = {};
      for (const [label, namespace] of [['deprecated', deprecated], ['deleted', deleted]] as const) {
        const execution = { workflowId: 'wf-before' };
        const calls: Record<string, () => Promise<unknown>> = {
          start: () => c.call('startWorkflowExecution', { namespace, workflowId: 'wf-after', workflowType: { name: 'anything' }, taskQueue: { name: 'tq' }, requestId: 'r-after' }),
          signalWithStart: () => c.call('signalWithStartWorkflowExecution', { namespace, workflowId: 'wf-sws', workflowType: { name: 'anything' }, taskQueue: { name: 'tq' }, requestId: 'r-sws', signalName: 's' }),
          signal: () => c.call('signalWorkflowExecution', { namespace, workflowExecution: execution, signalName: 's' }),
          describe: () => c.call('describeWorkflowExecution', { namespace, execution }),
          count: () => c.call('countWorkflowExecutions', { namespace }),
          describeNamespace: () => c.call('describeNamespace', { namespace }),
          update: () => c.call('updateNamespace', { namespace, updateInfo: { description: 'later', ownerEmail: '', data: {}, state: 0 } }),
          deprecate: () => c.call('deprecateNamespace', { namespace }),
          terminate: () => c.call('terminateWorkflowExecution', { namespace, workflowExecution: execution }),
        };
        for (const [name, call] of Object.entries(calls)) out[`${label}.${name}`] = await answer(call());
      }
      const listed = async (includeDeleted: boolean) =>
        (await c.call('listNamespaces', { pageSize: 1000, namespaceFilter: { includeDeleted } })).namespaces.map((n) => n.namespaceInfo!.name).filter((n) => n.endsWith(suffix)).sort();
      out.listed = { ok: await listed(false) };
      out.listedWithDeleted = { ok: await listed(true) };
      return out;
    });
    expect(outcome).toMatchObject({
      'deprecated.start': { code: 9, details: 'Namespace has invalid state: Deprecated. Must be Registered.' },
      'deleted.signal': { code: 9, details: 'Namespace has invalid state: Deleted. Must be Registered or Deprecated.' },
      'deleted.describeNamespace': { ok: 'OK' },
    });
  });

  it('ListArchivedWorkflowExecutions: archival is not configured', async () => {
    const outcome = await compare(async (c, suffix) => ({
      known: await answer(c.call('listArchivedWorkflowExecutions', { namespace: 'default', query: `WorkflowId = 'wf-${suffix}'` })),
      unknown: await answer(c.call('listArchivedWorkflowExecutions', { namespace: `nope-${suffix}` })),
      missing: await answer(c.call('listArchivedWorkflowExecutions', { namespace: '' })),
    }));
    expect(outcome).toMatchObject({ known: { code: 3, details: 'Cluster is not configured for visibility archival.' } });
  });

  it("DescribeTaskQueue's enhanced mode (the CLI's task-queue describe): per type pollers, backlog count and age, reachability", async () => {
    const outcome = await compare(async (c, suffix) => {
      const taskQueue = `tq-enhanced-${suffix}`;
      const enhanced = async (extra: Record<string, unknown> = {}) => {
        const res = await c.call('describeTaskQueue', {
          namespace: 'default',
          taskQueue: { name: taskQueue, kind: 1 },
          apiMode: 1,
          reportPollers: true,
          reportStats: true,
          reportTaskReachability: true,
          ...extra,
        });
        return Object.fromEntries(
          Object.entries(res.versionsInfo).map(([buildId, info]) => [
            buildId,
            {
              taskReachability: info.taskReachability,
              types: Object.fromEntries(
                Object.entries(info.typesInfo).map(([type, t]) => [
                  type,
                  {
                    pollers: t.pollers.map((p) => ({ identity: p.identity, hasRate: p.ratePerSecond > 0, seen: p.lastAccessTime !== undefined })),
                    backlog: t.stats?.approximateBacklogCount,
                    aged: (t.stats?.approximateBacklogAge?.seconds ?? 0) > 0 || (t.stats?.approximateBacklogAge?.nanos ?? 0) > 0,
                  },
                ]),
              ),
            },
          ]),
        );
      };
      /** The description once the workflow backlog is `count` (tasks reach the queue just after the start returns). */
      const withBacklog = async (count: number) => {
        let seen = await enhanced();
        for (let i = 0; i < 100 && seen['']?.types['1']?.backlog !== count; i++) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          seen = await enhanced();
        }
        return seen;
      };
      const empty = await enhanced();
      for (let i = 1; i <= 2; i++) {
        await c.call('startWorkflowExecution', { namespace: 'default', workflowId: `wf-enhanced-${suffix}-${i}`, workflowType: { name: 'anything' }, taskQueue: { name: taskQueue }, requestId: `r-enh-${suffix}-${i}` });
      }
      const backlog = await withBacklog(2);
      await c.call('pollWorkflowTaskQueue', { namespace: 'default', taskQueue: { name: taskQueue, kind: 1 }, identity: 'enhanced-worker' }, 70_000);
      const afterPoll = await withBacklog(1);
      return {
        empty,
        backlog,
        afterPoll,
        activityOnly: await enhanced({ taskQueueTypes: [2], reportTaskReachability: false }),
      };
    });
    expect(outcome).toMatchObject({
      backlog: { '': { taskReachability: 1, types: { '1': { backlog: 2 }, '2': { backlog: 0 } } } },
      afterPoll: { '': { types: { '1': { backlog: 1, pollers: [{ identity: 'enhanced-worker' }] } } } },
    });
  });

  it("DescribeTaskQueue's legacy status (backlog, read and ack levels) and pollers; ListTaskQueuePartitions with the owner's address", async () => {
    const outcome = await compare(async (c, suffix) => {
      const taskQueue = `tq-status-${suffix}`;
      const status = async (taskQueueType = 1) => {
        const res = await c.call('describeTaskQueue', { namespace: 'default', taskQueue: { name: taskQueue, kind: 1 }, taskQueueType, includeTaskQueueStatus: true });
        const s = res.taskQueueStatus;
        return {
          status: s && { backlogCountHint: s.backlogCountHint, readLevel: s.readLevel, ackLevel: s.ackLevel, hasRate: s.ratePerSecond > 0 },
          pollers: res.pollers.map((p) => ({ identity: p.identity, ratePerSecond: p.ratePerSecond, seenRecently: Date.now() - (p.lastAccessTime?.getTime() ?? 0) < 600_000 })),
        };
      };
      const empty = await status();
      for (let i = 1; i <= 3; i++) {
        await c.call('startWorkflowExecution', { namespace: 'default', workflowId: `wf-status-${suffix}-${i}`, workflowType: { name: 'anything' }, taskQueue: { name: taskQueue }, requestId: `r-${suffix}-${i}` });
      }
      /**
       * The status once the backlog is `count` and all three tasks were read: tasks reach the queue
       * shortly after the call that made them returns, and Temporal's reader follows just after.
       */
      const statusWithBacklog = async (count: number) => {
        const settled = (seen: Awaited<ReturnType<typeof status>>) => seen.status?.backlogCountHint === count && seen.status.readLevel === 3;
        let seen = await status();
        for (let i = 0; i < 100 && !settled(seen); i++) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          seen = await status();
        }
        return seen;
      };
      const backlog = await statusWithBacklog(3);
      // A worker takes one task: it is acknowledged once history recorded it started.
      const polled = await c.call('pollWorkflowTaskQueue', { namespace: 'default', taskQueue: { name: taskQueue, kind: 1 }, identity: 'status-worker' }, 70_000);
      const afterPoll = await statusWithBacklog(2);
      const withoutStatus = (await c.call('describeTaskQueue', { namespace: 'default', taskQueue: { name: taskQueue, kind: 1 } })).taskQueueStatus;
      const partitions = await answer(c.call('listTaskQueuePartitions', { namespace: 'default', taskQueue: { name: taskQueue, kind: 1 } }), (r) => ({
        activity: r.activityTaskQueuePartitions.map((p) => ({ key: p.key, ownerIsAddress: /^[\w.-]+:\d+$/.test(p.ownerHostName) })),
        workflow: r.workflowTaskQueuePartitions.map((p) => ({ key: p.key, ownerIsAddress: /^[\w.-]+:\d+$/.test(p.ownerHostName) })),
      }));
      return {
        empty,
        backlog,
        polledOne: polled.workflowExecution?.workflowId.startsWith(`wf-status-${suffix}-`),
        afterPoll,
        activity: await status(2),
        withoutStatus,
        partitions,
        partitionErrors: {
          noQueue: await answer(c.call('listTaskQueuePartitions', { namespace: 'default' })),
          emptyName: await answer(c.call('listTaskQueuePartitions', { namespace: 'default', taskQueue: { name: '' } })),
          noNamespace: await answer(c.call('listTaskQueuePartitions', { namespace: '', taskQueue: { name: taskQueue } })),
          unknownNamespace: await answer(c.call('listTaskQueuePartitions', { namespace: `nope-${suffix}`, taskQueue: { name: taskQueue } })),
        },
      };
    });
    expect(outcome).toMatchObject({
      empty: { status: { backlogCountHint: 0, readLevel: 0, ackLevel: 0 }, pollers: [] },
      backlog: { status: { backlogCountHint: 3, readLevel: 3, ackLevel: 0 } },
      afterPoll: { status: { backlogCountHint: 2, readLevel: 3, ackLevel: 1 }, pollers: [{ identity: 'status-worker', seenRecently: true }] },
    });
  });

  it('ListClusters, RemoveRemoteCluster and AddOrUpdateRemoteCluster: one local cluster that replicates to none', async () => {
    const scenario = async (server: TestServer) => {
      const connection = await Connection.connect({ address: server.address });
      try {
        const operator = connection.operatorService;
        const { clusters } = await operator.listClusters({});
        const [local] = clusters;
        const clusterId = (await connection.workflowService.getClusterInfo({})).clusterId;
        const unreachable = await answer(operator.addOrUpdateRemoteCluster({ frontendAddress: '127.0.0.1:1' }));
        return {
          listed: {
            count: clusters.length,
            name: local?.clusterName,
            sameIdAsClusterInfo: local?.clusterId === clusterId,
            address: local?.address === server.address,
            initialFailoverVersion: Number(local?.initialFailoverVersion),
            hasShards: (local?.historyShardCount ?? 0) > 0,
            isConnectionEnabled: local?.isConnectionEnabled,
            isReplicationEnabled: local?.isReplicationEnabled,
          },
          removeNone: await answer(operator.removeRemoteCluster({})),
          removeUnknown: await answer(operator.removeRemoteCluster({ clusterName: 'nope' })),
          removeSelf: await answer(operator.removeRemoteCluster({ clusterName: 'active' })),
          addNone: await answer(operator.addOrUpdateRemoteCluster({})),
          addSelf: await answer(operator.addOrUpdateRemoteCluster({ frontendAddress: server.address })),
          // The dial error's own words differ (Go's and Node's); the code and the start do not.
          addUnreachable: 'code' in unreachable ? [unreachable.code, unreachable.details.startsWith('Unable connect to remote cluster 127.0.0.1:1 with error: ')] : unreachable,
        };
      } finally {
        await connection.close();
      }
    };
    const onKairos = await scenario(servers.kairos!);
    if (servers.reference) expect(onKairos, 'Kairos (received) vs Temporal (expected)').toEqual(await scenario(servers.reference));
    expect(onKairos).toMatchObject({
      listed: { count: 1, name: 'active', sameIdAsClusterInfo: true, address: true, isConnectionEnabled: true },
      removeSelf: { code: 13, details: 'Unable to delete cluster info with error: Cannot delete current cluster metadata.' },
      addSelf: { code: 3 },
      addUnreachable: [14, true],
    });
  });
});
