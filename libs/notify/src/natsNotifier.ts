import { setImmediate as realSetImmediate } from 'timers';
import { connect, Events, type Authenticator, type NatsConnection, type Subscription, type TlsOptions } from 'nats';
import type { Logger } from '@kairos/common/logger';
import { redactUrlCredentials } from '@kairos/common/redact';
import { setting } from '@kairos/common/settings';
import { HandlerRegistry } from './handlerRegistry';
import { natsConnectTarget, type NatsConnectTarget } from './natsServers';
import { natsRefusalCode, natsSecurityConnectOptions, type NatsSecurityOptions } from './natsSecurity';
import type { Notifier, Topic, Unsubscribe } from './notifier';

export interface NatsNotifierOptions {
  /** NATS server URL(s), e.g. `nats://127.0.0.1:4222`. */
  url: string | string[];
  /** Subjects are `kairos.<clusterName>.<topic>`, so clusters can share one NATS. */
  clusterName: string;
  logger: Logger;
  /**
   * How long `connectNatsNotifier` waits for the first connection before returning a notifier
   * that keeps connecting in the background (notifications are dropped meanwhile). Default `nats.firstConnectWait`.
   */
  firstConnectWaitMs?: number;
  /** Pause between connection attempts (initial ones and nats.js reconnects). Default `nats.reconnectWait`. */
  reconnectWaitMs?: number;
  /** Time limit of one connection attempt. Default `nats.connectTimeout`. */
  connectTimeoutMs?: number;
  /** Connection name shown by the NATS server's monitoring. Default `kairos-<clusterName>`. */
  name?: string;
  /** TLS and file-based credentials (nkey seed, creds); the URL may carry a user and password or a token instead. */
  security?: NatsSecurityOptions;
}

/** The server turned this process away (credentials or TLS), as opposed to being out of reach. */
export interface NatsRefusal {
  code: string;
  message: string;
}

const SUBJECT_TOKEN = /^[A-Za-z0-9_-]+$/;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Notifications across processes over NATS.
 *
 * Subjects: one per topic, `kairos.<cluster>.<topic>`, with the key as the payload. Keys are
 * `namespaceId/workflowId/runId` or `namespaceId/kind/taskQueue` and may hold any character
 * (`.` separates subject tokens, `*` and `>` are wildcards, whitespace is forbidden), so a
 * key-in-subject scheme would need an escaping scheme; and it would buy nothing: `subscribe` takes
 * every key of a topic, so the NATS server could not filter anything for us. Three fixed
 * subjects per cluster also keep the server's interest graph tiny.
 *
 * Delivery: the publisher's own handlers are called synchronously in `publish` (as
 * InProcessNotifier does), and the connection is opened with `noEcho` so NATS does not deliver the
 * same message to it again. Local waiters therefore keep working while NATS is down.
 *
 * Failure: `publish` never throws. While NATS is unreachable, notifications to other processes
 * are dropped (counted, and logged once per outage): they are hints, and receivers re-read the
 * store periodically. The connection is retried forever, also when the first attempt fails, and
 * subscriptions come back with it. A server that refuses this process (credentials, TLS, subject
 * permissions) is different: it needs an operator, so it is logged as an error with NATS' code,
 * and `connectNatsNotifier` fails the start.
 */
export class NatsNotifier implements Notifier {
  private readonly registry: HandlerRegistry;
  private readonly prefix: string;
  /** The URLs as given (logged masked). */
  private readonly servers: string[];
  /** What nats.js connects with: the URLs without their credentials, and those credentials. */
  private readonly target: NatsConnectTarget;
  private readonly logger: Logger;
  private readonly reconnectWaitMs: number;
  private readonly connectTimeoutMs: number;
  private readonly name: string;
  private readonly security: { tls?: TlsOptions; authenticator?: Authenticator };

  private connection: NatsConnection | undefined;
  private readonly subscriptions = new Map<Topic, Subscription>();
  private connected = false;
  private closing = false;
  private dropped = 0;
  /** Published in this event-loop turn, not yet handed to the connection. */
  private outgoing: Array<{ topic: Topic; key: string }> = [];
  private running: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private connectedWaiters: (() => void)[] = [];
  private refusal: NatsRefusal | undefined;
  private refusalWaiters: ((refusal: NatsRefusal) => void)[] = [];

  constructor(options: NatsNotifierOptions) {
    if (!SUBJECT_TOKEN.test(options.clusterName)) {
      throw new Error(`cluster name ${JSON.stringify(options.clusterName)} must be letters, digits, '-' or '_' (it is a NATS subject token)`);
    }
    this.prefix = `kairos.${options.clusterName}.`;
    this.servers = Array.isArray(options.url) ? options.url : [options.url];
    this.target = natsConnectTarget(this.servers);
    this.security = natsSecurityConnectOptions(options.security ?? {});
    if (this.security.authenticator && (this.target.user !== undefined || this.target.token !== undefined)) {
      throw new Error('give NATS credentials either in the URL or as an nkey seed or creds file, not both');
    }
    this.logger = options.logger;
    this.registry = new HandlerRegistry(options.logger);
    this.reconnectWaitMs = options.reconnectWaitMs ?? setting('nats.reconnectWait');
    this.connectTimeoutMs = options.connectTimeoutMs ?? setting('nats.connectTimeout');
    this.name = options.name ?? `kairos-${options.clusterName}`;
  }

