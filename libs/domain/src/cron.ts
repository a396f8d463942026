/**
 * Workflow cron schedules (`cron_schedule` of StartWorkflowExecution) as the Temporal server reads
 * them: github.com/robfig/cron/v3 `ParseStandard` (five fields, descriptors, `@every`, an optional
 * `CRON_TZ=`/`TZ=` zone) and the next-time search of its SpecSchedule and ConstantDelaySchedule,
 * plus Temporal's `common/backoff/cron.go` helpers (validation and the wait before the next run).
 *
 * Times are instants; the search works in whole seconds, in the schedule's zone (UTC when the spec
 * names none, as Temporal hands robfig UTC times), following Go's wall-clock arithmetic so that
 * daylight-saving gaps and overlaps come out as they do on the Temporal server.
 */

import { DAY, daysFromCivil, floorMod, loadZone, UTC_ZONE, wallFromSeconds, type Wall, type Zone } from './timeZones';

/** A parsed cron schedule. `next` gives the first activation strictly after `after` (whole seconds), or undefined where robfig gives the zero time. */
export interface CronSchedule {
  next(after: Date): Date | undefined;
}

/** ParseStandard refused the spec; the message is robfig's (near enough). */
export class CronScheduleError extends Error {
  override name = 'CronScheduleError';
}

/** Temporal's INVALID_ARGUMENT messages for a cron schedule. */
export const INVALID_CRON_SCHEDULE = 'invalid CronSchedule.';
export const UNSATISFIABLE_CRON_SCHEDULE = 'invalid CronSchedule, no time can be found to satisfy the schedule';

/** A moment in a zone, with Go's wall-clock operations. Instants are whole seconds. */
class ZonedClock {
  private cachedInstant = Number.NaN;
  private cachedWall: Wall | undefined;

  constructor(private readonly zone: Zone) {}

  wall(instant: number): Wall {
    if (instant !== this.cachedInstant || !this.cachedWall) {
      this.cachedWall = wallFromSeconds(instant + this.zone.offsetAt(instant));
      this.cachedInstant = instant;
    }
    return this.cachedWall;
  }

  /**
   * Go's time.Date: normalise the fields, then subtract the offset in force at (wall - offset at
   * wall-as-UTC). In a spring-forward gap or a fall-back overlap this picks what Go picks.
   */
  date(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
    const wall = daysFromCivil(year, month, day) * DAY + hour * 3600 + minute * 60 + second;
    const guess = this.zone.offsetAt(wall);
    if (guess === 0) return wall;
    return wall - this.zone.offsetAt(wall - guess);
  }

  /** Go's t.AddDate(years, months, days): same wall clock, shifted calendar fields, through time.Date. */
  addDate(instant: number, years: number, months: number, days: number): number {
    const w = this.wall(instant);
    return this.date(w.year + years, w.month + months, w.day + days, w.hour, w.minute, w.second);
  }
}

// ---------------------------------------------------------------------------------------------
// Field sets. Bits 0..59 for values; the star flag records a `*`/`?` without a step > 1
// (robfig's starBit), which only the day fields use.

interface FieldSet {
  values: Set<number>;
  star: boolean;
}

interface Bounds {
  min: number;
  max: number;
  names?: Record<string, number>;
}

const MINUTES: Bounds = { min: 0, max: 59 };
const HOURS: Bounds = { min: 0, max: 23 };
const DOM: Bounds = { min: 1, max: 31 };
const MONTHS: Bounds = {
  min: 1,
  max: 12,
  names: { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 },
};
const DOW: Bounds = { min: 0, max: 6, names: { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 } };

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

/** strconv.Atoi, refusing negatives: an optional sign and decimal digits that fit an int64. */
function parseNonNegativeInt(expr: string): bigint {
  if (!/^[+-]?[0-9]+$/.test(expr)) throw new CronScheduleError(`failed to parse int from ${expr}: invalid syntax`);
  const n = BigInt(expr);
  if (n > INT64_MAX || n < INT64_MIN) throw new CronScheduleError(`failed to parse int from ${expr}: value out of range`);
  if (n < 0n) throw new CronScheduleError(`negative number (${n}) not allowed: ${expr}`);
  return n;
}

