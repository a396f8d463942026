import { connect, StringCodec, type NatsConnection } from 'nats';
import type { Logger } from '@kairos/common/dist/logger';
import type { Notifier, Topic, Unsubscribe } from './notifier';

export interface NatsNotifierOptions {
  url: string;
  /** Subjects are prefixed with it, so clusters can share one NATS. */
  clusterName: string;
  logger: Logger;
}

const codec = StringCodec();

/**
 * Notifications across processes over NATS. One subject per topic (`kairos.<cluster>.<topic>`)
 * with the key as payload: keys hold characters NATS subjects do not allow, and a receiver
 * filters by key itself. Publishing never throws: while NATS is away hints are dropped and the
 * receivers' periodic store checks cover for them.
 */
export class NatsNotifier implements Notifier {
  constructor(
    private readonly connection: NatsConnection,
    private readonly clusterName: string,
    private readonly logger: Logger,
  ) {}

  private subject(topic: Topic): string {
    return `kairos.${this.clusterName}.${topic}`;
  }

  publish(topic: Topic, key: string): void {
    try {
      this.connection.publish(this.subject(topic), codec.encode(key));
    } catch (err) {
      this.logger.debug('notification dropped', { topic, error: String(err) });
    }
  }

  subscribe(topic: Topic, handler: (key: string) => void): Unsubscribe {
    const subscription = this.connection.subscribe(this.subject(topic), {
      callback: (err, msg) => {
        if (err) {
          this.logger.warn('notification subscription error', { topic, error: String(err) });
          return;
        }
        handler(codec.decode(msg.data));
      },
    });
    return () => subscription.unsubscribe();
  }

  async close(): Promise<void> {
    await this.connection.drain().catch(() => this.connection.close());
  }
}

/** Connects to NATS, retrying for ever in the background (the first connection is awaited). */
export async function connectNatsNotifier(options: NatsNotifierOptions): Promise<NatsNotifier> {
  const connection = await connect({
    servers: options.url,
    name: `kairos-${options.clusterName}`,
    reconnect: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    waitOnFirstConnect: true,
  });
  void (async () => {
    for await (const status of connection.status()) {
      options.logger.info('nats status', { type: String(status.type) });
    }
  })();
  return new NatsNotifier(connection, options.clusterName, options.logger);
}