  /** The NATS subject of a topic. */
  subject(topic: Topic): string {
    return this.prefix + topic;
  }

  /** Whether notifications currently reach other processes. */
  isConnected(): boolean {
    return this.connected;
  }

  /** Resolves once connected (immediately if connected now); never rejects. */
  whenConnected(): Promise<void> {
    if (this.connected || this.closing) return Promise.resolve();
    return new Promise((resolve) => this.connectedWaiters.push(resolve));
  }

  /** The last refusal by the server while not connected; cleared by a successful connection. */
  lastRefusal(): NatsRefusal | undefined {
    return this.refusal;
  }

  /** Resolves when the server refuses this process (never while it accepts it). */
  whenRefused(): Promise<NatsRefusal> {
    if (this.refusal) return Promise.resolve(this.refusal);
    return new Promise((resolve) => this.refusalWaiters.push(resolve));
  }

  /** Starts the connection loop (idempotent); `connectNatsNotifier` calls it. */
  start(): void {
    this.running ??= this.run();
  }

  publish(topic: Topic, key: string): void {
    if (this.closing) return;
    this.registry.deliver(topic, key);
    // Sent after this event-loop turn with the others of the turn: one socket write for all of
    // them (the client writes once per batch it is handed; a write per hint cost more than the hint).
    // (The timers module's setImmediate: tests that fake the global timers must not hold hints back.)
    if (this.outgoing.length === 0) realSetImmediate(() => this.sendOutgoing());
    this.outgoing.push({ topic, key });
  }

  private sendOutgoing(): void {
    const batch = this.outgoing;
    this.outgoing = [];
    const connection = this.connection;
    for (const { topic, key } of batch) {
      if (!connection || !this.connected) {
        this.drop();
        continue;
      }
      try {
        connection.publish(this.subject(topic), encoder.encode(key));
      } catch (err) {
        // Closed or draining between our check and the call, or a payload over max_payload.
        this.drop();
        this.logger.debug('notification dropped', { topic, error: err });
      }
    }
  }

  subscribe(topic: Topic, handler: (key: string) => void): Unsubscribe {
    if (this.closing) return () => {};
    return this.registry.add(topic, handler, () => {
      if (this.connection) this.subscribeRemote(this.connection, topic);
    });
  }

  async close(): Promise<void> {
    if (this.closing) return this.running;
    this.closing = true;
    this.sendOutgoing(); // what was published before close goes out with the drain
    this.wake?.();
    this.resolveConnectedWaiters();
    const connection = this.connection;
    if (connection && !connection.isClosed()) {
      // Drain flushes what was published; it can wait for a reconnect, so bound it.
      const drained = this.connected ? connection.drain().catch(() => undefined) : Promise.resolve();
      await Promise.race([drained, delay(setting('nats.drainTimeout'))]);
      if (!connection.isClosed()) await connection.close().catch(() => undefined);
    }
    await this.running;
    this.registry.clear();
  }

  private async run(): Promise<void> {
    let attempts = 0;
    while (!this.closing) {
      let connection: NatsConnection;
      try {
        connection = await connect({
          ...this.target,
          ...this.security,
          name: this.name,
          noEcho: true,
          timeout: this.connectTimeoutMs,
          reconnect: true,
          maxReconnectAttempts: -1,
          reconnectTimeWait: this.reconnectWaitMs,
          reconnectJitter: Math.min(100, this.reconnectWaitMs),
          pingInterval: setting('nats.pingInterval'),
          maxPingOut: setting('nats.maxPingsOut'),
        });
      } catch (err) {
        attempts++;
        const code = natsRefusalCode(err);
        if (code !== undefined) {
          this.refused(code, err, attempts);
        } else if (attempts === 1 || attempts % setting('nats.warnEveryAttempts') === 0) {
          this.logger.warn('NATS unreachable, retrying; notifications to other processes are dropped meanwhile', {
            servers: this.servers,
            attempts,
            error: err,
          });
        }
        await this.sleep(this.reconnectWaitMs);
        continue;
      }
      if (this.closing) {
        await connection.close().catch(() => undefined);
        break;
      }
      attempts = 0;
      this.refusal = undefined;
      this.attach(connection);
      const err = await connection.closed();
      this.detach();
      if (this.closing) break;
      const code = natsRefusalCode(err);
      // nats.js gives up reconnecting when the server refuses it twice (e.g. a password rotated on one side only).
      if (code !== undefined) this.refused(code, err, 1);
      else this.logger.warn('NATS connection closed, reconnecting', { error: err ?? undefined });
    }
  }

