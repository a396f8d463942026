import Long from 'long';
import { Client, Connection, type TLSConfig } from '@temporalio/client';
import type { google, temporal } from '@temporalio/proto';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';

let runtimeInstalled = false;
/**
 * Installs the SDK runtime of this test process (once: later calls do nothing). A suite that
 * lists workers asks for a short heartbeat interval before any worker starts (the SDK's default
 * is a minute).
 */
export function quietRuntime(options: { workerHeartbeatInterval?: string } = {}): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ logger: new DefaultLogger('WARN'), ...options });
}

const bundles = new Map<string, Promise<WorkflowBundleWithSourceMap>>();
/** Bundles a workflows file once per test process (webpack takes seconds). */
export function workflowBundle(workflowsPath: string): Promise<WorkflowBundleWithSourceMap> {
  let bundle = bundles.get(workflowsPath);
  if (!bundle) {
    bundle = bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
    bundles.set(workflowsPath, bundle);
  }
  return bundle;
}

export interface WorkerRunOptions {
  address: string;
  taskQueue: string;
  workflowsPath: string;
  activities: Record<string, (...args: any[]) => Promise<unknown>>;
  /** The client shares the worker's native connection (what eager workflow start requires). */
  clientOnWorkerConnection?: boolean;
  /** TLS (and a client certificate for mTLS) for the worker's and the client's connections. */
  tls?: TLSConfig;
}

/** Runs a worker on the task queue while `fn` uses a client; shuts both down afterwards. */
export async function withWorker<T>(options: WorkerRunOptions, fn: (client: Client) => Promise<T>): Promise<T> {
  quietRuntime();
  const nativeConnection = await NativeConnection.connect({ address: options.address, tls: options.tls });
  const connection = await Connection.connect({ address: options.address, tls: options.tls });
  try {
    const worker = await Worker.create({
      connection: nativeConnection,
      taskQueue: options.taskQueue,
      workflowBundle: await workflowBundle(options.workflowsPath),
      activities: options.activities,
    });
    const client = new Client({ connection: options.clientOnWorkerConnection ? nativeConnection : connection });
    return await worker.runUntil(fn(client));
  } finally {
    await connection.close();
    await nativeConnection.close();
  }
}

export async function fetchHistory(address: string, workflowId: string): Promise<temporal.api.history.v1.IHistory> {
  const connection = await Connection.connect({ address });
  try {
    return await new Client({ connection }).workflow.getHandle(workflowId).fetchHistory();
  } finally {
    await connection.close();
  }
}

/** Event type names in order, e.g. ["WorkflowExecutionStarted", ...]. */
export function eventTypes(history: temporal.api.history.v1.IHistory): string[] {
  return (history.events ?? []).map((e) =>
    temporalEventTypeName(e.eventType ?? 0),
  );
}

import { temporal as proto } from '@temporalio/proto';
function temporalEventTypeName(type: number): string {
  const name = proto.api.enums.v1.EventType[type] ?? String(type);
  return name
    .replace(/^EVENT_TYPE_/, '')
    .toLowerCase()
    .replace(/(^|_)([a-z])/g, (_m, _s, c: string) => c.toUpperCase());
}

/** Event types of a workflow that runs one activity and completes (sdk-contract Appendix A). */
export const ONE_ACTIVITY_EVENT_TYPES: readonly string[] = [
  'WorkflowExecutionStarted',
  'WorkflowTaskScheduled',
  'WorkflowTaskStarted',
  'WorkflowTaskCompleted',
  'ActivityTaskScheduled',
  'ActivityTaskStarted',
  'ActivityTaskCompleted',
  'WorkflowTaskScheduled',
  'WorkflowTaskStarted',
  'WorkflowTaskCompleted',
  'WorkflowExecutionCompleted',
];

/**
 * Waits until the run's history holds `count` events of `eventType` (a name as eventTypes()
 * gives, e.g. "WorkflowTaskCompleted"): a scenario's next step then does not depend on how fast
 * the machine is, as a fixed sleep would.
 */
export async function waitForEvents(handle: { fetchHistory(): Promise<temporal.api.history.v1.IHistory> }, eventType: string, count = 1, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const seen = eventTypes(await handle.fetchHistory()).filter((t) => t === eventType).length;
    if (seen >= count) return;
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${count} ${eventType} event(s), saw ${seen}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A protobuf Duration of whole seconds, typed as @temporalio/proto's raw API wants it (Long seconds). */
export function seconds(value: number): google.protobuf.IDuration {
  return { seconds: Long.fromNumber(value) };
}
