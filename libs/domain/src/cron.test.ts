import { describe, expect, it } from 'vitest';
import {
  CronScheduleError,
  cronBackoffMs,
  cronBackoffMsNonNegative,
  INVALID_CRON_SCHEDULE,
  parseCronSchedule,
  UNSATISFIABLE_CRON_SCHEDULE,
  validateCronSchedule,
} from './cron';

const at = (iso: string) => new Date(iso);
/** next() as an ISO string in UTC, or undefined for the zero time. */
const next = (spec: string, after: string) => parseCronSchedule(spec).next(at(after))?.toISOString();
const iso = (s: string) => at(s).toISOString();

describe('parseCronSchedule: next times (robfig spec_test cases, five-field and in UTC)', () => {
  it.each([
    // Simple cases
    ['0/15 * * * *', '2012-07-09T14:45:00Z', '2012-07-09T15:00:00Z'],
    ['0/15 * * * *', '2012-07-09T14:59:00Z', '2012-07-09T15:00:00Z'],
    ['0/15 * * * *', '2012-07-09T14:59:59Z', '2012-07-09T15:00:00Z'],
    // Wrap around hours
    ['20-35/15 * * * *', '2012-07-09T15:45:00Z', '2012-07-09T16:20:00Z'],
    // Wrap around days
    ['*/15 * * * *', '2012-07-09T23:46:00Z', '2012-07-10T00:00:00Z'],
    ['20-35/15 * * * *', '2012-07-09T23:45:00Z', '2012-07-10T00:20:00Z'],
    ['20-35/15 1/2 * * *', '2012-07-09T23:35:51Z', '2012-07-10T01:20:00Z'],
    ['20-35/15 10-12 * * *', '2012-07-09T23:35:51Z', '2012-07-10T10:20:00Z'],
    ['20-35/15 1/2 */2 * *', '2012-07-09T23:35:51Z', '2012-07-11T01:20:00Z'],
    ['20-35/15 * 9-20 * *', '2012-07-09T23:35:51Z', '2012-07-10T00:20:00Z'],
    ['20-35/15 * 9-20 Jul *', '2012-07-09T23:35:51Z', '2012-07-10T00:20:00Z'],
    // Wrap around months
    ['0 0 9 Apr-Oct ?', '2012-07-09T23:35:00Z', '2012-08-09T00:00:00Z'],
    ['0 0 */5 Apr,Aug,Oct Mon', '2012-07-09T23:35:00Z', '2012-08-01T00:00:00Z'],
    ['0 0 */5 Oct Mon', '2012-07-09T23:35:00Z', '2012-10-01T00:00:00Z'],
    // Wrap around years
    ['0 0 * Feb Mon', '2012-07-09T23:35:00Z', '2013-02-04T00:00:00Z'],
    ['0 0 * Feb Mon/2', '2012-07-09T23:35:00Z', '2013-02-01T00:00:00Z'],
    // Wrap around minute, hour, day, month and year
    ['* * * * *', '2012-12-31T23:59:45Z', '2013-01-01T00:00:00Z'],
    // Leap year
    ['0 0 29 Feb ?', '2012-07-09T23:35:00Z', '2016-02-29T00:00:00Z'],
    // Asia/Kolkata (robfig's TestNextWithTz, there via a +05:30 time; here via CRON_TZ)
    ['CRON_TZ=Asia/Kolkata 14 14 * * *', '2016-01-03T13:09:03+05:30', '2016-01-03T14:14:00+05:30'],
    ['CRON_TZ=Asia/Kolkata 14 14 * * ?', '2016-01-03T04:09:03+05:30', '2016-01-03T14:14:00+05:30'],
    ['CRON_TZ=Asia/Kolkata 14 14 * * *', '2016-01-03T14:09:03+05:30', '2016-01-03T14:14:00+05:30'],
    ['CRON_TZ=Asia/Kolkata 14 14 * * ?', '2016-01-03T14:00:00+05:30', '2016-01-03T14:14:00+05:30'],
  ])('%s after %s is %s', (spec, after, expected) => {
    expect(next(spec, after)).toBe(iso(expected));
  });

  it('is strictly after the given time, on a whole second, ignoring its milliseconds', () => {
    expect(next('* * * * *', '2024-06-01T12:00:00Z')).toBe('2024-06-01T12:01:00.000Z');
    expect(next('* * * * *', '2024-06-01T12:00:59.999Z')).toBe('2024-06-01T12:01:00.000Z');
    expect(next('0 * * * *', '2024-06-01T11:59:59.999Z')).toBe('2024-06-01T12:00:00.000Z');
  });

  it.each([
    ['0 0 30 Feb ?', '2012-07-09T23:35:00Z'],
    ['0 0 31 Apr ?', '2012-07-09T23:35:00Z'],
    ['0 0 31 4,6,9,11 *', '2024-01-01T00:00:00Z'],
  ])('%s is unsatisfiable: undefined (the zero time)', (spec, after) => {
    expect(next(spec, after)).toBeUndefined();
  });

  it('gives up after five calendar years, as robfig does', () => {
    expect(next('0 0 29 2 *', '2095-01-01T00:00:00Z')).toBe('2096-02-29T00:00:00.000Z');
    // 2100 is not a leap year: from 2096-03 or 2097 the next Feb 29 (2104) is past the limit.
    expect(next('0 0 29 2 *', '2096-03-01T00:00:00Z')).toBeUndefined();
    expect(next('0 0 29 2 *', '2097-01-01T00:00:00Z')).toBeUndefined();
    expect(next('0 0 29 2 *', '2099-01-01T00:00:00Z')).toBe('2104-02-29T00:00:00.000Z');
  });
});

