import { Connection } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKairosDev, startTemporalDev, type TestServer } from '../src/harness/servers';
import { untilAsync } from '../src/harness/waiting';

/**
 * OperatorService.DeleteNamespace and namespace retention, side by side on Kairos start-dev and
 * the Temporal dev server: the same calls, their answers compared after masking ids; what takes
 * time in the background (runs deleted, then the namespace; closed runs deleted after the
 * retention) is awaited with a bound on both.
 */

/** Both servers take retentions down to a second, as Temporal's tests do (dynamic config). */
const MIN_RETENTION = { 'system.namespaceMinRetentionLocal': '1s' };
/** Temporal spreads retention deletions over up to 30 minutes unless told otherwise. */
const TEMPORAL_ONLY = { 'history.retentionTimerJitterDuration': '1s' };
/** A protobuf Duration as the SDK's request types take it (their seconds are typed as Long). */
const seconds = (n: number) => ({ seconds: n as never, nanos: 0 });
const DAY = seconds(86_400);

interface GrpcError {
  code: number;
  details: string;
}

/** A call's outcome: "OK" or its code and message, with the given texts masked. */
async function shape(call: Promise<unknown>, masks: Record<string, string> = {}): Promise<unknown> {
  try {
    await call;
    return 'OK';
  } catch (err) {
    let details = (err as GrpcError).details;
    // Longest first, so a name is masked before any name it starts with.
    for (const [text, mask] of Object.entries(masks).sort(([a], [b]) => b.length - a.length)) details = details.split(text).join(mask);
    return { code: (err as GrpcError).code, details };
  }
}

/** Registers a namespace and waits until the server serves it (Temporal's namespace cache takes a moment). */
async function register(connection: Connection, namespace: string, retention = DAY): Promise<string> {
  await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: retention });
  await untilAsync(async () => (await shape(connection.workflowService.listWorkflowExecutions({ namespace }))) === 'OK', `namespace ${namespace} served`, 30_000);
  return (await connection.workflowService.describeNamespace({ namespace })).namespaceInfo!.id!;
}

async function startRun(connection: Connection, namespace: string, workflowId: string): Promise<string> {
  const started = await connection.workflowService.startWorkflowExecution({
    namespace,
    workflowId,
    workflowType: { name: 'NeverPolled' },
    taskQueue: { name: 'tq-nobody-polls' },
    requestId: randomUUID(),
  });
  return started.runId!;
}

/** The DeleteNamespace scenario on one server: what a client sees at each step. */
async function deleteNamespaceScenario(address: string) {
  const connection = await Connection.connect({ address });
  try {
    const operator = connection.operatorService;
    const service = connection.workflowService;
    const suffix = randomUUID().slice(0, 8);
    const namespace = `del-${suffix}`;
    const unknownId = randomUUID();
    const masks = { [namespace]: '<ns>', [unknownId]: '<unknown-id>' };
    const badInput = {
      none: await shape(operator.deleteNamespace({})),
      both: await shape(operator.deleteNamespace({ namespace: 'a', namespaceId: unknownId })),
      unknownName: await shape(operator.deleteNamespace({ namespace: `${namespace}-nope` }), masks),
      unknownId: await shape(operator.deleteNamespace({ namespaceId: unknownId }), masks),
    };

    const id = await register(connection, namespace);
    const running = await startRun(connection, namespace, 'wf-running');
    const closed = await startRun(connection, namespace, 'wf-closed');
    await service.terminateWorkflowExecution({ namespace, workflowExecution: { workflowId: 'wf-closed', runId: closed }, reason: 'done' });

    const { deletedNamespace } = await operator.deleteNamespace({ namespace });
    const renamed = deletedNamespace ?? '';
    const renamedMasks = { ...masks, [renamed]: '<deleted-ns>' };
    const atOnce = {
      renamedAs: renamed === `${namespace}-deleted-${id.slice(0, 5)}`,
      describeOld: await shape(service.describeNamespace({ namespace }), renamedMasks),
      stateOfRenamed: (await service.describeNamespace({ namespace: renamed })).namespaceInfo?.state,
      listed: (await service.listNamespaces({})).namespaces.some((n) => n.namespaceInfo?.name === renamed),
      listedWithDeleted: (await service.listNamespaces({ namespaceFilter: { includeDeleted: true } })).namespaces.some((n) => n.namespaceInfo?.name === renamed),
      startInRenamed: await shape(startRun(connection, renamed, 'wf-new'), renamedMasks),
      deleteAgain: await shape(operator.deleteNamespace({ namespace }), renamedMasks),
    };
    // The old name is free at once.
    const reregistered = await shape(service.registerNamespace({ namespace, workflowExecutionRetentionPeriod: DAY }));
    // By id instead of by name.
    const byIdName = `${namespace}-by-id`;
    const byId = await register(connection, byIdName);
    const deletedById = (await operator.deleteNamespace({ namespaceId: byId })).deletedNamespace === `${byIdName}-deleted-${byId.slice(0, 5)}`;

    // In the background: the runs, then the namespace itself.
    await untilAsync(async () => (await shape(service.describeNamespace({ namespace: renamed }))) !== 'OK', `${renamed} removed`, 120_000);
    const afterwards = {
      describeRenamed: await shape(service.describeNamespace({ namespace: renamed }), renamedMasks),
      // The new namespace of the old name has none of the deleted one's runs.
      runsUnderOldName: await shape(service.describeWorkflowExecution({ namespace, execution: { workflowId: 'wf-running', runId: running } }), {
        ...renamedMasks,
        [running]: '<run>',
      }),
    };
    return { badInput, atOnce, reregistered, deletedById, afterwards };
  } finally {
    await connection.close();
  }
}