/** Go's strings.ToLower maps U+0130 to a plain "i", unlike String.prototype.toLowerCase. */
function goLower(s: string): string {
  return s.replace(/\u0130/g, 'i').toLowerCase();
}

function parseIntOrName(expr: string, bounds: Bounds): bigint {
  if (bounds.names) {
    const lower = goLower(expr);
    if (Object.prototype.hasOwnProperty.call(bounds.names, lower)) return BigInt(bounds.names[lower]!);
  }
  return parseNonNegativeInt(expr);
}

/** One comma-separated piece: `*`, `?`, `N`, `N-M`, each optionally `/step` (`N/step` runs N to the maximum). */
function parseRange(expr: string, bounds: Bounds, into: FieldSet): void {
  const rangeAndStep = expr.split('/');
  const lowAndHigh = rangeAndStep[0]!.split('-');
  const single = lowAndHigh.length === 1;
  let start: bigint;
  let end: bigint;
  let star = false;
  if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
    // robfig ignores anything after a hyphen here ("*-5" is "*").
    start = BigInt(bounds.min);
    end = BigInt(bounds.max);
    star = true;
  } else {
    start = parseIntOrName(lowAndHigh[0]!, bounds);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = parseIntOrName(lowAndHigh[1]!, bounds);
    else throw new CronScheduleError(`too many hyphens: ${expr}`);
  }
  let step = 1n;
  if (rangeAndStep.length === 2) {
    step = parseNonNegativeInt(rangeAndStep[1]!);
    if (single) end = BigInt(bounds.max);
    if (step > 1n) star = false;
  } else if (rangeAndStep.length > 2) {
    throw new CronScheduleError(`too many slashes: ${expr}`);
  }
  if (start < BigInt(bounds.min)) throw new CronScheduleError(`beginning of range (${start}) below minimum (${bounds.min}): ${expr}`);
  if (end > BigInt(bounds.max)) throw new CronScheduleError(`end of range (${end}) above maximum (${bounds.max}): ${expr}`);
  if (start > end) throw new CronScheduleError(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0n) throw new CronScheduleError(`step of range should be a positive number: ${expr}`);
  for (let i = start; i <= end; i += step) into.values.add(Number(i));
  if (star) into.star = true;
}

/** A comma-separated list of ranges; empty pieces are skipped (so "," is an empty set, as in robfig). */
function parseField(field: string, bounds: Bounds): FieldSet {
  const set: FieldSet = { values: new Set(), star: false };
  for (const piece of field.split(',')) if (piece !== '') parseRange(piece, bounds, set);
  return set;
}

function fixed(value: number): FieldSet {
  return { values: new Set([value]), star: false };
}

function every(bounds: Bounds): FieldSet {
  const values = new Set<number>();
  for (let i = bounds.min; i <= bounds.max; i++) values.add(i);
  return { values, star: true };
}

// ---------------------------------------------------------------------------------------------
// Schedules.

/** The five fields; seconds are always 0 in ParseStandard. */
interface SpecFields {
  minute: FieldSet;
  hour: FieldSet;
  dom: FieldSet;
  month: FieldSet;
  dow: FieldSet;
}

/**
 * A bound on the search's steps. Legitimate searches take a few thousand at most (a day at a time
 * over five years); robfig loops forever where a day is skipped outright (Pacific/Apia lost
 * 2011-12-30: time.Date maps the missing midnight back onto the day before). We give up instead.
 */
const MAX_SEARCH_STEPS = 100_000;

/** robfig's SpecSchedule.Next, step for step (its field loops, wrap-arounds, DST fix-ups and five-year limit). */
class SpecSchedule implements CronSchedule {
  private readonly empty: boolean;

  constructor(
    private readonly fields: SpecFields,
    private readonly zone: Zone,
  ) {
    const none = (f: FieldSet) => f.values.size === 0;
    // Days match on both day fields when either has a star, else on either of them.
    const noDay = fields.dom.star || fields.dow.star ? none(fields.dom) || none(fields.dow) : none(fields.dom) && none(fields.dow);
    this.empty = none(fields.minute) || none(fields.hour) || none(fields.month) || noDay;
  }