describe('activation (robfig TestActivation): next(t - 1s) is t exactly when t is a schedule time', () => {
  it.each([
    ['0/15 * * * *', '2012-07-09T15:00:00Z', true],
    ['0/15 * * * *', '2012-07-09T15:45:00Z', true],
    ['0/15 * * * *', '2012-07-09T15:40:00Z', false],
    ['5/15 * * * *', '2012-07-09T15:05:00Z', true],
    ['5/15 * * * *', '2012-07-09T15:20:00Z', true],
    ['5/15 * * * *', '2012-07-09T15:50:00Z', true],
    ['5/15 * * * *', '2012-07-09T15:00:00Z', false],
    ['0/15 * * Jul *', '2012-07-15T15:00:00Z', true],
    ['0/15 * * Jun *', '2012-07-15T15:00:00Z', false],
    ['30 08 ? Jul Sun', '2012-07-15T08:30:00Z', true],
    ['30 08 15 Jul ?', '2012-07-15T08:30:00Z', true],
    ['30 08 ? Jul Sun', '2012-07-16T08:30:00Z', false],
    ['30 08 15 Jul ?', '2012-07-16T08:30:00Z', false],
    ['@hourly', '2012-07-09T15:00:00Z', true],
    ['@hourly', '2012-07-09T15:04:00Z', false],
    ['@daily', '2012-07-09T15:00:00Z', false],
    ['@daily', '2012-07-09T00:00:00Z', true],
    ['@midnight', '2012-07-09T00:00:00Z', true],
    ['@weekly', '2012-07-09T00:00:00Z', false],
    ['@weekly', '2012-07-08T00:00:00Z', true],
    ['@weekly', '2012-07-08T01:00:00Z', false],
    ['@monthly', '2012-07-08T00:00:00Z', false],
    ['@monthly', '2012-07-01T00:00:00Z', true],
    ['@yearly', '2012-07-01T00:00:00Z', false],
    ['@yearly', '2013-01-01T00:00:00Z', true],
    ['@annually', '2013-01-01T00:00:00Z', true],
    // Both day fields restricted: either may match.
    ['* * 1,15 * Sun', '2012-07-15T00:00:00Z', true],
    ['* * 1,15 * Sun', '2012-06-15T00:00:00Z', true],
    ['* * 1,15 * Sun', '2012-08-01T00:00:00Z', true],
    ['* * */10 * Sun', '2012-07-15T00:00:00Z', true],
    ['* * 1,15 * Sun', '2012-07-16T00:00:00Z', false],
    // One day field is * (or ?): both must match.
    ['* * * * Mon', '2012-07-15T00:00:00Z', false],
    ['* * 1,15 * *', '2012-07-09T00:00:00Z', false],
    ['* * 1,15 * *', '2012-07-15T00:00:00Z', true],
    ['* * */2 * Sun', '2012-07-15T00:00:00Z', true],
    ['* * ? * Mon', '2012-07-16T00:00:00Z', true],
    ['* * 15 * ?', '2012-07-16T00:00:00Z', false],
    // "*/1" keeps the star, so this is "15th and Sunday" (only on a Sunday the 15th).
    ['0 0 15 * */1', '2012-07-16T00:00:00Z', false],
    ['0 0 */1 * Mon', '2012-07-16T00:00:00Z', true],
    ['0 0 */1 * Mon', '2012-07-15T00:00:00Z', false],
  ])('%s at %s: %s', (spec, time, active) => {
    const t = at(time);
    const n = parseCronSchedule(spec).next(new Date(t.getTime() - 1000));
    expect(n?.getTime() === t.getTime()).toBe(active);
  });
});

