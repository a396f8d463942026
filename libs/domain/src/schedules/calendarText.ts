import type { CalendarSpec, IntervalSpec, Range, StructuredCalendarSpec } from '@kairos/proto/temporal/api/schedule/v1/message';

/**
 * Temporal's text forms of a schedule calendar, compiled to structured calendars as its server
 * does (the same defaults, names, steps and error words): CalendarSpec fields ("1-5", "*\/15",
 * "mon-fri", "jan,mar") and cron strings (5–7 fields, `TZ=`/`CRON_TZ=`, `@daily`-style names,
 * `@every 1h/5m`, a trailing `# comment`).
 */

export const MIN_CALENDAR_YEAR = 2000;
export const MAX_CALENDAR_YEAR = 2100;
export const MAX_COMMENT_LENGTH = 200;

type ParseMode = 'int' | 'year' | 'month' | 'dow';

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

const PREDEFINED: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

class CalendarTextError extends Error {}

/** A field's value: a number, or (months, weekdays) a name or a prefix of at least 3 or 2 letters. */
function parseValue(text: string, min: number, max: number, mode: ParseMode): number | undefined {
  const names = mode === 'month' ? MONTHS : mode === 'dow' ? WEEKDAYS : undefined;
  if (names && text.length >= (mode === 'month' ? 3 : 2)) {
    const lower = text.toLowerCase();
    const at = names.findIndex((name) => name.startsWith(lower));
    if (at >= 0) {
      const value = mode === 'month' ? at + 1 : at;
      return value < min || value > max ? undefined : value;
    }
  }
  if (!/^[+-]?\d+$/.test(text)) return undefined;
  const value = Number(text);
  return value < min || value > max ? undefined : value;
}

/** One CalendarSpec field as ranges; an empty field takes the default. Throws CalendarTextError. */
function ranges(text: string, field: string, fallback: string, min: number, max: number, mode: ParseMode): Range[] {
  let s = text.trim();
  if (s === '') s = fallback;
  // Every year is no year range at all.
  if (s === '*' && mode === 'year') return [];
  const out: Range[] = [];
  for (let part of s.split(',')) {
    let step = 1;
    let hasStep = false;
    const slashes = part.split('/').length - 1;
    if (slashes > 1) throw new CalendarTextError(`${field} has too many slashes`);
    if (slashes === 1) {
      const [head, stepText] = part.split('/') as [string, string];
      if (stepText === '') throw new CalendarTextError(`${field} missing step value`);
      part = head;
      if (!/^[+-]?\d+$/.test(stepText)) throw new CalendarTextError(`strconv.Atoi: parsing ${JSON.stringify(stepText)}: invalid syntax`);
      step = Number(stepText);
      if (step < 1) throw new CalendarTextError(`${field} has invalid Step`);
      hasStep = true;
    }
    let start = min;
    let end = max;
    if (part !== '*') {
      if (part.includes('-')) {
        const pieces = part.split('-');
        if (pieces.length !== 2) throw new CalendarTextError(`${field} has too many dashes`);
        const from = parseValue(pieces[0]!, min, max, mode);
        if (from === undefined) throw new CalendarTextError(`${field} Start is not in range [${min}-${max}]`);
        const to = parseValue(pieces[1]!, from, max, mode);
        if (to === undefined) throw new CalendarTextError(`${field} End is before Start or not in range [${min}-${max}]`);
        [start, end] = [from, to];
      } else {
        const value = parseValue(part, min, max, mode);
        if (value === undefined) throw new CalendarTextError(`${field} is not in range [${min}-${max}]`);
        start = value;
        if (!hasStep) end = value;
      }
    }
    // Sunday may be written 7: it becomes 0 (added once), and a range up to 7 ends at 6.
    if (mode === 'dow' && end === 7) {
      if ((7 - start) % step === 0 && (step > 1 || (step === 1 && start > 1))) {
        out.push({ start: 0, end: 0, step: 0 });
        if (start === 7) continue;
      }
      end = 6;
    }
    // Defaults where they say the same, so the stored form is as small as Temporal's.
    out.push({ start, end: start === end ? 0 : end, step: step === 1 ? 0 : step });
  }
  return out;
}

