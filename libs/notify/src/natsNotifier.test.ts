import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, type Logger } from '@kairos/common/logger';
import { connectNatsNotifier, NatsNotifier } from './natsNotifier';
import type { Topic } from './notifier';
import { freePort, NatsServerProcess } from '../test/natsServer';

// Against a real nats-server child process, which the tests stop and restart.

const logLines: Record<string, unknown>[] = [];
const logger: Logger = createLogger({ level: 'debug', stream: { write: (l: string) => logLines.push(JSON.parse(l)) } });

let nats: NatsServerProcess;
const opened: NatsNotifier[] = [];

async function open(clusterName = 'test', url = nats.url): Promise<NatsNotifier> {
  const notifier = await connectNatsNotifier({ url, clusterName, logger, reconnectWaitMs: 100, firstConnectWaitMs: 5_000 });
  opened.push(notifier);
  return notifier;
}

/** Collects keys delivered for a topic. */
function collect(notifier: NatsNotifier, topic: Topic): string[] {
  const keys: string[] = [];
  notifier.subscribe(topic, (k) => keys.push(k));
  return keys;
}

async function until(condition: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Publishes every 100 ms until `received` holds `key` (a hint may be lost while links settle). */
async function publishUntilDelivered(from: NatsNotifier, topic: Topic, key: string, received: string[], timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!received.includes(key)) {
    if (Date.now() > end) throw new Error(`${key} never delivered`);
    from.publish(topic, key);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  nats = await NatsServerProcess.start();
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((n) => n.close()));
  await nats.start(); // a test may have left it stopped
});

afterAll(async () => {
  await nats?.stop();
});

