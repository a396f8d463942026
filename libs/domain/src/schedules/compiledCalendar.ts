import type { Range, StructuredCalendarSpec } from '@kairos/proto/temporal/api/schedule/v1/message';
import { MAX_CALENDAR_YEAR } from './calendarText';
import { instantOf, wallTimeAt } from './zonedTime';

const HOUR_MS = 3_600_000;

/** Every value a field's ranges take (end before start means start alone; step 0 means 1). */
function valuesOf(ranges: readonly Range[]): number[] {
  const values: number[] = [];
  for (const r of ranges) {
    const step = r.step || 1;
    const end = Math.max(r.end, r.start);
    for (let v = r.start; v <= end; v += step) values.push(v);
  }
  return values;
}

function matcher(ranges: readonly Range[]): (v: number) => boolean {
  const set = new Set(valuesOf(ranges));
  return (v) => set.has(v);
}

/** No year range means every year. */
function yearMatcher(ranges: readonly Range[]): (v: number) => boolean {
  if (ranges.length === 0) return () => true;
  return matcher(ranges);
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * A structured calendar in a time zone, compiled for matching and for finding the next matching
 * second, with Temporal's handling of DST: a wall time in a gap is skipped, and the hour repeated
 * by a fall-back transition matches twice.
 */
export class CompiledCalendar {
  private readonly year: (v: number) => boolean;
  private readonly month: (v: number) => boolean;
  private readonly dayOfMonth: (v: number) => boolean;
  private readonly dayOfWeek: (v: number) => boolean;
  private readonly hour: (v: number) => boolean;
  private readonly minute: (v: number) => boolean;
  private readonly second: (v: number) => boolean;

  constructor(
    spec: StructuredCalendarSpec,
    private readonly zone: string,
  ) {
    this.year = yearMatcher(spec.year);
    this.month = matcher(spec.month);
    this.dayOfMonth = matcher(spec.dayOfMonth);
    this.dayOfWeek = matcher(spec.dayOfWeek);
    this.hour = matcher(spec.hour);
    this.minute = matcher(spec.minute);
    this.second = matcher(spec.second);
  }

  /** Whether the instant (Unix ms) reads as a matching wall time in the zone. */
  matches(ms: number): boolean {
    const w = wallTimeAt(ms, this.zone);
    return this.year(w.year) && this.month(w.month) && this.dayOfMonth(w.day) && this.dayOfWeek(w.weekday) && this.hour(w.hour) && this.minute(w.minute) && this.second(w.second);
  }

  /** The first matching instant strictly after `ms` (Unix ms, whole seconds), or undefined before year 2101. */
  next(ms: number): number | undefined {
    const zone = this.zone;
    const at = (y: number, mo: number, d: number, h: number, mi: number, s: number) => instantOf(y, mo, d, h, mi, s, zone);
    const w = wallTimeAt(ms, zone);
    let [y, mo, d, h, m, s] = [w.year, w.month, w.day, w.hour, w.minute, w.second];
    // Already in the second pass of a repeated hour: results are an hour later than the wall time says.
    let dstOffset = wallTimeAt(ms - HOUR_MS, zone).hour === h ? HOUR_MS : 0;
    s++;
    for (;;) {
      if (s >= 60) [m, s] = [m + 1, 0];
      if (m >= 60) {
        const previous = at(y, mo, d, h, 0, 0);
        [h, m] = [h + 1, 0];
        const following = at(y, mo, d, h, 0, 0);
        if (dstOffset === 0 && following - previous > HOUR_MS) {
          // The hour repeats (fall back): go through it a second time.
          h -= 1;
          dstOffset = HOUR_MS;
        } else {
          dstOffset = 0;
        }
      }
      if (h >= 24) [d, h] = [d + 1, 0];
      if (d > daysInMonth(y, mo)) [mo, d] = [mo + 1, 1];
      if (mo > 12) [y, mo] = [y + 1, 1];
      if (y > MAX_CALENDAR_YEAR) return undefined;
      if (!this.year(y)) {
        [y, mo, d, h, m, s, dstOffset] = [y + 1, 1, 1, 0, 0, 0, 0];
        continue;
      }
      let restart = false;
      while (!this.month(mo)) {
        [mo, d, h, m, s, dstOffset] = [mo + 1, 1, 0, 0, 0, 0];
        if (mo > 12) {
          restart = true;
          break;
        }
      }
      if (restart) continue;
      while (!this.dayOfMonth(d) || !this.dayOfWeek(new Date(Date.UTC(y, mo - 1, d)).getUTCDay())) {
        [d, h, m, s, dstOffset] = [d + 1, 0, 0, 0, 0];
        if (d > daysInMonth(y, mo)) {
          restart = true;
          break;
        }
      }
      if (restart) continue;
      while (!this.hour(h)) {
        [h, m, s, dstOffset] = [h + 1, 0, 0, 0];
        if (h >= 24) {
          restart = true;
          break;
        }
      }
      if (restart) continue;
      while (!this.minute(m)) {
        [m, s] = [m + 1, 0];
        if (m >= 60) {
          restart = true;
          break;
        }
      }
      if (restart) continue;
      while (!this.second(s)) {
        s += 1;
        if (s >= 60) {
          restart = true;
          break;
        }
      }
      if (restart) continue;
      const candidate = at(y, mo, d, h, m, s);
      if (wallTimeAt(candidate, zone).hour !== h) {
        // That wall time does not exist (a DST gap): try the next hour.
        [h, m, s] = [h + 1, 0, 0];
        continue;
      }
      return candidate + dstOffset;
    }
  }
}