  private dayMatches(w: Wall): boolean {
    const { dom, dow } = this.fields;
    const domMatch = dom.values.has(w.day);
    const dowMatch = dow.values.has(w.weekday);
    if (dom.star || dow.star) return domMatch && dowMatch;
    return domMatch || dowMatch;
  }

  next(after: Date): Date | undefined {
    // A time field (or the day rule) with no values never matches: robfig searches its five years and gives up.
    if (this.empty) return undefined;
    const f = this.fields;
    const clock = new ZonedClock(this.zone);
    // The upcoming whole second.
    let t = Math.floor(after.getTime() / 1000) + 1;
    let added = false;
    let steps = 0;
    const stuck = () => ++steps > MAX_SEARCH_STEPS;
    const yearLimit = clock.wall(t).year + 5;

    wrap: for (;;) {
      if (clock.wall(t).year > yearLimit) return undefined;

      while (!f.month.values.has(clock.wall(t).month)) {
        if (stuck()) return undefined;
        if (!added) {
          added = true;
          const w = clock.wall(t);
          t = clock.date(w.year, w.month, 1, 0, 0, 0);
        }
        t = clock.addDate(t, 0, 1, 0);
        if (clock.wall(t).month === 1) continue wrap;
      }

      while (!this.dayMatches(clock.wall(t))) {
        if (stuck()) return undefined;
        if (!added) {
          added = true;
          const w = clock.wall(t);
          t = clock.date(w.year, w.month, w.day, 0, 0, 0);
        }
        t = clock.addDate(t, 0, 0, 1);
        // Midnight may not exist (or exist twice) across a DST change: pull back to the day's start.
        const hour = clock.wall(t).hour;
        if (hour !== 0) t += (hour > 12 ? 24 - hour : -hour) * 3600;
        if (clock.wall(t).day === 1) continue wrap;
      }

      while (!f.hour.values.has(clock.wall(t).hour)) {
        if (stuck()) return undefined;
        if (!added) {
          added = true;
          const w = clock.wall(t);
          t = clock.date(w.year, w.month, w.day, w.hour, 0, 0);
        }
        t += 3600;
        if (clock.wall(t).hour === 0) continue wrap;
      }

      while (!f.minute.values.has(clock.wall(t).minute)) {
        if (stuck()) return undefined;
        if (!added) {
          added = true;
          t -= floorMod(t, 60); // Go's Truncate(time.Minute) works on the instant
        }
        t += 60;
        if (clock.wall(t).minute === 0) continue wrap;
      }

      // ParseStandard always schedules second 0. robfig steps one second at a time to :00 and
      // starts over; while the zone offset is whole minutes the seconds tick with the instant, so jump.
      if (clock.wall(t).second !== 0) {
        added = true;
        do {
          if (stuck()) return undefined;
          const jump = 60 - clock.wall(t).second;
          t += this.zone.offsetAt(t) % 60 === 0 && this.zone.offsetAt(t + jump) % 60 === 0 ? jump : 1;
        } while (clock.wall(t).second !== 0);
        continue wrap;
      }

      return new Date(t * 1000);
    }
  }
}

/** robfig's ConstantDelaySchedule (`@every`): the delay in whole seconds (at least one), counted from the start of `after`'s second. */
class ConstantDelaySchedule implements CronSchedule {
  constructor(readonly delaySeconds: number) {}

  next(after: Date): Date {
    return new Date((Math.floor(after.getTime() / 1000) + this.delaySeconds) * 1000);
  }

  /** The first of next(from), next(next(from)), ... that is not before `notBefore`, without walking there. */
  firstNotBefore(from: Date, notBefore: Date): Date {
    const first = this.next(from).getTime();
    const gap = notBefore.getTime() - first;
    if (gap <= 0) return new Date(first);
    const step = this.delaySeconds * 1000;
    return new Date(first + Math.ceil(gap / step) * step);
  }
}

// ---------------------------------------------------------------------------------------------
// Go's time.ParseDuration, to the nanosecond, reduced to what Every keeps: whole seconds.

const NS_PER_UNIT: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  '\u00b5s': 1_000n, // micro sign
  '\u03bcs': 1_000n, // Greek mu
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

const TWO_63 = 1n << 63n;

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

