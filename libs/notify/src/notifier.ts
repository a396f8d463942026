/**
 * Notifications between service instances. They carry hints, never truth: a receiver re-reads the
 * store, and a lost notification only delays work until the receiver's next periodic store check.
 */
export type Topic =
  /** A task was added to a task queue backlog: key = `${namespaceId}/${kind}/${taskQueue}`. */
  | 'task-added'
  /** Shard or task queue ownership changed: key = free-form. */
  | 'membership-changed';

export type Unsubscribe = () => void;

export interface Notifier {
  publish(topic: Topic, key: string): void;
  /** Calls `handler` for each notification of `topic` (for every key). */
  subscribe(topic: Topic, handler: (key: string) => void): Unsubscribe;
  close(): Promise<void>;
}