/** A CalendarSpec's fields as a structured calendar; all field errors together, as Temporal reports them. */
export function structuredFromCalendar(cal: Partial<CalendarSpec>): StructuredCalendarSpec {
  const errors: string[] = [];
  const field = (text: string | undefined, name: string, fallback: string, min: number, max: number, mode: ParseMode): Range[] => {
    try {
      return ranges(text ?? '', name, fallback, min, max, mode);
    } catch (err) {
      if (!(err instanceof CalendarTextError)) throw err;
      errors.push(err.message);
      return [];
    }
  };
  const structured: StructuredCalendarSpec = {
    second: field(cal.second, 'Second', '0', 0, 59, 'int'),
    minute: field(cal.minute, 'Minute', '0', 0, 59, 'int'),
    hour: field(cal.hour, 'Hour', '0', 0, 23, 'int'),
    dayOfWeek: field(cal.dayOfWeek, 'DayOfWeek', '*', 0, 7, 'dow'),
    dayOfMonth: field(cal.dayOfMonth, 'DayOfMonth', '*', 1, 31, 'int'),
    month: field(cal.month, 'Month', '*', 1, 12, 'month'),
    year: field(cal.year, 'Year', '*', MIN_CALENDAR_YEAR, MAX_CALENDAR_YEAR, 'year'),
    comment: cal.comment ?? '',
  };
  if (errors.length > 0) throw new Error(errors.join(', '));
  return structured;
}

/** What a cron string stands for: a calendar or an interval, and the time zone it names ("" when none). */
export interface ParsedCronString {
  calendar?: StructuredCalendarSpec;
  interval?: IntervalSpec;
  timeZone: string;
}

/**
 * A duration as Temporal's timestamp.ParseDuration reads one: Go's form ("1h30m", "90s", "1.5h")
 * and `d` for days; in ms, or undefined.
 */
export function parseTemporalDuration(text: string): number | undefined {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d)/g)];
  if (text === '0') return 0;
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) return undefined;
  return parts.reduce((ms, [, amount, unit]) => ms + Number(amount) * units[unit!]!, 0);
}

function msToProtoDuration(ms: number): { seconds: number; nanos: number } {
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: Math.round((ms - seconds * 1000) * 1e6) };
}

/** A cron string as Temporal's scheduler reads it. Throws Error with Temporal's words. */
export function parseCronString(text: string): ParsedCronString {
  let c = text.trim();
  let timeZone = '';
  if (c.startsWith('TZ=') || c.startsWith('CRON_TZ=')) {
    const space = c.indexOf(' ');
    if (space < 0) throw new Error('CronString has time zone but missing fields');
    timeZone = c.slice(c.indexOf('=') + 1, space);
    c = c.slice(space + 1);
  }
  const hash = c.indexOf('#');
  const comment = hash >= 0 ? c.slice(hash + 1).trim() : '';
  c = (hash >= 0 ? c.slice(0, hash) : c).trim();

  if (c.startsWith('@every')) {
    const space = c.indexOf(' ');
    if (space < 0) throw new Error('CronString does not have interval after @every');
    const [intervalText, phaseText] = c.slice(space + 1).split('/') as [string, string | undefined];
    const interval = parseTemporalDuration(intervalText);
    if (interval === undefined) throw new Error(`time: invalid duration ${JSON.stringify(intervalText)}`);
    if (phaseText === undefined || phaseText === '') return { interval: { interval: msToProtoDuration(interval), phase: undefined }, timeZone: '' };
    const phase = parseTemporalDuration(phaseText);
    if (phase === undefined) throw new Error(`time: invalid duration ${JSON.stringify(phaseText)}`);
    return { interval: { interval: msToProtoDuration(interval), phase: msToProtoDuration(phase) }, timeZone: '' };
  }

  c = PREDEFINED[c] ?? c;
  const fields = c.split(/\s+/).filter((f) => f !== '');
  const cal: Partial<CalendarSpec> = { comment };
  switch (fields.length) {
    case 5:
      [cal.minute, cal.hour, cal.dayOfMonth, cal.month, cal.dayOfWeek] = fields;
      break;
    case 6:
      [cal.minute, cal.hour, cal.dayOfMonth, cal.month, cal.dayOfWeek, cal.year] = fields;
      break;
    case 7:
      [cal.second, cal.minute, cal.hour, cal.dayOfMonth, cal.month, cal.dayOfWeek, cal.year] = fields;
      break;
    default:
      throw new Error('CronString does not have 5-7 fields');
  }
  return { calendar: structuredFromCalendar(cal), timeZone };
}