describe('day-of-month / day-of-week rule', () => {
  it('ORs two restricted day fields, ANDs when either has a star', () => {
    // 2024-06-01 is a Saturday.
    expect(next('0 0 13 * 5', '2024-06-01T00:00:00Z')).toBe('2024-06-07T00:00:00.000Z'); // Friday comes first
    expect(next('0 0 13 * *', '2024-06-01T00:00:00Z')).toBe('2024-06-13T00:00:00.000Z');
    expect(next('0 0 * * 5', '2024-06-01T00:00:00Z')).toBe('2024-06-07T00:00:00.000Z');
    // Friday the 13th needs a star-free intersection, which cron cannot say: "13 * 5" is an OR.
    expect(next('0 0 13 * ?', '2024-06-14T00:00:00Z')).toBe('2024-07-13T00:00:00.000Z');
    // A step > 1 drops the star: "*/2" with Sunday is an OR.
    expect(next('0 0 */2 * Sun', '2024-06-01T00:00:00Z')).toBe('2024-06-02T00:00:00.000Z'); // Sunday the 2nd
    expect(next('0 0 */2 * Sun', '2024-06-02T00:00:00Z')).toBe('2024-06-03T00:00:00.000Z'); // the 3rd (odd)
  });

  it('an empty day field (",") still lets the other one match when neither has a star', () => {
    expect(next('0 0 , * 1', '2024-06-01T12:00:00Z')).toBe('2024-06-03T00:00:00.000Z');
    expect(next('0 0 , * *', '2024-06-01T12:00:00Z')).toBeUndefined();
    expect(next(', * * * *', '2024-06-01T12:00:00Z')).toBeUndefined();
  });
});

describe('names, lists, ranges and steps', () => {
  it.each([
    ['0 0 1 JAN *', '0 0 1 1 *'],
    ['0 0 1 jan-MAR *', '0 0 1 1-3 *'],
    ['0 0 1 feb/3 *', '0 0 1 2,5,8,11 *'],
    ['0 0 * * mon-FRI', '0 0 * * 1-5'],
    ['0 0 * * SAT,sun', '0 0 * * 0,6'],
    ['5/15 * * * *', '5,20,35,50 * * * *'],
    ['1-10/3 * * * *', '1,4,7,10 * * * *'],
    ['*/20 */6 * * *', '0,20,40 0,6,12,18 * * *'],
    ['*/100 * * * *', '0 * * * *'],
    ['05 007 * * *', '5 7 * * *'],
    ['+5 * * * *', '5 * * * *'],
    ['*/+2 * * * *', '*/2 * * * *'],
    ['*-5 * * * *', '* * * * *'],
    ['1,,2, * * * *', '1,2 * * * *'],
  ])('%s behaves as %s', (spec, same) => {
    let a: Date | undefined = at('2024-02-27T22:13:00Z');
    let b: Date | undefined = a;
    for (let i = 0; i < 40 && a && b; i++) {
      a = parseCronSchedule(spec).next(a);
      b = parseCronSchedule(same).next(b);
      expect(a?.toISOString()).toBe(b?.toISOString());
    }
  });

  it('splits fields on any Go whitespace', () => {
    expect(next('30\t2 *\n* \u00a0*', '2024-06-01T00:00:00Z')).toBe('2024-06-01T02:30:00.000Z');
  });
});