/** Nanoseconds of a Go duration string (may be negative); throws where Go's ParseDuration errors. */
function parseGoDuration(text: string): bigint {
  const invalid = (what = 'invalid duration') => new CronScheduleError(`time: ${what} ${JSON.stringify(text)}`);
  let s = text;
  let neg = false;
  if (s[0] === '-' || s[0] === '+') {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') throw invalid();
  let total = 0n;
  while (s !== '') {
    if (!(s[0] === '.' || isDigit(s[0]))) throw invalid();
    // Whole part; overflow past 2^63 is an error.
    let i = 0;
    let v = 0n;
    while (isDigit(s[i])) {
      if (v > TWO_63 / 10n) throw invalid();
      v = v * 10n + BigInt(s.charCodeAt(i) - 48);
      if (v > TWO_63) throw invalid();
      i++;
    }
    const pre = i > 0;
    s = s.slice(i);
    // Fraction; digits beyond int64 precision are consumed and dropped.
    let frac = 0n;
    let scale = 1;
    let post = false;
    if (s[0] === '.') {
      s = s.slice(1);
      let j = 0;
      let overflow = false;
      while (isDigit(s[j])) {
        if (!overflow) {
          if (frac > INT64_MAX / 10n) overflow = true;
          else {
            const y = frac * 10n + BigInt(s.charCodeAt(j) - 48);
            if (y > TWO_63) overflow = true;
            else {
              frac = y;
              scale *= 10;
            }
          }
        }
        j++;
      }
      post = j > 0;
      s = s.slice(j);
    }
    if (!pre && !post) throw invalid();
    let k = 0;
    while (k < s.length && s[k] !== '.' && !isDigit(s[k])) k++;
    if (k === 0) throw invalid('missing unit in duration');
    const unitName = s.slice(0, k);
    s = s.slice(k);
    const unit = NS_PER_UNIT[unitName];
    if (unit === undefined) throw invalid(`unknown unit ${JSON.stringify(unitName)} in duration`);
    if (v > TWO_63 / unit) throw invalid();
    v *= unit;
    if (frac > 0n) {
      // Go does this part in float64, truncating.
      v += BigInt(Math.trunc(Number(frac) * (Number(unit) / scale)));
      if (v > TWO_63) throw invalid();
    }
    total += v;
    if (total > TWO_63) throw invalid();
  }
  if (neg) return -total;
  if (total > INT64_MAX) throw invalid();
  return total;
}

// ---------------------------------------------------------------------------------------------
// ParseStandard.

/** Go's unicode.IsSpace, which strings.Fields and strings.TrimSpace split and trim on. */
const GO_SPACE = '\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const GO_SPACES = new RegExp(`[${GO_SPACE}]+`);
const GO_TRIM = new RegExp(`^[${GO_SPACE}]+|[${GO_SPACE}]+$`, 'g');

function parseDescriptor(descriptor: string, zone: Zone): CronSchedule {
  const at = (hour: FieldSet, dom: FieldSet, month: FieldSet, dow: FieldSet) =>
    new SpecSchedule({ minute: fixed(0), hour, dom, month, dow }, zone);
  switch (descriptor) {
    case '@yearly':
    case '@annually':
      return at(fixed(0), fixed(1), fixed(1), every(DOW));
    case '@monthly':
      return at(fixed(0), fixed(1), every(MONTHS), every(DOW));
    case '@weekly':
      return at(fixed(0), every(DOM), every(MONTHS), fixed(0));
    case '@daily':
    case '@midnight':
      return at(fixed(0), every(DOM), every(MONTHS), every(DOW));
    case '@hourly':
      return at(every(HOURS), every(DOM), every(MONTHS), every(DOW));
  }
  const EVERY = '@every ';
  if (descriptor.startsWith(EVERY)) {
    let ns: bigint;
    try {
      ns = parseGoDuration(descriptor.slice(EVERY.length));
    } catch (err) {
      throw new CronScheduleError(`failed to parse duration ${descriptor}: ${(err as Error).message}`);
    }
    // Every: under a second becomes a second; otherwise drop the sub-second part.
    const seconds = ns < 1_000_000_000n ? 1n : ns / 1_000_000_000n;
    return new ConstantDelaySchedule(Number(seconds));
  }
  throw new CronScheduleError(`unrecognized descriptor: ${descriptor}`);
}

/**
 * robfig/cron v3 ParseStandard: `[CRON_TZ=zone |TZ=zone ]minute hour day-of-month month day-of-week`,
 * or a descriptor (`@yearly`, `@annually`, `@monthly`, `@weekly`, `@daily`, `@midnight`, `@hourly`,
 * `@every <Go duration>`). Throws CronScheduleError for what robfig refuses.
 */
export function parseCronSchedule(spec: string): CronSchedule {
  if (spec.length === 0) throw new CronScheduleError('empty spec string');
  let zone = UTC_ZONE;
  if (spec.startsWith('TZ=') || spec.startsWith('CRON_TZ=')) {
    const space = spec.indexOf(' ');
    // robfig slices up to the first space; without one Go panics, which we report as an error instead.
    if (space < 0) throw new CronScheduleError(`no space after the location in ${spec}`);
    const name = spec.slice(spec.indexOf('=') + 1, space);
    const loaded = loadZone(name);
    if (!loaded) throw new CronScheduleError(`provided bad location ${name}: unknown time zone ${name}`);
    zone = loaded;
    spec = spec.slice(space).replace(GO_TRIM, '');
  }
  if (spec.startsWith('@')) return parseDescriptor(spec, zone);

  const fields = spec.split(GO_SPACES).filter((f) => f !== '');
  if (fields.length !== 5) throw new CronScheduleError(`expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`);
  const [minute, hour, dom, month, dow] = fields as [string, string, string, string, string];
  return new SpecSchedule(
    {
      minute: parseField(minute, MINUTES),
      hour: parseField(hour, HOURS),
      dom: parseField(dom, DOM),
      month: parseField(month, MONTHS),
      dow: parseField(dow, DOW),
    },
    zone,
  );
}

function tryParse(spec: string): CronSchedule | undefined {
  try {
    return parseCronSchedule(spec);
  } catch (err) {
    if (err instanceof CronScheduleError) return undefined;
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// Temporal's common/backoff/cron.go.

/** ValidateSchedule: undefined when the schedule is empty or usable, else Temporal's INVALID_ARGUMENT message. */
export function validateCronSchedule(spec: string, now: Date = new Date()): string | undefined {
  if (spec === '') return undefined;
  const schedule = tryParse(spec);
  if (!schedule) return INVALID_CRON_SCHEDULE;
  if (!schedule.next(now)) return UNSATISFIABLE_CRON_SCHEDULE;
  return undefined;
}

/**
 * GetBackoffForNextSchedule, in milliseconds (always whole seconds): the wait from `now` to the
 * schedule's first time not before `now`, counted on from `scheduledTime` (the current run's
 * scheduled time), or `scheduledTime` itself while it is still ahead. Undefined is Temporal's
 * NoBackoff: no schedule, an unparsable one, or no next time.
 */
export function cronBackoffMs(spec: string, scheduledTime: Date, now: Date): number | undefined {
  if (spec.length === 0) return undefined;
  const schedule = tryParse(spec);
  if (!schedule) return undefined;
  let next: Date | undefined;
  if (now.getTime() < scheduledTime.getTime()) {
    next = scheduledTime;
  } else if (schedule instanceof ConstantDelaySchedule) {
    next = schedule.firstNotBefore(scheduledTime, now);
  } else {
    next = schedule.next(scheduledTime);
    while (next && next.getTime() < now.getTime()) {
      const after: Date = next;
      next = schedule.next(after);
      if (next && next.getTime() <= after.getTime()) return undefined; // never seen; would loop forever
    }
  }
  if (!next) return undefined;
  return Math.ceil((next.getTime() - now.getTime()) / 1000) * 1000 || 0; // no -0
}

/** GetBackoffForNextScheduleNonNegative: NoBackoff and negative waits become 0. */
export function cronBackoffMsNonNegative(spec: string, scheduledTime: Date, now: Date): number {
  const ms = cronBackoffMs(spec, scheduledTime, now);
  return ms === undefined || ms < 0 ? 0 : ms;
}