describe('NatsNotifier', () => {
  it('delivers between two instances, once to the publisher itself, per topic', async () => {
    const a = await open();
    const b = await open();
    expect(a.isConnected() && b.isConnected()).toBe(true);
    const aTasks = collect(a, 'task-added');
    const bTasks = collect(b, 'task-added');
    const bMembership = collect(b, 'membership-changed');
    await publishUntilDelivered(a, 'task-added', 'warmup', bTasks);

    a.publish('task-added', 'ns-1/workflow/orders');
    b.publish('membership-changed', 'shard/3');
    await until(() => bTasks.includes('ns-1/workflow/orders'), 5_000, 'b to see a');
    // The publisher's own handler ran synchronously, and NATS did not echo it back a second time.
    expect(aTasks.filter((k) => k === 'ns-1/workflow/orders')).toEqual(['ns-1/workflow/orders']);
    expect(bMembership).toEqual(['shard/3']);
    await new Promise((r) => setTimeout(r, 200));
    expect(aTasks.filter((k) => k === 'ns-1/workflow/orders')).toHaveLength(1);
    expect(bTasks.filter((k) => k === 'ns-1/workflow/orders')).toHaveLength(1);
  });

  it("sends the hints of one event-loop turn together: all of them reach the other instance, in order", async () => {
    const a = await open();
    const b = await open();
    const bTasks = collect(b, 'task-added');
    const bMembership = collect(b, 'membership-changed');
    await publishUntilDelivered(a, 'task-added', 'warmup', bTasks);
    // One synchronous burst, two topics interleaved: handed to the client after this turn, as one batch.
    const keys = Array.from({ length: 1_000 }, (_, i) => `ns/burst-${i}`);
    for (const key of keys) {
      a.publish('task-added', key);
      a.publish('membership-changed', key);
    }
    // The next turn's hints go out in a batch of their own.
    await new Promise((r) => setImmediate(r));
    a.publish('task-added', 'ns/after-burst');
    await until(() => bTasks.includes('ns/after-burst') && bMembership.length >= keys.length, 10_000, 'the burst to arrive');
    expect(bTasks.filter((k) => k !== 'warmup')).toEqual([...keys, 'ns/after-burst']);
    expect(bMembership).toEqual(keys);
  });

  it('carries keys with any characters and keeps clusters apart', async () => {
    const a = await open('alpha');
    const b = await open('alpha');
    const otherCluster = await open('beta');
    const bKeys = collect(b, 'membership-changed');
    const betaKeys = collect(otherCluster, 'membership-changed');
    await publishUntilDelivered(a, 'membership-changed', 'warmup', bKeys);
    const odd = 'ns/wf.with.dots * > and spaces/ünïcødé ✓';
    a.publish('membership-changed', odd);
    await until(() => bKeys.includes(odd), 5_000, 'odd key');
    expect(betaKeys).toEqual([]);
    expect(a.subject('membership-changed')).toBe('kairos.alpha.membership-changed');
  });

  it('rejects a cluster name that is not a subject token', () => {
    expect(() => new NatsNotifier({ url: nats.url, clusterName: 'a.b', logger })).toThrow(/subject token/);
  });

  it('never throws while NATS is down, and delivery resumes after it restarts', async () => {
    const a = await open();
    const b = await open();
    const bKeys = collect(b, 'task-added');
    const aKeys = collect(a, 'task-added');
    await publishUntilDelivered(a, 'task-added', 'before', bKeys);

    await nats.stop();
    await until(() => !a.isConnected() && !b.isConnected(), 5_000, 'disconnect');
    for (let i = 0; i < 100; i++) expect(() => a.publish('task-added', `while-down-${i}`)).not.toThrow();
    // Local handlers still hear their own process.
    expect(aKeys).toContain('while-down-99');

    await nats.start();
    await Promise.all([a.whenConnected(), b.whenConnected()]);
    await publishUntilDelivered(a, 'task-added', 'after', bKeys);
    // Hints published while NATS was down were dropped, not replayed.
    expect(bKeys.some((k) => k.startsWith('while-down'))).toBe(false);
    expect(logLines.some((l) => l.msg === 'NATS connected' && typeof l.droppedWhileAway === 'number' && l.droppedWhileAway >= 100)).toBe(true);
  });

  it('starts without NATS, and connects when it comes up', async () => {
    const port = await freePort();
    const url = `nats://127.0.0.1:${port}`;
    const started = Date.now();
    const notifier = await connectNatsNotifier({ url, clusterName: 'late', logger, reconnectWaitMs: 100, firstConnectWaitMs: 300 });
    opened.push(notifier);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(notifier.isConnected()).toBe(false);
    expect(() => notifier.publish('task-added', 'nobody')).not.toThrow();
    const received = collect(notifier, 'task-added');

    const server = NatsServerProcess.onPort(port);
    await server.start();
    try {
      await notifier.whenConnected();
      const peer = await open('late', url);
      await publishUntilDelivered(peer, 'task-added', 'hello', received);
    } finally {
      await Promise.all(opened.splice(0).map((n) => n.close()));
      await server.stop();
    }
  });

  it('closes cleanly, also while disconnected, and ignores use after close', async () => {
    const a = await open();
    await a.close();
    await a.close();
    expect(() => a.publish('task-added', 'x')).not.toThrow();
    expect(() => a.subscribe('task-added', () => {})()).not.toThrow();

    const b = await open();
    await nats.stop();
    await until(() => !b.isConnected(), 5_000, 'disconnect');
    const t = Date.now();
    await b.close();
    expect(Date.now() - t).toBeLessThan(3_000);
  });

  it('connects to a server that requires a user and password, or a token, with those of its URL', async () => {
    // nats.js ignores the user part of a server URL: without Kairos passing them on, this is refused.
    for (const [args, credentials] of [
      [['--user', 'kairos', '--pass', 'p@ss'], 'kairos:p%40ss@'],
      [['--auth', 'T0KEN'], 'T0KEN@'],
    ] as const) {
      const server = await NatsServerProcess.start(args);
      try {
        const before = logLines.length;
        const a = await open('auth', `nats://${credentials}127.0.0.1:${server.port}`);
        const b = await open('auth', `nats://${credentials}127.0.0.1:${server.port}`);
        expect(a.isConnected() && b.isConnected()).toBe(true);
        const received = collect(b, 'task-added');
        await publishUntilDelivered(a, 'task-added', 'authorized', received);
        // Nothing it logged holds the secret.
        expect(JSON.stringify(logLines.slice(before))).not.toMatch(/p%40ss|p@ss|T0KEN/);
      } finally {
        await Promise.all(opened.splice(0).map((n) => n.close()));
        await server.stop();
      }
    }
  });

  it('is refused by such a server without them, and says so without the password', async () => {
    const server = await NatsServerProcess.start(['--user', 'kairos', '--pass', 'right']);
    try {
      const before = logLines.length;
      const notifier = new NatsNotifier({ url: `nats://kairos:wrong@127.0.0.1:${server.port}`, clusterName: 'auth', logger, reconnectWaitMs: 100 });
      opened.push(notifier);
      notifier.start();
      // An error, not a warning: a refusal needs an operator, it does not pass like an outage.
      await until(() => logLines.slice(before).some((l) => l.level === 'error' && String(l.msg).startsWith('NATS refused this process')), 5_000, 'the error');
      expect(notifier.isConnected()).toBe(false);
      const text = JSON.stringify(logLines.slice(before));
      expect(text).toContain('AUTHORIZATION_VIOLATION');
      expect(text).toContain(`nats://kairos:***@127.0.0.1:${server.port}`);
      expect(text).not.toContain('wrong');
    } finally {
      await Promise.all(opened.splice(0).map((n) => n.close()));
      await server.stop();
    }
  });
});