/** A closed run outlives its namespace's retention (2 s here) only briefly; an open one stays. */
async function retentionScenario(address: string) {
  const connection = await Connection.connect({ address });
  try {
    const service = connection.workflowService;
    const namespace = `ret-${randomUUID().slice(0, 8)}`;
    await register(connection, namespace, seconds(2));
    const closed = await startRun(connection, namespace, 'wf-closed');
    const open = await startRun(connection, namespace, 'wf-open');
    await service.terminateWorkflowExecution({ namespace, workflowExecution: { workflowId: 'wf-closed', runId: closed }, reason: 'done' });
    const masks = { [closed]: '<closed-run>', [open]: '<open-run>' };
    const gone = async () => (await shape(service.describeWorkflowExecution({ namespace, execution: { workflowId: 'wf-closed', runId: closed } }))) !== 'OK';
    await untilAsync(gone, 'the closed run deleted after the retention', 120_000);
    const result = {
      describeClosed: await shape(service.describeWorkflowExecution({ namespace, execution: { workflowId: 'wf-closed', runId: closed } }), masks),
      historyClosed: await shape(service.getWorkflowExecutionHistory({ namespace, execution: { workflowId: 'wf-closed', runId: closed } }), masks),
      listedClosed: (await service.listWorkflowExecutions({ namespace, query: `WorkflowId = 'wf-closed'` })).executions.length,
      describeOpen: await shape(service.describeWorkflowExecution({ namespace, execution: { workflowId: 'wf-open', runId: open } }), masks),
    };
    await service.terminateWorkflowExecution({ namespace, workflowExecution: { workflowId: 'wf-open', runId: open }, reason: 'done' });
    return result;
  } finally {
    await connection.close();
  }
}

describe('DeleteNamespace and namespace retention, compared with the Temporal dev server', () => {
  const servers: { kairos?: TestServer; temporal?: TestServer } = {};
  beforeAll(async () => {
    const [kairos, temporal] = await Promise.allSettled([
      startKairosDev({ kairosOnly: true, extraArgs: Object.entries(MIN_RETENTION).flatMap(([k, v]) => ['--dynamic-config-value', `${k}=${JSON.stringify(v)}`]) }),
      startTemporalDev({ dynamicConfig: { ...MIN_RETENTION, ...TEMPORAL_ONLY } }),
    ]);
    if (kairos.status === 'fulfilled') servers.kairos = kairos.value;
    if (temporal.status === 'fulfilled') servers.temporal = temporal.value;
    if (kairos.status === 'rejected') throw kairos.reason;
    if (temporal.status === 'rejected') throw temporal.reason;
  });
  afterAll(async () => {
    await Promise.all([servers.kairos?.stop(), servers.temporal?.stop()]);
  });

  it('renames and marks the namespace deleted at once, then removes its runs and itself; bad input refused alike', async () => {
    const [onKairos, onTemporal] = await Promise.all([deleteNamespaceScenario(servers.kairos!.address), deleteNamespaceScenario(servers.temporal!.address)]);
    expect(onKairos).toEqual(onTemporal);
    // What both answered, spelled out (so a change on both sides is still noticed).
    expect(onKairos.badInput).toEqual({
      none: { code: 3, details: 'Namespace not set on request.' },
      both: { code: 3, details: 'Only one of namespace name or Id should be set on request.' },
      unknownName: { code: 5, details: 'Namespace <ns>-nope is not found.' },
      unknownId: { code: 5, details: 'Namespace <unknown-id> is not found.' },
    });
    expect(onKairos.atOnce).toMatchObject({ renamedAs: true, describeOld: { code: 5 }, stateOfRenamed: 3, listed: false, listedWithDeleted: true, startInRenamed: { code: 9 } });
    expect(onKairos.afterwards.describeRenamed).toEqual({ code: 5, details: 'Namespace <deleted-ns> is not found.' });
    expect(onKairos.deletedById).toBe(true);
  });

  it('deletes a closed run once its namespace retention has passed, and leaves open runs', async () => {
    const [onKairos, onTemporal] = await Promise.all([retentionScenario(servers.kairos!.address), retentionScenario(servers.temporal!.address)]);
    expect(onKairos).toEqual(onTemporal);
    expect(onKairos.listedClosed).toBe(0);
    expect(onKairos.describeOpen).toBe('OK');
  });

  // Last: the servers have no default namespace afterwards.
  it('deletes `default` while a workflow runs in it, as Temporal does (no refusal), and the name is then unknown', async () => {
    const scenario = async (address: string) => {
      const connection = await Connection.connect({ address });
      try {
        const runId = await startRun(connection, 'default', `wf-default-${randomUUID()}`);
        const { namespaceInfo } = await connection.workflowService.describeNamespace({ namespace: 'default' });
        const { deletedNamespace } = await connection.operatorService.deleteNamespace({ namespace: 'default' });
        return {
          running: runId.length > 0,
          renamed: deletedNamespace === `default-deleted-${namespaceInfo!.id!.slice(0, 5)}`,
          startAfter: await shape(startRun(connection, 'default', 'wf-after')),
        };
      } finally {
        await connection.close();
      }
    };
    const [onKairos, onTemporal] = await Promise.all([scenario(servers.kairos!.address), scenario(servers.temporal!.address)]);
    expect(onKairos).toEqual(onTemporal);
    expect(onKairos).toEqual({ running: true, renamed: true, startAfter: { code: 5, details: 'Namespace default is not found.' } });
  });
});
