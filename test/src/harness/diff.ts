import { isDeepStrictEqual } from 'node:util';
import type { NormalizedEvent } from './normalize';

const ABSENT = '<absent>';

/**
 * Readable differences between two normalized histories, event by event and field by field:
 * `event 5 (EVENT_TYPE_ACTIVITY_TASK_SCHEDULED).activityTaskScheduledEventAttributes.heartbeatTimeout: kairos=<absent> temporal="0s"`.
 */
export function historyDifferences(
  ours: NormalizedEvent[],
  theirs: NormalizedEvent[],
  labels: [string, string] = ['kairos', 'temporal'],
  limit = 20,
): string[] {
  const out: string[] = [];
  const walk = (path: string, a: unknown, b: unknown): void => {
    if (out.length >= limit || isDeepStrictEqual(a, b)) return;
    if (isPlainObject(a) && isPlainObject(b)) {
      for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
        walk(`${path}.${key}`, key in a ? a[key] : ABSENT, key in b ? b[key] : ABSENT);
      }
      return;
    }
    if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
      a.forEach((x, i) => walk(`${path}[${i}]`, x, b[i]));
      return;
    }
    out.push(`${path}: ${labels[0]}=${show(a)} ${labels[1]}=${show(b)}`);
  };
  for (let i = 0; i < Math.max(ours.length, theirs.length) && out.length < limit; i++) {
    const a = ours[i];
    const b = theirs[i];
    const label = `event ${i + 1} (${String((b ?? a)?.eventType ?? '?')})`;
    if (!a || !b) out.push(`${label}: only on ${a ? labels[0] : labels[1]}`);
    else walk(label, a, b);
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function show(v: unknown): string {
  return v === ABSENT ? ABSENT : JSON.stringify(v);
}