describe('parse errors (what ParseStandard refuses)', () => {
  it.each([
    ['', 'empty spec string'],
    ['xyz', 'expected exactly 5 fields'],
    ['* * * *', 'expected exactly 5 fields'],
    ['* * * * * *', 'expected exactly 5 fields'],
    ['0 0 0 * * *', 'expected exactly 5 fields'],
    ['60 0 * * *', 'above maximum'],
    ['0 24 * * *', 'above maximum'],
    ['0 60 * * *', 'above maximum'],
    ['0 0 0 * *', 'below minimum'],
    ['0 0 32 * *', 'above maximum'],
    ['0 0 * 0 *', 'below minimum'],
    ['0 0 * 13 *', 'above maximum'],
    ['0 0 * * 7', 'above maximum'],
    ['0 0 * * XYZ', 'failed to parse int'],
    ['0 0 * * Sunday', 'failed to parse int'],
    ['0 0 * JAN-x *', 'failed to parse int'],
    ['2-x * * * *', 'failed to parse int'],
    ['5 j * * *', 'failed to parse int'],
    ['-1 * * * *', 'failed to parse int'],
    ['5- * * * *', 'failed to parse int'],
    ['/5 * * * *', 'failed to parse int'],
    ['1.5 * * * *', 'failed to parse int'],
    ['*/99999999999999999999 * * * *', 'failed to parse int'],
    ['5--5 * * * *', 'too many hyphens'],
    ['*/-12 * * * *', 'negative number'],
    ['*//2 * * * *', 'too many slashes'],
    ['5-3 * * * *', 'beyond end of range'],
    ['*/0 * * * *', 'should be a positive number'],
    ['TZ=America/New_York 15/0 * * * *', 'should be a positive number'],
    ['@unrecognized', 'unrecognized descriptor'],
    ['@DAILY', 'unrecognized descriptor'],
    ['@daily ', 'unrecognized descriptor'],
    ['@every', 'unrecognized descriptor'],
    ['@every Xm', 'failed to parse duration'],
    ['@every ', 'failed to parse duration'],
    ['@every 1h 30m', 'failed to parse duration'],
    ['@every 1d', 'failed to parse duration'],
    ['@every 5', 'failed to parse duration'],
    ['@every .s', 'failed to parse duration'],
    ['@every 2562048h', 'failed to parse duration'],
    [' @daily', 'expected exactly 5 fields'],
    ['CRON_TZ=Bad/Zone * * * * *', 'bad location'],
    ['CRON_TZ=america/new_york * * * * *', 'bad location'],
    ['CRON_TZ=+05:00 * * * * *', 'bad location'],
    ['TZ=UTC', 'no space'],
    ['CRON_TZ=UTC ', 'expected exactly 5 fields'],
  ])('%j: %s', (spec, message) => {
    expect(() => parseCronSchedule(spec)).toThrow(CronScheduleError);
    expect(() => parseCronSchedule(spec)).toThrow(message);
  });
});

describe('descriptors', () => {
  const after = '2024-06-12T10:20:30.400Z'; // a Wednesday
  it.each([
    ['@yearly', '2025-01-01T00:00:00Z'],
    ['@annually', '2025-01-01T00:00:00Z'],
    ['@monthly', '2024-07-01T00:00:00Z'],
    ['@weekly', '2024-06-16T00:00:00Z'],
    ['@daily', '2024-06-13T00:00:00Z'],
    ['@midnight', '2024-06-13T00:00:00Z'],
    ['@hourly', '2024-06-12T11:00:00Z'],
    ['CRON_TZ=Asia/Tokyo @midnight', '2024-06-12T15:00:00Z'],
    ['TZ=America/New_York @daily', '2024-06-13T04:00:00Z'],
    ['CRON_TZ=UTC  @hourly', '2024-06-12T11:00:00Z'],
    ['TZ= @daily', '2024-06-13T00:00:00Z'], // Go's LoadLocation("") is UTC
  ])('%s', (spec, expected) => {
    expect(next(spec, after)).toBe(iso(expected));
  });
});

