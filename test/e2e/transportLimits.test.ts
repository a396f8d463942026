import { readFileSync } from 'node:fs';
import { Connection } from '@temporalio/client';
import { rawWorkflowClient, type RawWorkflowClient } from '@kairos/testing';
import { CommandType } from '@kairos/proto/temporal/api/enums/v1/command_type';
import { EventType } from '@kairos/proto/temporal/api/enums/v1/event_type';
import type { Failure } from '@kairos/proto/temporal/api/failure/v1/message';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareAcrossServers, startOracleReference, useOracleServers, type Scenario } from '../src/harness/oracle';
import { withWorker } from '../src/harness/sdk';
import { startKairosCluster, type KairosCluster, type TestServer } from '../src/harness/servers';

const RESOURCE_EXHAUSTED = 8;
const NOT_FOUND = 5;
const MiB = 1024 * 1024;

interface GrpcError {
  code: number;
  details: string;
}

/** A start request whose serialized size is about `payloadBytes` plus ~110 bytes of other fields. */
async function startWithPayload(connection: Connection, workflowId: string, payloadBytes: number): Promise<GrpcError | 'OK'> {
  try {
    await connection.workflowService.startWorkflowExecution({
      namespace: 'default',
      workflowId,
      workflowType: { name: 'Sized' },
      taskQueue: { name: 'transport-limits' },
      requestId: `${workflowId}-request`,
      input: { payloads: [{ metadata: { encoding: Buffer.from('binary/plain') }, data: Buffer.alloc(payloadBytes, 65) }] },
    });
    return 'OK';
  } catch (err) {
    const e = err as GrpcError;
    return { code: e.code, details: e.details };
  }
}

/** Temporal (Go gRPC): "grpc: received message larger than max (N vs. 4194304)"; grpc-js: "Received message larger than max (N vs 4194304)". */
const TOO_LARGE = /^(?:grpc: )?received message larger than max \((\d+) vs\.? (\d+)\)$/i;

/** The refusal reduced to what both servers must agree on: code, and the sizes the message names. */
function sizeRefusal(outcome: GrpcError | 'OK'): unknown {
  if (outcome === 'OK' || outcome.code !== RESOURCE_EXHAUSTED) return outcome;
  const m = TOO_LARGE.exec(outcome.details);
  return m ? { code: outcome.code, received: Number(m[1]), max: Number(m[2]) } : outcome;
}

/** Peak resident memory of a process (Linux), in bytes. */
function peakRss(pid: number): number {
  const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]!;
  return Number(kb) * 1024;
}

