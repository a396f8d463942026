import type { IntervalSpec, Range, ScheduleSpec, StructuredCalendarSpec } from '@kairos/proto/temporal/api/schedule/v1/message';
import { durationToMs } from '../durations';
import { MAX_CALENDAR_YEAR, MAX_COMMENT_LENGTH, MIN_CALENDAR_YEAR, parseCronString, structuredFromCalendar } from './calendarText';
import { CompiledCalendar } from './compiledCalendar';
import { scheduleJitterMs } from './jitter';
import { isKnownTimeZone } from './zonedTime';

/** A spec refused as Temporal's scheduler refuses it; the message is its words. */
export class InvalidScheduleSpecError extends Error {}

/**
 * A ScheduleSpec in Temporal's canonical form: calendar strings and cron strings compiled into
 * structured calendars and intervals, a cron string's time zone moved to the spec. What Describe
 * answers. Throws InvalidScheduleSpecError.
 */
export function canonicalScheduleSpec(spec: ScheduleSpec): ScheduleSpec {
  const structured = [...spec.structuredCalendar];
  const excluded = [...spec.excludeStructuredCalendar];
  const intervals = [...spec.interval];
  const refuse = (fn: () => void) => {
    try {
      fn();
    } catch (err) {
      throw err instanceof InvalidScheduleSpecError ? err : new InvalidScheduleSpecError((err as Error).message);
    }
  };
  refuse(() => {
    for (const cal of spec.calendar) structured.push(structuredFromCalendar(cal));
    for (const cal of spec.excludeCalendar) excluded.push(structuredFromCalendar(cal));
  });
  let cronZone: string | undefined;
  let timezoneName = spec.timezoneName;
  refuse(() => {
    for (const text of spec.cronString) {
      const parsed = parseCronString(text);
      if (cronZone !== undefined && parsed.timeZone !== cronZone) throw new InvalidScheduleSpecError('conflicting timezone names');
      cronZone = parsed.timeZone;
      if (parsed.calendar) structured.push(parsed.calendar);
      if (parsed.interval) intervals.push(parsed.interval);
    }
  });
  if (cronZone) {
    if ((timezoneName !== '' && timezoneName !== cronZone) || spec.timezoneData.length > 0) throw new InvalidScheduleSpecError('conflicting timezone names');
    timezoneName = cronZone;
  }
  for (const cal of structured) checkStructuredCalendar(cal);
  for (const interval of intervals) checkInterval(interval);
  return { ...spec, structuredCalendar: structured, excludeStructuredCalendar: excluded, interval: intervals, calendar: [], excludeCalendar: [], cronString: [], timezoneName };
}

function checkStructuredCalendar(cal: StructuredCalendarSpec): void {
  const errors: string[] = [];
  const check = (ranges: readonly Range[], field: string, min: number, max: number) => {
    for (const r of ranges) {
      if (r.start < min || r.start > max) errors.push(`${field} Start is not in range [${min}-${max}]`);
      if (r.end !== 0 && (r.end < r.start || r.end > max)) errors.push(`${field} End is before Start or not in range [${min}-${max}]`);
      if (r.step < 0) errors.push(`${field} has invalid Step`);
    }
  };
  check(cal.second, 'Second', 0, 59);
  check(cal.minute, 'Minute', 0, 59);
  check(cal.hour, 'Hour', 0, 23);
  check(cal.dayOfMonth, 'DayOfMonth', 1, 31);
  check(cal.month, 'Month', 1, 12);
  check(cal.year, 'Year', MIN_CALENDAR_YEAR, MAX_CALENDAR_YEAR);
  check(cal.dayOfWeek, 'DayOfWeek', 0, 6);
  if (cal.comment.length > MAX_COMMENT_LENGTH) errors.push('comment is too long');
  if (errors.length > 0) throw new InvalidScheduleSpecError(`invalid calendar spec: ${errors.join(', ')}`);
}

