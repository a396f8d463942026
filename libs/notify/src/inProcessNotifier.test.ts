import { describe, expect, it } from 'vitest';
import { createLogger } from '@kairos/common/logger';
import { InProcessNotifier } from './inProcessNotifier';

describe('InProcessNotifier', () => {
  it('fans out synchronously to every handler of the topic', () => {
    const notifier = new InProcessNotifier();
    const a: string[] = [];
    const b: string[] = [];
    const other: string[] = [];
    notifier.subscribe('task-added', (k) => a.push(k));
    notifier.subscribe('task-added', (k) => b.push(k));
    notifier.subscribe('membership-changed', (k) => other.push(k));
    notifier.publish('task-added', 'ns/1/q');
    expect(a).toEqual(['ns/1/q']);
    expect(b).toEqual(['ns/1/q']);
    expect(other).toEqual([]);
  });

  it('stops delivering after unsubscribe, also to the same function subscribed twice independently', () => {
    const notifier = new InProcessNotifier();
    const seen: string[] = [];
    const handler = (k: string) => seen.push(k);
    const first = notifier.subscribe('membership-changed', handler);
    notifier.subscribe('membership-changed', handler);
    notifier.publish('membership-changed', 'x');
    first();
    notifier.publish('membership-changed', 'y');
    expect(seen).toEqual(['x', 'x', 'y']);
  });

  it('keeps a throwing handler away from the publisher and the other handlers', () => {
    const lines: string[] = [];
    const notifier = new InProcessNotifier({ logger: createLogger({ level: 'error', stream: { write: (l: string) => lines.push(l) } }) });
    const seen: string[] = [];
    notifier.subscribe('task-added', () => {
      throw new Error('handler bug');
    });
    notifier.subscribe('task-added', (k) => seen.push(k));
    expect(() => notifier.publish('task-added', 'k')).not.toThrow();
    expect(seen).toEqual(['k']);
    expect(JSON.parse(lines[0]!)).toMatchObject({ msg: 'notification handler failed', topic: 'task-added', key: 'k', error: { message: 'handler bug' } });
  });

  it('lets a handler unsubscribe itself or subscribe others while being called', () => {
    const notifier = new InProcessNotifier();
    const seen: string[] = [];
    const unsubscribe = notifier.subscribe('membership-changed', (k) => {
      seen.push(`once:${k}`);
      unsubscribe();
      notifier.subscribe('membership-changed', (k2) => seen.push(`late:${k2}`));
    });
    notifier.publish('membership-changed', '1');
    notifier.publish('membership-changed', '2');
    expect(seen).toEqual(['once:1', 'late:2']);
  });

  it('delivers nothing after close', async () => {
    const notifier = new InProcessNotifier();
    const seen: string[] = [];
    notifier.subscribe('task-added', (k) => seen.push(k));
    await notifier.close();
    notifier.publish('task-added', 'k');
    notifier.subscribe('task-added', (k) => seen.push(k))();
    expect(seen).toEqual([]);
  });
});
