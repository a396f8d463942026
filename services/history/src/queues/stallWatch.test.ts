import { afterEach, describe, expect, it } from 'vitest';
import { StallWatch } from './stallWatch';

describe('StallWatch', () => {
  let watch: StallWatch | undefined;
  afterEach(() => watch?.stop());

  function watchAt(start: number) {
    const clock = { now: start };
    watch = new StallWatch(() => clock.now, 1_000, 2_000, 60_000);
    return clock;
  }

  it('lets timeouts fire at once while the process keeps running', () => {
    const clock = watchAt(10_000);
    for (let i = 0; i < 10; i++) {
      clock.now += 250;
      watch!.tick();
      expect(watch!.deferUntil()).toBe(clock.now);
    }
  });

  it('defers them for the grace period after a pause, even before its own interval noticed it', () => {
    const clock = watchAt(10_000);
    clock.now += 15_000; // paused: no tick ran meanwhile
    expect(watch!.deferUntil()).toBe(25_000 + 2_000);
    clock.now += 500;
    watch!.tick();
    expect(watch!.deferUntil()).toBe(27_000);
    for (let i = 0; i < 3; i++) {
      clock.now += 500;
      watch!.tick();
    }
    expect(clock.now).toBe(27_000);
    expect(watch!.deferUntil()).toBe(clock.now);
  });

  it('does not count a late tick within the threshold as a stall', () => {
    const clock = watchAt(0);
    clock.now += 900;
    watch!.tick();
    expect(watch!.deferUntil()).toBe(900);
  });
});
