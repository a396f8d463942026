import { describe, expect, it } from 'vitest';
import { CallCancellation } from './callCancellation';

describe('CallCancellation', () => {
  it('calls each listener once when cancelled, and late listeners at once; stopped listeners are not called', () => {
    const cancellation = new CallCancellation();
    const heard: string[] = [];
    cancellation.onCancel(() => heard.push('a'));
    const stopB = cancellation.onCancel(() => heard.push('b'));
    cancellation.onCancel(() => heard.push('c'));
    stopB();
    expect(cancellation.cancelled).toBe(false);
    cancellation.cancel();
    cancellation.cancel();
    expect(cancellation.cancelled).toBe(true);
    expect(heard).toEqual(['a', 'c']);
    cancellation.onCancel(() => heard.push('late'));
    expect(heard).toEqual(['a', 'c', 'late']);
  });
});
