import { describe, expect, it } from 'vitest';
import { BadCommandAttributesError, normalizeActivityTimeouts } from './activities';

const s = (seconds: number) => ({ seconds, nanos: 0 });

describe('normalizeActivityTimeouts (Temporal’s defaulting and capping)', () => {
  it('derives schedule-to-start and start-to-close from schedule-to-close', () => {
    expect(normalizeActivityTimeouts({ scheduleToCloseTimeout: s(30) }, 0)).toEqual({ scheduleToClose: 30_000, scheduleToStart: 30_000, startToClose: 30_000, heartbeat: 0 });
    expect(normalizeActivityTimeouts({ scheduleToCloseTimeout: s(30), startToCloseTimeout: s(60) }, 0).startToClose).toBe(30_000);
  });

  it('with only start-to-close, the others follow the run timeout (0 = unlimited)', () => {
    expect(normalizeActivityTimeouts({ startToCloseTimeout: s(10) }, 0)).toEqual({ scheduleToClose: 0, scheduleToStart: 0, startToClose: 10_000, heartbeat: 0 });
    expect(normalizeActivityTimeouts({ startToCloseTimeout: s(10) }, 60_000)).toEqual({ scheduleToClose: 60_000, scheduleToStart: 60_000, startToClose: 10_000, heartbeat: 0 });
  });

  it('caps by the run timeout and the heartbeat by start-to-close', () => {
    expect(normalizeActivityTimeouts({ startToCloseTimeout: s(100), heartbeatTimeout: s(500) }, 50_000)).toEqual({ scheduleToClose: 50_000, scheduleToStart: 50_000, startToClose: 50_000, heartbeat: 50_000 });
    expect(normalizeActivityTimeouts({ startToCloseTimeout: s(10), heartbeatTimeout: s(20) }, 0).heartbeat).toBe(10_000);
  });

  it('rejects a command with neither start-to-close nor schedule-to-close', () => {
    expect(() => normalizeActivityTimeouts({ heartbeatTimeout: s(1) }, 0)).toThrow(BadCommandAttributesError);
  });
});
