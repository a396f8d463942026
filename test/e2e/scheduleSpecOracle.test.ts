import { Connection } from '@temporalio/client';
import Long from 'long';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalScheduleSpec, CompiledScheduleSpec, scheduleMatchingTimes } from '@kairos/domain';
import { ScheduleSpec } from '@kairos/proto/temporal/api/schedule/v1/message';
import { startTemporalDev, type TestServer } from '../src/harness/servers';

/**
 * Kairos's schedule spec engine (libs/domain/src/schedules) against the real Temporal dev server:
 * the same specs created there as paused schedules, and ListScheduleMatchingTimes's answer over a
 * range compared with the times Kairos computes — calendars in named zones across both DST
 * changes, weekday names, Sunday as 7, exclusions, leap days, intervals with a phase. No jitter
 * (Temporal seeds it with the namespace id, which differs between servers).
 */

type SpecFields = Parameters<typeof ScheduleSpec.fromPartial>[0];

const CASES: Record<string, { spec: SpecFields; from: string; to: string }> = {
  'a cron string in New York across the spring-forward gap': {
    spec: { cronString: ['CRON_TZ=America/New_York 30 * * * *'] },
    from: '2026-03-07T00:00:00Z',
    to: '2026-03-09T12:00:00Z',
  },
  'a calendar in New York across the repeated fall-back hour': {
    spec: { calendar: [{ minute: '15,45', hour: '0-3', dayOfMonth: '*', month: '*', dayOfWeek: '*' }], timezoneName: 'America/New_York' },
    from: '2026-10-31T00:00:00Z',
    to: '2026-11-02T12:00:00Z',
  },
  'weekdays by name': { spec: { calendar: [{ hour: '9', dayOfWeek: 'mon-fri', dayOfMonth: '*', month: '*' }] }, from: '2026-01-01T00:00:00Z', to: '2026-01-20T00:00:00Z' },
  'an interval with a phase, less an excluded calendar': {
    spec: { interval: [{ interval: { seconds: 3600 }, phase: { seconds: 600 } }], excludeCalendar: [{ hour: '2-4', minute: '*', dayOfMonth: '*', month: '*', dayOfWeek: '*' }] },
    from: '2026-01-01T00:00:00Z',
    to: '2026-01-02T00:00:00Z',
  },
  'Friday to Sunday written 5-7': { spec: { cronString: ['0 12 * * 5-7'] }, from: '2026-01-01T00:00:00Z', to: '2026-01-20T00:00:00Z' },
  'leap days only': { spec: { calendar: [{ dayOfMonth: '29', month: 'feb', hour: '0' }] }, from: '2026-01-01T00:00:00Z', to: '2033-01-01T00:00:00Z' },
  '@every with a phase': { spec: { cronString: ['@every 90m/20m'] }, from: '2026-01-01T00:00:00Z', to: '2026-01-01T12:00:00Z' },
  'start and end times': {
    spec: { interval: [{ interval: { seconds: 600 } }], startTime: new Date('2026-01-01T01:00:00Z'), endTime: new Date('2026-01-01T02:00:00Z') },
    from: '2026-01-01T00:00:00Z',
    to: '2026-01-01T03:00:00Z',
  },
};

/** The request form of a spec: int64 seconds as Long, timestamps as seconds. */
function wireSpec(fields: SpecFields): unknown {
  const spec = ScheduleSpec.fromPartial(fields);
  const duration = (d: { seconds: number; nanos: number } | undefined) => d && { seconds: Long.fromNumber(d.seconds), nanos: d.nanos };
  const timestamp = (t: Date | undefined) => t && { seconds: Long.fromNumber(t.getTime() / 1000), nanos: 0 };
  return {
    ...spec,
    interval: spec.interval.map((i) => ({ interval: duration(i.interval), phase: duration(i.phase) })),
    startTime: timestamp(spec.startTime),
    endTime: timestamp(spec.endTime),
    jitter: undefined,
  };
}

const seconds = (iso: string) => ({ seconds: Long.fromNumber(Date.parse(iso) / 1000), nanos: 0 });

// The reference is what this suite checks against, so it always starts one (also under KAIROS_ORACLE=off).
describe('schedule spec times, compared with the Temporal dev server', () => {
  const state: { server?: TestServer; connection?: Connection } = {};
  beforeAll(async () => {
    state.server = await startTemporalDev();
    state.connection = await Connection.connect({ address: state.server.address });
  });
  afterAll(async () => {
    await state.connection?.close();
    await state.server?.stop();
  });

  it.each(Object.entries(CASES))('%s: the same times', async (name, { spec, from, to }) => {
    const service = state.connection!.workflowService;
    const scheduleId = `spec-${name.replace(/[^a-z0-9]+/gi, '-')}`;
    await service.createSchedule({
      namespace: 'default',
      scheduleId,
      requestId: scheduleId,
      schedule: { spec: wireSpec(spec) as never, action: { startWorkflow: { workflowId: 'w', workflowType: { name: 'T' }, taskQueue: { name: 'tq' } } }, state: { paused: true } },
    });
    const answered = await service.listScheduleMatchingTimes({ namespace: 'default', scheduleId, startTime: seconds(from), endTime: seconds(to) });
    const onTemporal = (answered.startTime ?? []).map((t) => new Date(Number(t.seconds) * 1000).toISOString());
    const compiled = new CompiledScheduleSpec(canonicalScheduleSpec(ScheduleSpec.fromPartial(spec)));
    const onKairos = scheduleMatchingTimes(compiled, Date.parse(from), Date.parse(to), '').map((t) => new Date(t).toISOString());
    expect(onTemporal.length).toBeGreaterThan(0);
    expect(onKairos).toEqual(onTemporal);
  });
});
