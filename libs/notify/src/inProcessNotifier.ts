import type { Notifier, Topic, Unsubscribe } from './notifier';

/** Notifications within one process (the embedded dev server): synchronous fan-out. */
export class InProcessNotifier implements Notifier {
  private readonly handlers = new Map<Topic, Set<(key: string) => void>>();

  publish(topic: Topic, key: string): void {
    const set = this.handlers.get(topic);
    if (!set) return;
    for (const handler of set) handler(key);
  }

  subscribe(topic: Topic, handler: (key: string) => void): Unsubscribe {
    let set = this.handlers.get(topic);
    if (!set) this.handlers.set(topic, (set = new Set()));
    set.add(handler);
    return () => set!.delete(handler);
  }

  async close(): Promise<void> {
    this.handlers.clear();
  }
}