describe('@every (ConstantDelaySchedule; robfig constantdelay_test cases)', () => {
  it.each([
    ['15m50ns', '2012-07-09T14:45:00Z', '2012-07-09T15:00:00Z'],
    ['15m', '2012-07-09T14:59:00Z', '2012-07-09T15:14:00Z'],
    ['15m', '2012-07-09T14:59:59Z', '2012-07-09T15:14:59Z'],
    ['35m', '2012-07-09T15:45:00Z', '2012-07-09T16:20:00Z'],
    ['14m', '2012-07-09T23:46:00Z', '2012-07-10T00:00:00Z'],
    ['44m24s', '2012-07-09T23:35:51Z', '2012-07-10T00:20:15Z'],
    ['25h44m24s', '2012-07-09T23:35:51Z', '2012-07-11T01:20:15Z'],
    ['2184h25m', '2012-07-09T23:35:00Z', '2012-10-09T00:00:00Z'],
    ['15s', '2012-12-31T23:59:45Z', '2013-01-01T00:00:00Z'],
    // Less than a second rounds up to one; sub-second parts are dropped, of the delay and of the time.
    ['15ms', '2012-07-09T14:45:00Z', '2012-07-09T14:45:01Z'],
    ['0', '2012-07-09T14:45:00Z', '2012-07-09T14:45:01Z'],
    ['-5m', '2012-07-09T14:45:00Z', '2012-07-09T14:45:01Z'],
    ['15m', '2012-07-09T14:45:00.005Z', '2012-07-09T15:00:00Z'],
    ['15m50ns', '2012-07-09T14:45:00.005Z', '2012-07-09T15:00:00Z'],
    ['1.9s', '2012-07-09T14:45:00Z', '2012-07-09T14:45:01Z'],
    ['1h30m', '2012-07-09T14:45:00Z', '2012-07-09T16:15:00Z'],
    ['.5h', '2012-07-09T14:45:00Z', '2012-07-09T15:15:00Z'],
    ['1.5m', '2012-07-09T14:45:00Z', '2012-07-09T14:46:30Z'],
    ['+10s', '2012-07-09T14:45:00Z', '2012-07-09T14:45:10Z'],
    ['1000000us', '2012-07-09T14:45:00Z', '2012-07-09T14:45:01Z'],
    ['2000000\u00b5s', '2012-07-09T14:45:00Z', '2012-07-09T14:45:02Z'],
    ['3000000\u03bcs', '2012-07-09T14:45:00Z', '2012-07-09T14:45:03Z'],
    ['2562047h', '2012-07-09T14:45:00Z', '2304-10-19T13:45:00Z'], // the largest whole-hour Go duration
  ])('@every %s after %s is %s', (duration, after, expected) => {
    expect(next(`@every ${duration}`, after)).toBe(iso(expected));
  });

  it('ignores a CRON_TZ zone', () => {
    expect(next('CRON_TZ=America/New_York @every 10s', '2024-03-10T06:59:55Z')).toBe('2024-03-10T07:00:05.000Z');
  });
});

