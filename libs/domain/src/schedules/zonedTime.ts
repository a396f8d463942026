/**
 * Wall-clock times in a named time zone, from the runtime's time-zone database (Intl), with the
 * rules Go's time package applies and Temporal's schedule calendars rely on: a wall time that
 * does not exist (a DST gap) or exists twice (a DST overlap) resolves as Go's time.Date does.
 */
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

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** Whether the runtime knows the zone (`UTC`, `Europe/Paris`, ...); "" and "Local" are taken as UTC, as Temporal does on a UTC server. */
export function isKnownTimeZone(zone: string): boolean {
  try {
    formatterFor(zoneName(zone));
    return true;
  } catch {
    return false;
  }
}

function zoneName(zone: string): string {
  return zone === '' || zone === 'Local' ? 'UTC' : zone;
}

/** The wall-clock reading of the instant `ms` (Unix milliseconds, whole seconds) in `zone`. */
export function wallTimeAt(ms: number, zone: string): WallTime {
  const parts = formatterFor(zoneName(zone)).formatToParts(new Date(ms));
  const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  const wall = { year: get('year'), month: get('month'), day: get('day'), hour: get('hour'), minute: get('minute'), second: get('second') };
  return { ...wall, weekday: new Date(Date.UTC(wall.year, wall.month - 1, wall.day)).getUTCDay() };
}

/** The zone's offset from UTC at the instant `ms`, in ms. */
function offsetAt(ms: number, zone: string): number {
  const w = wallTimeAt(ms, zone);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(ms / 1000) * 1000;
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
