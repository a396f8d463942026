import type { Logger } from '@kairos/common/logger';
import { HandlerRegistry } from './handlerRegistry';
import type { Notifier, Topic, Unsubscribe } from './notifier';

/**
 * Notifications within one process (the embedded dev server): synchronous fan-out to every
 * handler of the topic, the publisher's own included. A throwing handler is logged (when a
 * logger is given) and never reaches the publisher or the other handlers.
 */
export class InProcessNotifier implements Notifier {
  private readonly registry: HandlerRegistry;
  private closed = false;

  constructor(options: { logger?: Logger } = {}) {
    this.registry = new HandlerRegistry(options.logger);
  }

  publish(topic: Topic, key: string): void {
    if (this.closed) return;
    this.registry.deliver(topic, key);
  }

  subscribe(topic: Topic, handler: (key: string) => void): Unsubscribe {
    if (this.closed) return () => {};
    return this.registry.add(topic, handler);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.registry.clear();
  }
}
