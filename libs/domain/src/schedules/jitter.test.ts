import { describe, expect, it } from 'vitest';
import { scheduleJitterMs } from './jitter';

describe('scheduleJitterMs', () => {
  it("is the delay Temporal's scheduler derives (values from its Go code for the same seed and times)", () => {
    expect(scheduleJitterMs('ns-id-sched-1', Date.parse('2026-01-01T10:00:00Z'), 30_000)).toBe(19_120);
    expect(scheduleJitterMs('ns-id-sched-1', Date.parse('2026-03-08T07:30:05Z'), 30_000)).toBe(8_724);
  });

  it('is none without a maximum, and never reaches the maximum', () => {
    expect(scheduleJitterMs('seed', Date.parse('2026-01-01T10:00:00Z'), 0)).toBe(0);
    for (let i = 0; i < 50; i++) expect(scheduleJitterMs(`seed-${i}`, Date.parse('2026-01-01T10:00:00Z'), 1000)).toBeLessThan(1000);
  });
});
