import { describe, expect, it } from 'vitest';
import { newRunId } from './runIds';

describe('newRunId', () => {
  it('is a version-7 UUID carrying the creation time in its first 48 bits', () => {
    const at = Date.UTC(2026, 10, 29, 12, 0, 0, 123);
    const id = newRunId(at);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(at);
  });

  it('sorts by creation time and does not repeat', () => {
    const ids = [newRunId(1_000), newRunId(2_000), newRunId(3_000)];
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(Array.from({ length: 1000 }, () => newRunId(5_000))).size).toBe(1000);
  });
});
