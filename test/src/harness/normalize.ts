import { temporal } from '@temporalio/proto';

/**
 * Makes a history comparable across runs and servers. The masking rules are listed (and
 * justified) in test/oracle/MASKING.md; the Python suite implements the same rules.
 */
export type NormalizedEvent = Record<string, unknown>;

const RUN_ID_KEYS = new Set(['runId', 'originalExecutionRunId', 'firstExecutionRunId', 'newExecutionRunId', 'continuedExecutionRunId']);

function isTimestamp(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'seconds' in value && Object.keys(value).every((k) => k === 'seconds' || k === 'nanos');
}

function normalizeValue(key: string, value: unknown, parent: Record<string, unknown>): unknown {
  if (key.endsWith('Time') && (isTimestamp(value) || typeof value === 'string')) return '<time>';
  if (RUN_ID_KEYS.has(key) && value) return '<run-id>';
  if (key === 'identity' && value) return '<identity>';
  if (key === 'requestId' && value) return '<request-id>';
  if (key === 'historySizeBytes' && value && value !== '0') return '<size>';
  if ((key === 'coreUsedFlags' || key === 'langUsedFlags') && Array.isArray(value)) return [...value].sort((a, b) => Number(a) - Number(b));
  if (key === 'name' && parent.kind === 'TASK_QUEUE_KIND_STICKY') return '<sticky-queue>';
  return normalizeObject(value);
}

function normalizeObject(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => normalizeObject(v));
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  const obj = value as Record<string, unknown>;
  for (const key of Object.keys(obj).sort()) out[key] = normalizeValue(key, obj[key], obj);
  return out;
}

/** Proto3-JSON-like plain object of one event (enums as names, int64 as strings, bytes base64). */
export function eventToPlain(event: temporal.api.history.v1.IHistoryEvent): Record<string, unknown> {
  return temporal.api.history.v1.HistoryEvent.toObject(temporal.api.history.v1.HistoryEvent.fromObject(event), {
    longs: String,
    enums: String,
    bytes: String,
    defaults: false,
  }) as Record<string, unknown>;
}

export function normalizeHistory(history: temporal.api.history.v1.IHistory): NormalizedEvent[] {
  return (history.events ?? []).map((event) => {
    const plain = eventToPlain(event);
    const normalized = normalizeObject(plain) as NormalizedEvent;
    if (normalized.taskId) normalized.taskId = '<task-id>';
    return normalized;
  });
}