describe('CRON_TZ / TZ with daylight saving (robfig TestNext, America/New_York)', () => {
  it.each([
    // Spring forward: 2am EST -> 3am EDT on 2012-03-11
    ['TZ=America/New_York 30 2 11 Mar ?', '2012-03-11T00:00:00-05:00', '2013-03-11T02:30:00-04:00'],
    ['TZ=America/New_York 0 * * * ?', '2012-03-11T00:00:00-05:00', '2012-03-11T01:00:00-05:00'],
    ['TZ=America/New_York 0 * * * ?', '2012-03-11T01:00:00-05:00', '2012-03-11T03:00:00-04:00'],
    ['TZ=America/New_York 0 * * * ?', '2012-03-11T03:00:00-04:00', '2012-03-11T04:00:00-04:00'],
    ['TZ=America/New_York 0 * * * ?', '2012-03-11T04:00:00-04:00', '2012-03-11T05:00:00-04:00'],
    ['CRON_TZ=America/New_York 0 * * * ?', '2012-03-11T00:00:00-05:00', '2012-03-11T01:00:00-05:00'],
    ['CRON_TZ=America/New_York 0 * * * ?', '2012-03-11T01:00:00-05:00', '2012-03-11T03:00:00-04:00'],
    ['CRON_TZ=America/New_York 0 * * * ?', '2012-03-11T03:00:00-04:00', '2012-03-11T04:00:00-04:00'],
    ['TZ=America/New_York 0 1 * * ?', '2012-03-11T00:00:00-05:00', '2012-03-11T01:00:00-05:00'],
    ['TZ=America/New_York 0 1 * * ?', '2012-03-11T01:00:00-05:00', '2012-03-12T01:00:00-04:00'],
    // The 2am job is skipped on the day 2am does not exist.
    ['TZ=America/New_York 0 2 * * ?', '2012-03-11T00:00:00-05:00', '2012-03-12T02:00:00-04:00'],
    // Fall back: 2am EDT -> 1am EST on 2012-11-04
    ['TZ=America/New_York 30 2 04 Nov ?', '2012-11-04T00:00:00-04:00', '2012-11-04T02:30:00-05:00'],
    ['TZ=America/New_York 30 1 04 Nov ?', '2012-11-04T01:45:00-04:00', '2012-11-04T01:30:00-05:00'],
    ['TZ=America/New_York 0 * * * ?', '2012-11-04T00:00:00-04:00', '2012-11-04T01:00:00-04:00'],
    ['TZ=America/New_York 0 * * * ?', '2012-11-04T01:00:00-04:00', '2012-11-04T01:00:00-05:00'],
    ['TZ=America/New_York 0 * * * ?', '2012-11-04T01:00:00-05:00', '2012-11-04T02:00:00-05:00'],
    // The 1am job runs twice.
    ['TZ=America/New_York 0 1 * * ?', '2012-11-04T00:00:00-04:00', '2012-11-04T01:00:00-04:00'],
    ['TZ=America/New_York 0 1 * * ?', '2012-11-04T01:00:00-04:00', '2012-11-04T01:00:00-05:00'],
    ['TZ=America/New_York 0 1 * * ?', '2012-11-04T01:00:00-05:00', '2012-11-05T01:00:00-05:00'],
    ['TZ=America/New_York 0 2 * * ?', '2012-11-04T00:00:00-04:00', '2012-11-04T02:00:00-05:00'],
    ['TZ=America/New_York 0 2 * * ?', '2012-11-04T02:00:00-05:00', '2012-11-05T02:00:00-05:00'],
    ['TZ=America/New_York 0 3 * * ?', '2012-11-04T00:00:00-04:00', '2012-11-04T03:00:00-05:00'],
    ['TZ=America/New_York 0 3 * * ?', '2012-11-04T03:00:00-05:00', '2012-11-05T03:00:00-05:00'],
    // Monthly job across the change
    ['TZ=America/New_York 0 3 3 * ?', '2012-11-04T00:00:00-04:00', '2012-12-03T03:00:00-05:00'],
    // Midnight that does not exist (robfig issue 157, America/Sao_Paulo)
    ['TZ=America/Sao_Paulo 0 9 10 * ?', '2018-10-17T05:00:00-04:00', '2018-11-10T06:00:00-05:00'],
    ['TZ=America/Sao_Paulo 0 9 22 * ?', '2018-02-14T05:00:00-05:00', '2018-02-22T07:00:00-05:00'],
    // Daily 9am keeps to local time across the change
    ['CRON_TZ=America/New_York 0 9 * * *', '2024-03-09T14:00:00Z', '2024-03-10T13:00:00Z'],
    ['CRON_TZ=America/New_York 0 9 * * *', '2024-11-02T13:00:00Z', '2024-11-03T14:00:00Z'],
    // A 30-minute shift (Australia/Lord_Howe, 2024-10-06 02:00 -> 02:30)
    ['CRON_TZ=Australia/Lord_Howe 15 2 * * *', '2024-10-05T00:00:00Z', '2024-10-06T15:15:00Z'],
  ])('%s after %s is %s', (spec, after, expected) => {
    expect(next(spec, after)).toBe(iso(expected));
  });

  it('gives up where robfig would loop forever: a day that does not exist (Pacific/Apia skipped 2011-12-30)', () => {
    expect(next('CRON_TZ=Pacific/Apia 0 0 31 12 *', '2011-12-28T12:00:00Z')).toBeUndefined();
    expect(next('CRON_TZ=Pacific/Apia 0 12 31 12 *', '2011-12-29T11:00:00Z')).toBeUndefined();
    // Searches that do not walk into the missing day go through as in robfig.
    expect(next('CRON_TZ=Pacific/Apia 0 0 * * *', '2011-12-29T11:00:00Z')).toBe('2011-12-30T10:00:00.000Z'); // Dec 31, +14:00
    expect(next('CRON_TZ=Pacific/Apia 0 0 31 12 *', '2011-12-30T12:00:00Z')).toBe('2012-12-30T10:00:00.000Z');
  });

  it('treats "Local" and "UTC" as UTC (Temporal hands robfig UTC times)', () => {
    expect(next('CRON_TZ=Local 0 9 * * *', '2024-06-01T12:00:00Z')).toBe('2024-06-02T09:00:00.000Z');
    expect(next('CRON_TZ=UTC 0 9 * * *', '2024-06-01T12:00:00Z')).toBe('2024-06-02T09:00:00.000Z');
  });
});