function checkInterval(interval: IntervalSpec): void {
  const every = durationToMs(interval.interval);
  const phase = durationToMs(interval.phase);
  if (every < 1000) throw new InvalidScheduleSpecError('interval is too small');
  if (phase < 0) throw new InvalidScheduleSpecError('phase is negative');
  if (phase >= every) throw new InvalidScheduleSpecError('phase cannot be greater than Interval');
}

/** The next action time of a spec: its nominal time, and the time with jitter added. */
export interface NextTime {
  nominal: number;
  next: number;
}

/**
 * A canonical spec compiled for computing action times (Unix ms, whole seconds): the union of its
 * calendars and intervals, less its exclusions, within its start and end time.
 */
export class CompiledScheduleSpec {
  private readonly calendars: CompiledCalendar[];
  private readonly excludes: CompiledCalendar[];
  private readonly intervals: Array<{ every: number; phase: number }>;
  private readonly startMs: number | undefined;
  private readonly endMs: number | undefined;

  constructor(readonly spec: ScheduleSpec) {
    const zone = spec.timezoneName;
    if (!isKnownTimeZone(zone)) throw new InvalidScheduleSpecError(`unknown time zone ${zone}`);
    this.calendars = spec.structuredCalendar.map((c) => new CompiledCalendar(c, zone));
    this.excludes = spec.excludeStructuredCalendar.map((c) => new CompiledCalendar(c, zone));
    // Whole seconds, at least one, as Temporal computes interval times.
    this.intervals = spec.interval.map((i) => ({ every: Math.max(Math.floor(durationToMs(i.interval) / 1000), 1), phase: Math.max(Math.floor(durationToMs(i.phase) / 1000), 0) }));
    this.startMs = spec.startTime?.getTime();
    this.endMs = spec.endTime?.getTime();
  }

  /**
   * The first action time strictly after `after`, or undefined when there is none (past the end
   * time or year 2100), with Temporal's deterministic jitter from `jitterSeed`: at most the spec's
   * jitter, and never past the following nominal time.
   */
  nextTime(after: number, jitterSeed = ''): NextTime | undefined {
    // An action may fall exactly on the start time.
    let from = this.startMs !== undefined ? Math.max(after, this.startMs - 1000) : after;
    for (;;) {
      const nominal = this.rawNext(from);
      if (nominal === undefined) return undefined;
      if ((this.endMs !== undefined && nominal > this.endMs) || new Date(nominal).getUTCFullYear() > MAX_CALENDAR_YEAR) return undefined;
      if (!this.excludes.some((x) => x.matches(nominal))) {
        let maxJitter = durationToMs(this.spec.jitter);
        const following = this.rawNext(nominal);
        if (following !== undefined) maxJitter = Math.min(maxJitter, following - nominal);
        return { nominal, next: nominal + scheduleJitterMs(jitterSeed, nominal, maxJitter) };
      }
      from = nominal;
    }
  }

  private rawNext(after: number): number | undefined {
    let best: number | undefined;
    for (const cal of this.calendars) {
      const t = cal.next(after);
      if (t !== undefined && (best === undefined || t < best)) best = t;
    }
    const seconds = Math.floor(after / 1000);
    for (const { every, phase } of this.intervals) {
      const t = (Math.floor((seconds - phase) / every) + 1) * every + phase;
      if (best === undefined || t * 1000 < best) best = t * 1000;
    }
    return best;
  }
}

/** ListScheduleMatchingTimes answers at most this many times, as Temporal. */
export const MAX_LIST_MATCHING_TIMES = 1000;

/**
 * ListScheduleMatchingTimes's times: the action times (with jitter) after `start` up to and
 * including `end`, each found after the previous one's jittered time, as Temporal lists them.
 * An end before the start lists none.
 */
export function scheduleMatchingTimes(compiled: CompiledScheduleSpec, start: number, end: number, jitterSeed: string): number[] {
  const out: number[] = [];
  let t = start;
  for (let i = 0; i < MAX_LIST_MATCHING_TIMES; i++) {
    const next = compiled.nextTime(t, jitterSeed);
    if (!next || next.next > end) break;
    out.push(next.next);
    t = next.next;
  }
  return out;
}
