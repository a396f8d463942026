/**
 * Time zones as Go's time package sees them, shared by workflow cron schedules (cron.ts) and
 * schedule calendars (schedules/): proleptic Gregorian arithmetic in seconds, and each zone's UTC
 * offset at an instant from the runtime's time-zone database (Intl), cached per UTC hour.
 */

export const DAY = 86_400;

export function floorDiv(a: number, b: number): number {
  return Math.floor(a / b);
}

export function floorMod(a: number, b: number): number {
  return a - Math.floor(a / b) * b;
}

/** Days from 1970-01-01 to the given civil date; month may run past 1..12 and day past the month (normalised like Go's time.Date). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y0 = year + floorDiv(month - 1, 12);
  const m = floorMod(month - 1, 12) + 1;
  // Count from March so the leap day ends the year.
  const y = m <= 2 ? y0 - 1 : y0;
  const era = floorDiv(y, 400);
  const yoe = y - era * 400;
  const mp = (m + 9) % 12;
  const doy = floorDiv(153 * mp + 2, 5);
  const doe = yoe * 365 + floorDiv(yoe, 4) - floorDiv(yoe, 100) + doy;
  return era * 146_097 + doe - 719_468 + (day - 1);
}

export interface Wall {
  year: number;
  month: number; // 1..12
  day: number; // 1..31
  hour: number;
  minute: number;
  second: number;
  weekday: number; // 0 = Sunday
}

/** The calendar fields of a count of seconds since 1970 read as a wall clock. */
export function wallFromSeconds(wall: number): Wall {
  const days = floorDiv(wall, DAY);
  const secOfDay = wall - days * DAY;
  const z = days + 719_468;
  const era = floorDiv(z, 146_097);
  const doe = z - era * 146_097;
  const yoe = floorDiv(doe - floorDiv(doe, 1460) + floorDiv(doe, 36_524) - floorDiv(doe, 146_096), 365);
  const doy = doe - (365 * yoe + floorDiv(yoe, 4) - floorDiv(yoe, 100));
  const mp = floorDiv(5 * doy + 2, 153);
  const day = doy - floorDiv(153 * mp + 2, 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return {
    year,
    month,
    day,
    hour: floorDiv(secOfDay, 3600),
    minute: floorDiv(secOfDay % 3600, 60),
    second: secOfDay % 60,
    weekday: floorMod(days + 4, 7), // 1970-01-01 was a Thursday
  };
}

// ---------------------------------------------------------------------------------------------
// Zones. A Zone maps an instant (seconds) to its UTC offset (seconds).

export interface Zone {
  offsetAt(instant: number): number;
}

export const UTC_ZONE: Zone = { offsetAt: () => 0 };

class IntlZone implements Zone {
  private readonly format: Intl.DateTimeFormat;
  /** Offsets at the start of UTC hours: within an hour whose two ends agree, nothing changes. */
  private readonly hourly = new Map<number, number>();

  constructor(name: string) {
    this.format = new Intl.DateTimeFormat('en-US', {
      timeZone: name,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  }

  offsetAt(instant: number): number {
    const hour = Math.floor(instant / 3600);
    const start = this.atHour(hour);
    return start === this.atHour(hour + 1) ? start : this.exact(instant);
  }

  private atHour(hour: number): number {
    let offset = this.hourly.get(hour);
    if (offset === undefined) {
      if (this.hourly.size >= 100_000) this.hourly.clear();
      offset = this.exact(hour * 3600);
      this.hourly.set(hour, offset);
    }
    return offset;
  }

  private exact(instant: number): number {
    const f: Record<string, string> = {};
    for (const part of this.format.formatToParts(new Date(instant * 1000))) f[part.type] = part.value;
    let year = Number(f.year);
    if (f.era === 'BC' || f.era === 'B') year = 1 - year;
    const wall = daysFromCivil(year, Number(f.month), Number(f.day)) * DAY + Number(f.hour) * 3600 + Number(f.minute) * 60 + Number(f.second);
    return wall - instant;
  }
}

const zoneCache = new Map<string, Zone>();

/**
 * Go's time.LoadLocation as far as it matters here: "" and "UTC" are UTC, "Local" is the zone of
 * the time handed to Next (UTC on the Temporal server), anything else must be an IANA zone name,
 * spelt with its exact case (Go looks the name up as a file).
 */
export function loadZone(name: string): Zone | undefined {
  if (name === '' || name === 'UTC' || name === 'Local') return UTC_ZONE;
  const cached = zoneCache.get(name);
  if (cached) return cached;
  // Region names start each segment with a capital or digit (Etc/GMT+5, EST5EDT, America/Port-au-Prince);
  // this also refuses ECMA-402's offset zones ("+05:00"), which Go does not know.
  if (!/^[A-Z][A-Za-z0-9_+-]*(\/[A-Z0-9][A-Za-z0-9_+-]*)*$/.test(name)) return undefined;
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
  // Intl ignores case; a name differing from its canonical form only in case is not a file Go would find.
  if (resolved !== name && resolved.toLowerCase() === name.toLowerCase()) return undefined;
  const zone = new IntlZone(name);
  zoneCache.set(name, zone);
  return zone;
}

