import type { Logger } from '@kairos/common/logger';
import type { Topic, Unsubscribe } from './notifier';

export type Handler = (key: string) => void;

/**
 * Handlers per topic with isolated, synchronous delivery: a throwing handler is logged and the
 * others still run, and the publisher never sees the exception (a notification is a hint, the
 * publisher has already committed its write).
 */
export class HandlerRegistry {
  private readonly handlers = new Map<Topic, Set<Handler>>();

  constructor(private readonly logger: Logger | undefined) {}

  /** Adds a handler; `onFirst` runs when the topic gets its first handler. */
  add(topic: Topic, handler: Handler, onFirst?: () => void): Unsubscribe {
    let set = this.handlers.get(topic);
    if (!set) {
      set = new Set();
      this.handlers.set(topic, set);
      onFirst?.();
    }
    // Wrap so subscribing one function twice gives two independent subscriptions.
    const entry: Handler = (key) => handler(key);
    set.add(entry);
    return () => {
      set.delete(entry);
    };
  }

  topics(): Topic[] {
    return [...this.handlers.keys()];
  }

  deliver(topic: Topic, key: string): void {
    const set = this.handlers.get(topic);
    if (!set || set.size === 0) return;
    // Snapshot: handlers added while delivering wait for the next notification.
    for (const handler of [...set]) {
      if (!set.has(handler)) continue;
      try {
        handler(key);
      } catch (err) {
        this.logger?.error('notification handler failed', { topic, key, error: err });
      }
    }
  }

  clear(): void {
    this.handlers.clear();
  }
}
