import { describe, expect, it } from 'vitest';
import { parseCronString, structuredFromCalendar } from './calendarText';
import { CompiledCalendar } from './compiledCalendar';

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
const at = (text: string) => Date.parse(text);

/** The next `n` matching instants after `from`. */
function nextTimes(cal: CompiledCalendar, from: string, n: number): Array<string | undefined> {
  const out: Array<string | undefined> = [];
  let t: number | undefined = at(from);
  for (let i = 0; i < n && t !== undefined; i++) {
    t = cal.next(t);
    out.push(iso(t));
  }
  return out;
}

describe('CompiledCalendar', () => {
  it('finds the next matching seconds of a cron calendar in UTC', () => {
    const cal = new CompiledCalendar(parseCronString('*/15 * * * *').calendar!, 'UTC');
    expect(nextTimes(cal, '2026-01-01T10:07:30Z', 3)).toEqual(['2026-01-01T10:15:00.000Z', '2026-01-01T10:30:00.000Z', '2026-01-01T10:45:00.000Z']);
    expect(cal.matches(at('2026-01-01T10:15:00Z'))).toBe(true);
    expect(cal.matches(at('2026-01-01T10:15:01Z'))).toBe(false);
  });

  it('matches days of the week and month by name, and the last day of February in a leap year', () => {
    const weekdays = new CompiledCalendar(structuredFromCalendar({ hour: '9', dayOfWeek: 'mon-fri' }), 'UTC');
    // 2026-01-02 is a Friday: the next is Monday the 5th.
    expect(nextTimes(weekdays, '2026-01-02T09:00:00Z', 1)).toEqual(['2026-01-05T09:00:00.000Z']);
    const leap = new CompiledCalendar(structuredFromCalendar({ dayOfMonth: '29', month: 'feb' }), 'UTC');
    expect(nextTimes(leap, '2026-01-01T00:00:00Z', 1)).toEqual(['2028-02-29T00:00:00.000Z']);
  });

  it('follows a named time zone across DST: the skipped hour never matches, the repeated one matches twice', () => {
    // America/New_York: 2026-03-08 02:00 EST does not exist; 2026-11-01 01:00-02:00 happens twice.
    const halfPast = new CompiledCalendar(structuredFromCalendar({ minute: '30', hour: '*' }), 'America/New_York');
    // 00:30 and 01:30 EST, then 03:30 EDT: 02:30 does not exist (and 03:30 comes once).
    expect(nextTimes(halfPast, '2026-03-08T05:00:00Z', 4)).toEqual(['2026-03-08T05:30:00.000Z', '2026-03-08T06:30:00.000Z', '2026-03-08T07:30:00.000Z', '2026-03-08T08:30:00.000Z']);
    // 00:30 EDT, 01:30 EDT, 01:30 EST again, 02:30 EST.
    expect(nextTimes(halfPast, '2026-11-01T04:00:00Z', 4)).toEqual(['2026-11-01T04:30:00.000Z', '2026-11-01T05:30:00.000Z', '2026-11-01T06:30:00.000Z', '2026-11-01T07:30:00.000Z']);
  });

  it('ends after year 2100', () => {
    const cal = new CompiledCalendar(structuredFromCalendar({ year: '2100', month: 'dec', dayOfMonth: '31', hour: '23', minute: '59', second: '59' }), 'UTC');
    expect(iso(cal.next(at('2100-12-31T23:59:58Z')))).toBe('2100-12-31T23:59:59.000Z');
    expect(cal.next(at('2100-12-31T23:59:59Z'))).toBeUndefined();
  });
});

describe('calendar text', () => {
  it('compiles CalendarSpec fields with Temporal defaults, names, steps and Sunday as 7', () => {
    expect(structuredFromCalendar({ hour: '9-17/2', dayOfWeek: 'MON,wed,7' })).toMatchObject({
      second: [{ start: 0, end: 0, step: 0 }],
      minute: [{ start: 0, end: 0, step: 0 }],
      hour: [{ start: 9, end: 17, step: 2 }],
      dayOfWeek: [{ start: 1, end: 0, step: 0 }, { start: 3, end: 0, step: 0 }, { start: 0, end: 0, step: 0 }],
      dayOfMonth: [{ start: 1, end: 31, step: 0 }],
      month: [{ start: 1, end: 12, step: 0 }],
      year: [],
    });
  });

  it("reports every bad field in Temporal's words", () => {
    expect(() => structuredFromCalendar({ hour: '25', minute: '1/0', month: 'smarch' })).toThrow('Minute has invalid Step, Hour is not in range [0-23], Month is not in range [1-12]');
    expect(() => structuredFromCalendar({ dayOfMonth: '5-2' })).toThrow('DayOfMonth End is before Start or not in range [1-31]');
  });

  it('reads cron strings: fields, names, a time zone, @every with a phase, and the wrong number of fields', () => {
    expect(parseCronString('CRON_TZ=Europe/Paris 0 12 * * MON # lunch')).toMatchObject({ timeZone: 'Europe/Paris', calendar: { hour: [{ start: 12 }], comment: 'lunch' } });
    expect(parseCronString('@hourly').calendar).toMatchObject({ minute: [{ start: 0 }], hour: [{ start: 0, end: 23 }] });
    expect(parseCronString('@every 1h/5m').interval).toEqual({ interval: { seconds: 3600, nanos: 0 }, phase: { seconds: 300, nanos: 0 } });
    expect(() => parseCronString('* * *')).toThrow('CronString does not have 5-7 fields');
    expect(() => parseCronString('TZ=UTC')).toThrow('CronString has time zone but missing fields');
  });
});