describe('transport limits, compared with the real Temporal dev server', () => {
  const servers = useOracleServers();

  it('reads requests up to 4 MiB and refuses larger ones with RESOURCE_EXHAUSTED from the transport, as Temporal', async () => {
    const sizes: Scenario = async (address, { suffix }) => {
      const connection = await Connection.connect({ address, interceptors: [] });
      try {
        const outcome: Record<string, unknown> = {};
        // 4,194,000 payload bytes: the message is just under 4 MiB, read and refused by the 2 MiB blob limit.
        for (const payloadBytes of [1 * MiB, 4_194_000, 4 * MiB, 50 * MiB]) {
          outcome[payloadBytes] = sizeRefusal(await startWithPayload(connection, `sized-${payloadBytes}-${suffix}`, payloadBytes));
        }
        return { outcome, workflowIds: [] };
      } finally {
        await connection.close();
      }
    };
    const { outcome } = await servers.compare(sizes);
    expect(outcome).toEqual({
      [1 * MiB]: 'OK',
      [4_194_000]: { code: 3, details: 'Blob data size exceeds limit.' },
      [4 * MiB]: { code: RESOURCE_EXHAUSTED, received: expect.any(Number), max: 4 * MiB },
      [50 * MiB]: { code: RESOURCE_EXHAUSTED, received: expect.any(Number), max: 4 * MiB },
    });
  });

  it('does not buffer oversized requests: six concurrent 50 MiB starts leave peak RSS within 64 MiB of where it was', async () => {
    const kairos = servers.kairos;
    if (kairos.kind !== 'kairos') return; // KAIROS_TEST_TARGET=temporal: Kairos's own memory only
    const pid = kairos.processes[0]!.child.pid!;
    const connection = await Connection.connect({ address: kairos.address, interceptors: [] });
    try {
      const before = peakRss(pid);
      const outcomes = await Promise.all(Array.from({ length: 6 }, (_, i) => startWithPayload(connection, `huge-${i}-${Date.now()}`, 50 * MiB)));
      for (const outcome of outcomes) expect(sizeRefusal(outcome)).toMatchObject({ code: RESOURCE_EXHAUSTED, max: 4 * MiB });
      // Before the 4 MiB limit each request was read whole: peak RSS grew by about 1.2 GiB here.
      expect(peakRss(pid) - before).toBeLessThan(64 * MiB);
    } finally {
      await connection.close();
    }
  });

  it('accepts a failure cause chain 3,000 deep: the workflow fails with it and its history reads back whole, as on Temporal', async () => {
    const DEPTH = 3_000;
    const deepFailure: Scenario = async (address, { suffix }) => {
      const client = rawWorkflowClient(address);
      try {
        const { outcome } = await failWithChain(client, `deep-${suffix}`, DEPTH);
        return { outcome, workflowIds: [] }; // the SDK's decoder stops at 100 levels: the history is read raw above
      } finally {
        client.close();
      }
    };
    const { outcome } = await servers.compare(deepFailure);
    expect(outcome).toEqual({ completed: 'OK', lastEvent: 'EVENT_TYPE_WORKFLOW_EXECUTION_FAILED', chainDepth: DEPTH, deepest: `level ${DEPTH}` });
  });

  it('refuses a message nested deeper than grpc.maxNestingDepth before any handler runs, and the task can still be completed', async () => {
    const kairos = servers.kairos;
    if (kairos.kind !== 'kairos') return; // Kairos's own bound (Temporal's, Go protobuf's, is 10,000)
    const client = rawWorkflowClient(kairos.address);
    try {
      const { outcome, complete } = await failWithChain(client, `too-deep-${Date.now()}`, 4_500);
      expect(outcome.completed).toEqual({ code: 13, details: 'Error deserializing request' });
      expect(await complete(100)).toBe('OK');
    } finally {
      client.close();
    }
  });

  it('answers made-up namespaces NOT_FOUND with Temporal\u2019s message (and keeps no rate-limit state for them)', async () => {
    const unknownNamespaces: Scenario = async (address, { suffix }) => {
      const connection = await Connection.connect({ address, interceptors: [] });
      try {
        const calls = Array.from({ length: 300 }, (_, i) => `made-up-${suffix}-${i}`).map((namespace, i) =>
          (i % 2
            ? connection.workflowService.describeNamespace({ namespace })
            : connection.workflowService.startWorkflowExecution({ namespace, workflowId: 'w', workflowType: { name: 'T' }, taskQueue: { name: 'q' }, requestId: `r-${i}` })
          ).then(
            () => 'OK',
            (err: GrpcError) => ({ code: err.code, details: err.details.replace(namespace, '<namespace>') }),
          ),
        );
        const outcomes = new Map<string, number>();
        for (const o of await Promise.all(calls)) outcomes.set(JSON.stringify(o), (outcomes.get(JSON.stringify(o)) ?? 0) + 1);
        // The existing namespace is served as before.
        await connection.workflowService.describeNamespace({ namespace: 'default' });
        return { outcome: Object.fromEntries(outcomes), workflowIds: [] };
      } finally {
        await connection.close();
      }
    };
    const { outcome } = await servers.compare(unknownNamespaces);
    expect(outcome).toEqual({ [JSON.stringify({ code: NOT_FOUND, details: 'Namespace <namespace> is not found.' })]: 300 });
  });
});

/**
 * Starts a workflow, takes its first task with a raw poll and completes it with
 * FailWorkflowExecution whose failure has a `depth`-deep cause chain; then reads the history back
 * raw and measures the chain it holds. `complete` completes the still-open task another way.
 */