describe('agrees with a brute-force search (UTC, random specs)', () => {
  function rng(seed: number) {
    return () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  const rand = rng(42);
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  /** A random field and the set it stands for (star flag included). */
  function field(min: number, max: number): { text: string; values: Set<number>; star: boolean } {
    const values = new Set<number>();
    const kind = int(0, 4);
    if (kind === 0) {
      for (let i = min; i <= max; i++) values.add(i);
      return { text: '*', values, star: true };
    }
    if (kind === 1) {
      const step = int(2, 7);
      for (let i = min; i <= max; i += step) values.add(i);
      return { text: `*/${step}`, values, star: false };
    }
    if (kind === 2) {
      const a = int(min, max);
      const b = int(a, max);
      const step = int(1, 3);
      for (let i = a; i <= b; i += step) values.add(i);
      return { text: `${a}-${b}/${step}`, values, star: false };
    }
    const list = Array.from({ length: int(1, 3) }, () => int(min, max));
    list.forEach((v) => values.add(v));
    return { text: list.join(','), values, star: false };
  }

  it('finds the first matching minute after random times', () => {
    let checked = 0;
    for (let n = 0; n < 400; n++) {
      const [mi, h, dom, mon, dow] = [field(0, 59), field(0, 23), field(1, 31), field(1, 12), field(0, 6)];
      const spec = [mi, h, dom, mon, dow].map((f) => f.text).join(' ');
      const start = Date.UTC(2020, 0, 1) + int(0, 4 * 365) * 86_400_000 + int(0, 86_399_999);
      const dayMatches = (d: Date) => {
        const domOk = dom.values.has(d.getUTCDate());
        const dowOk = dow.values.has(d.getUTCDay());
        return mon.values.has(d.getUTCMonth() + 1) && (dom.star || dow.star ? domOk && dowOk : domOk || dowOk);
      };
      let expected: number | undefined;
      // Day by day for up to two years (enough for these specs, else skip the case), then minute by minute.
      const firstDay = Math.floor(start / 86_400_000) * 86_400_000;
      search: for (let day = firstDay; day < firstDay + 2 * 366 * 86_400_000; day += 86_400_000) {
        if (!dayMatches(new Date(day))) continue;
        for (let t = day; t < day + 86_400_000; t += 60_000) {
          const d = new Date(t);
          if (t > start && h.values.has(d.getUTCHours()) && mi.values.has(d.getUTCMinutes())) {
            expected = t;
            break search;
          }
        }
      }
      if (expected === undefined) continue;
      checked++;
      expect({ spec, start: new Date(start).toISOString(), next: parseCronSchedule(spec).next(new Date(start))?.toISOString() }).toEqual({
        spec,
        start: new Date(start).toISOString(),
        next: new Date(expected).toISOString(),
      });
    }
    expect(checked).toBeGreaterThan(300);
  });
});

describe('validateCronSchedule (Temporal ValidateSchedule)', () => {
  const now = at('2024-06-01T12:00:00Z');
  it.each([
    ['', undefined],
    ['* * * * *', undefined],
    ['@every 1h30m', undefined],
    ['CRON_TZ=America/New_York 0 9 * * 1-5', undefined],
    ['not a schedule', INVALID_CRON_SCHEDULE],
    ['61 * * * *', INVALID_CRON_SCHEDULE],
    ['* * * * * *', INVALID_CRON_SCHEDULE],
    ['TZ=UTC', INVALID_CRON_SCHEDULE],
    ['0 0 30 2 *', UNSATISFIABLE_CRON_SCHEDULE],
    ['0 0 31 4 ?', UNSATISFIABLE_CRON_SCHEDULE],
  ])('%j -> %s', (spec, expected) => {
    expect(validateCronSchedule(spec, now)).toBe(expected);
  });

  it('has Temporal\'s messages', () => {
    expect(INVALID_CRON_SCHEDULE).toBe('invalid CronSchedule.');
    expect(UNSATISFIABLE_CRON_SCHEDULE).toBe('invalid CronSchedule, no time can be found to satisfy the schedule');
    expect(validateCronSchedule('*/5 * * * *')).toBeUndefined(); // default now
  });
});

describe('cronBackoffMs (Temporal GetBackoffForNextSchedule)', () => {
  const s = (sec: number) => sec * 1000;

  it('first run: scheduled = now waits for the next schedule time after now, rounded up to whole seconds', () => {
    const now = at('2024-06-01T12:30:00.250Z');
    expect(cronBackoffMs('0 * * * *', now, now)).toBe(s(1800)); // 29m59.75s -> 30m
    const onPoint = at('2024-06-01T12:00:00Z');
    expect(cronBackoffMs('0 * * * *', onPoint, onPoint)).toBe(s(3600)); // strictly after: the next hour
    const justAfter = at('2024-06-01T12:00:00.001Z');
    expect(cronBackoffMs('0 * * * *', justAfter, justAfter)).toBe(s(3600)); // 3599.999s -> 3600s
  });

  it('a run that ran long skips the schedule points that passed', () => {
    const scheduled = at('2024-06-01T12:00:00Z');
    expect(cronBackoffMs('0 * * * *', scheduled, at('2024-06-01T15:20:00Z'))).toBe(s(40 * 60));
    expect(cronBackoffMs('0 * * * *', scheduled, at('2024-06-01T12:59:59.500Z'))).toBe(s(1)); // 0.5s -> 1s
    // Landing exactly on a schedule point: that point (not before now), no wait.
    expect(cronBackoffMs('0 * * * *', scheduled, at('2024-06-01T15:00:00Z'))).toBe(0);
    expect(cronBackoffMs('*/15 * * * *', scheduled, at('2024-06-03T07:31:10Z'))).toBe(s(13 * 60 + 50));
  });

  it('now before the scheduled time waits until the scheduled time itself (not aligned to the schedule)', () => {
    expect(cronBackoffMs('0 * * * *', at('2024-06-01T14:00:00.500Z'), at('2024-06-01T13:00:00Z'))).toBe(s(3601));
    expect(cronBackoffMs('0 * * * *', at('2024-06-01T13:17:00Z'), at('2024-06-01T13:00:00Z'))).toBe(s(17 * 60));
  });

  it('@every counts on from the scheduled time in steps of the delay', () => {
    const scheduled = at('2024-06-01T12:00:00.700Z');
    expect(cronBackoffMs('@every 10s', scheduled, scheduled)).toBe(s(10)); // 12:00:10 - 12:00:00.7 = 9.3s -> 10s
    // Points 12:00:10, :20, ... 12:01:40 is the first not before 12:01:35.7.
    expect(cronBackoffMs('@every 10s', scheduled, at('2024-06-01T12:01:35.700Z'))).toBe(s(5));
    expect(cronBackoffMs('@every 10s', scheduled, at('2024-06-01T12:01:40Z'))).toBe(0);
    expect(cronBackoffMs('@every 1h30m', scheduled, at('2024-06-02T00:10:00Z'))).toBe(s(80 * 60)); // ... 00:00:00, 01:30:00
  });

  it('@every over a long run matches stepping one schedule point at a time', () => {
    const schedule = parseCronSchedule('@every 7s');
    const scheduled = at('2024-06-01T12:00:00.300Z');
    for (const gap of [0, 1, 6_999, 7_000, 7_701, 123_456, 10_000_000]) {
      const now = new Date(scheduled.getTime() + gap);
      let p = schedule.next(scheduled)!;
      while (p.getTime() < now.getTime()) p = schedule.next(p)!;
      expect(cronBackoffMs('@every 7s', scheduled, now)).toBe(Math.ceil((p.getTime() - now.getTime()) / 1000) * 1000);
    }
  });

  it('follows the schedule zone across DST', () => {
    const scheduled = at('2024-03-09T14:00:00Z'); // 9am EST
    expect(cronBackoffMs('CRON_TZ=America/New_York 0 9 * * *', scheduled, at('2024-03-09T14:01:00Z'))).toBe(s(23 * 3600 - 60));
  });

  it('is NoBackoff (undefined) for no schedule, a bad one, or no next time', () => {
    const now = at('2024-06-01T12:00:00Z');
    expect(cronBackoffMs('', now, now)).toBeUndefined();
    expect(cronBackoffMs('not a schedule', now, now)).toBeUndefined();
    expect(cronBackoffMs('0 0 30 2 *', now, now)).toBeUndefined();
    expect(cronBackoffMs('0 0 29 2 *', at('2096-03-01T00:00:00Z'), at('2096-03-01T00:00:00Z'))).toBeUndefined();
  });

  it('the non-negative variant turns NoBackoff into 0', () => {
    const now = at('2024-06-01T12:00:00Z');
    expect(cronBackoffMsNonNegative('', now, now)).toBe(0);
    expect(cronBackoffMsNonNegative('0 0 30 2 *', now, now)).toBe(0);
    expect(cronBackoffMsNonNegative('0 * * * *', now, now)).toBe(s(3600));
  });
});
