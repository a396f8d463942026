import { dirname } from 'node:path';
import type { temporal } from '@temporalio/proto';

/**
 * Makes a history comparable across runs and servers.
 *
 * Events are first put in canonical proto3 JSON (the form `temporal workflow show --output json`,
 * Python's `MessageToDict` and every Temporal tool use: camelCase keys, enums by name, int64 as
 * strings, bytes base64, Timestamps RFC 3339, Durations "10s", unset fields left out, set
 * sub-messages kept even when empty), then the masking rules of test/oracle/MASKING.md are
 * applied. test/python/normalize.py implements the same rules on the same representation, and
 * e2e/normalizer.test.ts checks the two give identical output for the same history.
 */
export type NormalizedEvent = Record<string, unknown>;

// The JSON form of @temporalio/proto's own reflection root, through the protobufjs copy that
// @temporalio/proto itself uses (the hoisted copy may be another major version, and protobufjs
// checks `instanceof Type`).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const protoRoot = require('@temporalio/proto/protos/json-module');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const protojson = require(
  require.resolve('protobufjs/ext/protojson', { paths: [dirname(require.resolve('@temporalio/proto/package.json'))] }),
) as { toJson(type: unknown, message: unknown): unknown };
const historyType = protoRoot.lookupType('temporal.api.history.v1.History');
const eventType = protoRoot.lookupType('temporal.api.history.v1.HistoryEvent');

/** The run-id fields of history events (MASKING.md rule 3). */
const RUN_ID_KEYS = new Set([
  'runId',
  'originalExecutionRunId',
  'firstExecutionRunId',
  'newExecutionRunId',
  'continuedExecutionRunId',
  // A reset's WorkflowTaskFailed names the base run and the new run.
  'baseRunId',
  'newRunId',
]);

/** One value in canonical proto3 JSON, masked. `parent` is the object holding it. */
function maskValue(key: string, value: unknown, parent: Record<string, unknown>): unknown {
  // 1. Timestamps: every google.protobuf.Timestamp field is named *Time (eventTime,
  //    scheduledTime, expirationTime, ...); in proto3 JSON they are strings. Durations end in
  //    Timeout/Interval/Backoff and stay compared.
  if (key.endsWith('Time') && typeof value === 'string') return '<time>';
  // 2. taskId: the server's internal write-ordering counter.
  if (key === 'taskId' && parent.eventId !== undefined && value) return '<task-id>';
  // 3. Run ids (random UUIDs), only when non-empty.
  if (RUN_ID_KEYS.has(key) && value) return '<run-id>';
  // 4. identity: contains the worker's/client's pid; presence stays compared.
  if (key === 'identity' && value) return '<identity>';
  // 5. requestId: random UUID per poll / per start.
  if (key === 'requestId' && value) return '<request-id>';
  // 6. historySizeBytes: depends on the lengths of the masked values above; non-zero stays compared.
  if (key === 'historySizeBytes' && value && value !== '0') return '<size>';
  // 7. SDK flag sets: the SDK sends a set in arbitrary order.
  if ((key === 'coreUsedFlags' || key === 'langUsedFlags') && Array.isArray(value)) {
    return [...value].sort((a, b) => Number(a) - Number(b));
  }
  // 8. Sticky task queue names (made by the worker from its identity and a uuid); the kind and
  //    normalName stay compared.
  if (key === 'name' && parent.kind === 'TASK_QUEUE_KIND_STICKY' && value) return '<sticky-queue>';
  // 9. A continued run's first-task backoff: the minimal interval between runs less the time the
  //    previous run took, a wall-clock measure; zero or not stays compared.
  if (key === 'firstWorkflowTaskBackoff' && parent.continuedExecutionRunId && value && value !== '0s') return '<backoff>';
  // 10. Namespace ids (a random UUID per server), when non-empty.
  if ((key === 'namespaceId' || key.endsWith('NamespaceId')) && value) return '<namespace-id>';
  return maskTree(value);
}

function maskTree(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => maskTree(v));
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  const obj = value as Record<string, unknown>;
  for (const key of Object.keys(obj).sort()) out[key] = maskValue(key, obj[key], obj);
  return out;
}

/** Canonical proto3 JSON of a whole history, as Temporal's tools write it. */
export function historyToProto3Json(history: temporal.api.history.v1.IHistory): { events: Record<string, unknown>[] } {
  const json = protojson.toJson(historyType, historyType.fromObject(history)) as { events?: Record<string, unknown>[] };
  return { events: json.events ?? [] };
}

/** Canonical proto3 JSON of one event. */
export function eventToPlain(event: temporal.api.history.v1.IHistoryEvent): Record<string, unknown> {
  return protojson.toJson(eventType, eventType.fromObject(event)) as Record<string, unknown>;
}

/** Applies the masking rules to events already in proto3 JSON (e.g. read from a history file). */
export function normalizeJsonEvents(events: Record<string, unknown>[]): NormalizedEvent[] {
  return events.map((event) => maskTree(event) as NormalizedEvent);
}

/** A history (as fetched by the SDK, or a raw `temporal.api.history.v1.History`) in comparable form. */
export function normalizeHistory(history: temporal.api.history.v1.IHistory): NormalizedEvent[] {
  return normalizeJsonEvents(historyToProto3Json(history).events);
}
