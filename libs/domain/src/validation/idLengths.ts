import { setting } from '@kairos/common/settings';

/** Temporal's limit.maxIDLength, on ids, names, request ids and task queue names. */
export function maxIdLength(): number {
  return setting('domain.maxIdLength');
}

/** A string's length as Go's len() counts it (UTF-8 bytes): what Temporal's limits and messages use. */
export function byteLength(value: string): number {
  return Buffer.byteLength(value, 'utf8');
}

/** Whether an id or name is over Temporal's limit. */
export function exceedsIdLength(value: string): boolean {
  return byteLength(value) > maxIdLength();
}