  private attach(connection: NatsConnection): void {
    this.connection = connection;
    for (const topic of this.registry.topics()) this.subscribeRemote(connection, topic);
    void this.watchStatus(connection);
    this.setConnected(true);
  }

  private detach(): void {
    this.connection = undefined;
    this.subscriptions.clear();
    this.setConnected(false);
  }

  private async watchStatus(connection: NatsConnection): Promise<void> {
    try {
      for await (const status of connection.status()) {
        if (status.type === Events.Disconnect) this.setConnected(false);
        else if (status.type === Events.Reconnect) this.setConnected(true);
        else if (status.type === Events.Error) {
          // A subject this process may not use (PERMISSIONS_VIOLATION) or a refused reconnect: the
          // server's configuration does not match this service's needs, which no retry mends.
          // nats.js gives the server's error as its code (PERMISSIONS_VIOLATION), or as an error.
          const code = typeof status.data === 'string' ? status.data : (status.data as { code?: unknown } | undefined)?.code;
          const serious = code === 'PERMISSIONS_VIOLATION' || natsRefusalCode({ code }) !== undefined;
          const fields = { code, data: String(status.data), servers: this.servers };
          if (serious) this.logger.error('NATS refused an operation of this process; check its NATS user and permissions', fields);
          else this.logger.warn('NATS error', fields);
        }
      }
    } catch (err) {
      this.logger.debug('NATS status watch ended', { error: err });
    }
  }

  private setConnected(connected: boolean): void {
    if (connected === this.connected) return;
    this.connected = connected;
    if (connected) {
      this.logger.info('NATS connected', { server: this.connection?.getServer(), droppedWhileAway: this.dropped });
      this.dropped = 0;
      this.resolveConnectedWaiters();
    } else if (!this.closing) {
      this.logger.warn('NATS disconnected; notifications to other processes are dropped until it is back', { servers: this.servers });
    }
  }

  private resolveConnectedWaiters(): void {
    const waiters = this.connectedWaiters;
    this.connectedWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private subscribeRemote(connection: NatsConnection, topic: Topic): void {
    if (this.subscriptions.has(topic)) return;
    try {
      const subscription = connection.subscribe(this.subject(topic), {
        callback: (err, msg) => {
          if (err) {
            const code = (err as { code?: unknown }).code;
          if (code === 'PERMISSIONS_VIOLATION') this.logger.error('NATS refused a subscription of this process; check its NATS permissions', { topic, code, error: err });
          else this.logger.warn('NATS subscription error', { topic, error: err });
            return;
          }
          this.registry.deliver(topic, decoder.decode(msg.data));
        },
      });
      this.subscriptions.set(topic, subscription);
    } catch (err) {
      // Only when the connection is closing; the next connection subscribes again.
      this.logger.warn('NATS subscribe failed', { topic, error: err });
    }
  }

  private refused(code: string, err: unknown, attempts: number): void {
    const refusal: NatsRefusal = { code, message: redactUrlCredentials(err instanceof Error ? err.message : String(err)) };
    this.refusal = refusal;
    const waiters = this.refusalWaiters;
    this.refusalWaiters = [];
    for (const resolve of waiters) resolve(refusal);
    if (attempts === 1 || attempts % setting('nats.warnEveryAttempts') === 0) {
      this.logger.error('NATS refused this process (credentials or TLS); retrying, notifications to other processes are dropped meanwhile', {
        servers: this.servers,
        code,
        attempts,
        error: err,
      });
    }
  }

  private drop(): void {
    this.dropped++;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref?.());
}

/**
 * A NatsNotifier that connects (and reconnects) for ever in the background. Waits up to
 * `firstConnectWaitMs` for the first connection, then returns either way: a service starts and
 * works from the store alone while NATS is away. Rejects when the server refuses this process
 * (credentials or TLS) meanwhile: a misconfiguration, which would otherwise leave the cluster
 * running without NATS unnoticed.
 */
export async function connectNatsNotifier(options: NatsNotifierOptions): Promise<NatsNotifier> {
  const notifier = new NatsNotifier(options);
  notifier.start();
  const waitMs = options.firstConnectWaitMs ?? setting('nats.firstConnectWait');
  let timer: NodeJS.Timeout | undefined;
  const refused = await Promise.race([
    notifier.whenConnected().then(() => undefined),
    notifier.whenRefused(),
    new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), waitMs))),
  ]);
  clearTimeout(timer);
  if (refused && !notifier.isConnected()) {
    await notifier.close();
    const servers = (Array.isArray(options.url) ? options.url : [options.url]).map(redactUrlCredentials).join(', ');
    throw new NatsRefusedError(`NATS at ${servers} refused this process (${refused.code}: ${refused.message}); check its NATS credentials and TLS settings`, refused.code);
  }
  if (!notifier.isConnected()) {
    options.logger.warn('starting without NATS; will keep trying to connect', { servers: options.url, waitedMs: waitMs });
  }
  return notifier;
}

/** The start-up failure when the NATS server refuses the process's credentials or TLS. */
export class NatsRefusedError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'NatsRefusedError';
  }
}
