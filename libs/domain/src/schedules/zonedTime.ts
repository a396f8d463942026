/**
 * Wall-clock times in a named time zone, from the runtime's time-zone database (Intl), with the
 * rules Go's time package applies and Temporal's schedule calendars rely on: a wall time that
 * does not exist (a DST gap) or exists twice (a DST overlap) resolves as Go's time.Date does.
 */
import { loadZone, wallFromSeconds, type Zone } from '../timeZones';

export interface WallTime {
  year: number;
  /** 1–12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** 0 = Sunday */
  weekday: number;
}

function zoneOf(zone: string): Zone {
  const z = loadZone(zone);
  if (!z) throw new Error(`unknown time zone ${zone}`);
  return z;
}

/**
 * Whether Go's time.LoadLocation knows the zone (`UTC`, `Europe/Paris`, ... spelt exactly); ""
 * and "Local" are UTC, as on a Temporal server running in UTC.
 */
export function isKnownTimeZone(zone: string): boolean {
  return loadZone(zone) !== undefined;
}

/** The wall-clock reading of the instant `ms` (Unix milliseconds, whole seconds) in `zone`. */
export function wallTimeAt(ms: number, zone: string): WallTime {
  const seconds = Math.floor(ms / 1000);
  return wallFromSeconds(seconds + zoneOf(zone).offsetAt(seconds));
}

/** The zone's offset from UTC at the instant `ms`, in ms. */
function offsetAt(ms: number, zone: string): number {
  return zoneOf(zone).offsetAt(Math.floor(ms / 1000)) * 1000;
}

/**
 * The instant of a wall time in `zone` (out-of-range fields carry over, as in Date.UTC). As Go's
 * time.Date: the offset in force at the wall time read as UTC is tried first, and the offset at
 * the resulting instant is used when they differ (a gap moves forward, an overlap takes the
 * first of the two readings).
 */
export function instantOf(year: number, month: number, day: number, hour: number, minute: number, second: number, zone: string): number {
  const local = Date.UTC(year, month - 1, day, hour, minute, second);
  const first = offsetAt(local, zone);
  const guess = local - first;
  const second_ = offsetAt(guess, zone);
  return second_ === first ? guess : local - second_;
}