async function failWithChain(client: RawWorkflowClient, workflowId: string, depth: number) {
  const taskQueue = `${workflowId}-queue`;
  await client.call('startWorkflowExecution', { namespace: 'default', workflowId, workflowType: { name: 'Deep' }, taskQueue: { name: taskQueue }, requestId: `${workflowId}-start` });
  const task = await client.call('pollWorkflowTaskQueue', { namespace: 'default', taskQueue: { name: taskQueue }, identity: 'raw' });
  const failWith = (chainDepth: number) =>
    client
      .call('respondWorkflowTaskCompleted', {
        namespace: 'default',
        taskToken: task.taskToken,
        identity: 'raw',
        commands: [{ commandType: CommandType.COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION, failWorkflowExecutionCommandAttributes: { failure: causeChain(chainDepth) } }],
      })
      .then(
        () => 'OK' as const,
        (err: GrpcError) => ({ code: err.code, details: err.details }),
      );
  const completed = await failWith(depth);
  const history = await client.call('getWorkflowExecutionHistory', { namespace: 'default', execution: { workflowId } });
  const last = history.history!.events.at(-1)!;
  const chain: Failure[] = [];
  for (let f = last.workflowExecutionFailedEventAttributes?.failure; f; f = f.cause) chain.push(f);
  return {
    outcome: { completed, lastEvent: EventType[last.eventType], chainDepth: chain.length, deepest: chain.at(-1)?.message },
    complete: failWith,
  };
}

/** level 1 caused by level 2 … caused by level `depth`. */
function causeChain(depth: number): Partial<Failure> {
  let failure: Partial<Failure> | undefined;
  for (let level = depth; level >= 1; level--) failure = { message: `level ${level}`, applicationFailureInfo: { type: 'Deep' } as never, cause: failure as Failure };
  return failure!;
}

describe('internal channels carry messages over 4 MiB (a cluster, compared with the real Temporal dev server)', () => {
  let cluster: KairosCluster;
  let reference: TestServer | undefined;
  const workflowsPath = require.resolve('../workflows/transportLimits.ts');
  const activities = { blob: async (size: number) => 'x'.repeat(size) };

  beforeAll(async () => {
    [cluster, reference] = await Promise.all([startKairosCluster(), startOracleReference()]);
  });

  afterAll(async () => {
    await Promise.all([cluster?.stop(), reference?.stop()]);
  });

  it('runs three activities returning payloads near the 2 MiB blob limit, then serves the 6 MB history to a reader and to a fresh worker’s query', async () => {
    const COUNT = 3;
    const SIZE = 2_000_000;
    const largePayloads: Scenario = async (address, { suffix }) => {
      const taskQueue = `large-${suffix}`;
      const workflowId = `large-wf-${suffix}`;
      const result = await withWorker({ address, taskQueue, workflowsPath, activities }, (client) =>
        client.workflow.execute('largePayloads', { taskQueue, workflowId, args: [COUNT, SIZE] }),
      );
      // A worker with no cached state replays the whole history: a poll response over 4 MiB.
      const queried = await withWorker({ address, taskQueue, workflowsPath, activities }, (client) => client.workflow.getHandle(workflowId).query('total'));
      // Read raw: the TypeScript SDK's client keeps grpc-js's 4 MiB receive limit (its 128 MB option
      // lacks the "grpc." prefix), on any server.
      const raw = rawWorkflowClient(address);
      try {
        const { history } = await raw.call('getWorkflowExecutionHistory', { namespace: 'default', execution: { workflowId } });
        const events = history!.events;
        const payloadBytes = events.reduce((sum, e) => sum + (e.activityTaskCompletedEventAttributes?.result?.payloads[0]?.data.length ?? 0), 0);
        return { outcome: { result, queried, payloadBytes, events: events.map((e) => EventType[e.eventType]) }, workflowIds: [] };
      } finally {
        raw.close();
      }
    };
    const { outcome } = await compareAcrossServers(cluster, reference, largePayloads);
    expect(outcome).toMatchObject({ result: COUNT * SIZE, queried: COUNT * SIZE, payloadBytes: COUNT * (SIZE + 2) });
  });
});
