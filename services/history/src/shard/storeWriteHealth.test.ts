import { describe, expect, it } from 'vitest';
import { StoreWriteHealth } from './storeWriteHealth';

describe('StoreWriteHealth', () => {
  it('reports a refused write until one succeeds or the window passes', () => {
    const clock = { now: 1_000 };
    const health = new StoreWriteHealth(5_000, () => clock.now);
    expect(health.refusing()).toBe(false);
    health.refused();
    clock.now += 4_999;
    expect(health.refusing()).toBe(true);
    clock.now += 1;
    expect(health.refusing()).toBe(false);
    health.refused();
    expect(health.refusing()).toBe(true);
    health.succeeded();
    expect(health.refusing()).toBe(false);
  });
});
