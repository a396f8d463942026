import { describe, expect, it } from 'vitest';
import { ScheduleSpec } from '@kairos/proto/temporal/api/schedule/v1/message';
import { canonicalScheduleSpec, CompiledScheduleSpec, scheduleMatchingTimes } from './scheduleSpec';

const at = (text: string) => Date.parse(text);
const iso = (ms: number) => new Date(ms).toISOString();
const spec = (fields: Parameters<typeof ScheduleSpec.fromPartial>[0]) => canonicalScheduleSpec(ScheduleSpec.fromPartial(fields));

function times(compiled: CompiledScheduleSpec, from: string, n: number): string[] {
  const out: string[] = [];
  let t = at(from);
  for (let i = 0; i < n; i++) {
    const next = compiled.nextTime(t);
    if (!next) break;
    out.push(iso(next.nominal));
    t = next.nominal;
  }
  return out;
}

describe('schedule specs', () => {
  it('fires intervals on the epoch grid shifted by the phase', () => {
    const compiled = new CompiledScheduleSpec(spec({ interval: [{ interval: { seconds: 3600 }, phase: { seconds: 900 } }] }));
    expect(times(compiled, '2026-01-01T10:20:00Z', 2)).toEqual(['2026-01-01T11:15:00.000Z', '2026-01-01T12:15:00.000Z']);
  });

  it('takes the earliest of calendars and intervals, skips exclusions, and stays within start and end', () => {
    const compiled = new CompiledScheduleSpec(
      spec({
        cronString: ['0 12 * * *'],
        interval: [{ interval: { seconds: 86_400 }, phase: { seconds: 6 * 3600 } }],
        excludeCalendar: [{ dayOfMonth: '2', hour: '*' }],
        startTime: new Date('2026-01-01T06:00:00Z'),
        endTime: new Date('2026-01-03T06:00:00Z'),
      }),
    );
    // The start time itself fires; the 2nd is excluded all day; nothing after the end time.
    expect(times(compiled, '2025-12-01T00:00:00Z', 10)).toEqual(['2026-01-01T06:00:00.000Z', '2026-01-01T12:00:00.000Z', '2026-01-03T06:00:00.000Z']);
  });

  it("moves a cron string's time zone to the spec and fires in it", () => {
    const canonical = spec({ cronString: ['CRON_TZ=Asia/Tokyo 0 9 * * *'] });
    expect(canonical).toMatchObject({ timezoneName: 'Asia/Tokyo', cronString: [] });
    expect(times(new CompiledScheduleSpec(canonical), '2026-01-01T00:00:00Z', 1)).toEqual(['2026-01-02T00:00:00.000Z']);
  });

  it("refuses bad specs in Temporal's words", () => {
    expect(() => spec({ interval: [{ interval: { seconds: 0 } }] })).toThrow('interval is too small');
    expect(() => spec({ interval: [{ interval: { seconds: 60 }, phase: { seconds: 60 } }] })).toThrow('phase cannot be greater than Interval');
    expect(() => spec({ cronString: ['TZ=UTC 0 * * * *', 'TZ=Europe/Paris 0 * * * *'] })).toThrow('conflicting timezone names');
    expect(() => spec({ cronString: ['61 * * * *'] })).toThrow('Minute is not in range [0-59]');
    expect(() => spec({ structuredCalendar: [{ hour: [{ start: 30, end: 0, step: 0 }] }] })).toThrow('invalid calendar spec: Hour Start is not in range [0-23]');
    expect(() => new CompiledScheduleSpec(spec({ timezoneName: 'Mars/Olympus' }))).toThrow('unknown time zone Mars/Olympus');
  });

  it('adds the deterministic jitter, capped by the gap to the following action', () => {
    const compiled = new CompiledScheduleSpec(spec({ interval: [{ interval: { seconds: 3600 } }], jitter: { seconds: 30 } }));
    expect(compiled.nextTime(at('2026-01-01T09:30:00Z'), 'ns-id-sched-1')).toEqual({ nominal: at('2026-01-01T10:00:00Z'), next: at('2026-01-01T10:00:00Z') + 19_120 });
    const dense = new CompiledScheduleSpec(spec({ interval: [{ interval: { seconds: 1 } }], jitter: { seconds: 30 } }));
    const { nominal, next } = dense.nextTime(at('2026-01-01T09:30:00Z'), 'seed')!;
    expect(next - nominal).toBeLessThan(1000);
  });

  it('lists matching times after the start up to and including the end, none for an inverted range (as the dev server)', () => {
    const compiled = new CompiledScheduleSpec(spec({ interval: [{ interval: { seconds: 60 } }] }));
    const start = at('2026-01-01T10:00:00Z');
    expect(scheduleMatchingTimes(compiled, start, start + 180_000, 'seed').map(iso)).toEqual(['2026-01-01T10:01:00.000Z', '2026-01-01T10:02:00.000Z', '2026-01-01T10:03:00.000Z']);
    expect(scheduleMatchingTimes(compiled, start + 180_000, start, 'seed')).toEqual([]);
    expect(scheduleMatchingTimes(new CompiledScheduleSpec(spec({ interval: [{ interval: { seconds: 1 } }] })), start, start + 86_400_000, 'seed')).toHaveLength(1000);
  });
});
