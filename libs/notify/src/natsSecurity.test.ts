import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, nkeys } from 'nats';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, type Logger } from '@kairos/common/logger';
import { connectNatsNotifier, NatsNotifier, NatsRefusedError, type NatsNotifierOptions } from './natsNotifier';
import { natsSecurityConnectOptions } from './natsSecurity';
import { natsServerConfig } from './natsServerConfig';
import { makeTlsFiles } from '../test/certificates';
import { freePort, NatsServerProcess } from '../test/natsServer';

// TLS, nkeys and per-service subject permissions against a real nats-server.

const logLines: Record<string, unknown>[] = [];
const logger: Logger = createLogger({ level: 'debug', stream: { write: (l: string) => logLines.push(JSON.parse(l)) } });
const opened: NatsNotifier[] = [];
const servers: NatsServerProcess[] = [];

const tls = makeTlsFiles('notify');
const otherCa = makeTlsFiles('other');

/** A nats-server on a free port from config text made by `config(port)`. */
async function serverFrom(config: (listen: string) => string): Promise<NatsServerProcess> {
  const port = await freePort();
  const file = join(tls.dir, `nats-${port}.conf`);
  writeFileSync(file, config(`127.0.0.1:${port}`), { mode: 0o600 });
  const server = NatsServerProcess.onPort(port, ['-c', file]);
  servers.push(server);
  await server.start();
  return server;
}

async function open(options: Partial<NatsNotifierOptions> & { url: string }): Promise<NatsNotifier> {
  const notifier = await connectNatsNotifier({ clusterName: 'sec', logger, reconnectWaitMs: 100, firstConnectWaitMs: 5_000, ...options });
  opened.push(notifier);
  return notifier;
}

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Publishes every 100 ms until `received` holds `key`. */
async function publishUntilDelivered(from: NatsNotifier, key: string, received: string[]): Promise<void> {
  const end = Date.now() + 10_000;
  while (!received.includes(key)) {
    if (Date.now() > end) throw new Error(`${key} never delivered`);
    from.publish('task-added', key);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function refusal(options: Partial<NatsNotifierOptions> & { url: string }): Promise<NatsRefusedError> {
  const err = await open(options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(NatsRefusedError);
  return err as NatsRefusedError;
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((n) => n.close()));
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

const tlsBlock = (extra = '') => `tls {\n  cert_file: "${tls.certFile}"\n  key_file: "${tls.keyFile}"\n${extra}}\n`;

describe('NATS over TLS', () => {
  it('connects with the CA that signed the server certificate, and is refused at start with another CA', async () => {
    const server = await serverFrom((listen) => `listen: "${listen}"\n${tlsBlock()}authorization { user: "k", password: "tls-secret-1" }\n`);
    const url = `nats://k:tls-secret-1@127.0.0.1:${server.port}`;
    const a = await open({ url, security: { tls: { caFile: tls.caFile } } });
    const b = await open({ url, security: { tls: { caFile: tls.caFile } } });
    const received: string[] = [];
    b.subscribe('task-added', (k) => received.push(k));
    await publishUntilDelivered(a, 'over-tls', received);

    const before = logLines.length;
    const err = await refusal({ url, security: { tls: { caFile: otherCa.caFile } } });
    // Node's verdict on the chain, e.g. UNABLE_TO_VERIFY_LEAF_SIGNATURE.
    expect(err.code).toMatch(/CERT|UNABLE_TO|SELF_SIGNED/);
    expect(err.message).toContain(`nats://k:***@127.0.0.1:${server.port}`);
    expect(err.message).not.toContain('tls-secret-1');
    const errors = logLines.slice(before).filter((l) => l.level === 'error');
    expect(errors[0]).toMatchObject({ msg: expect.stringContaining('NATS refused this process'), code: err.code });
    // Without a CA the system roots do not know the test CA either.
    expect((await refusal({ url })).code).toMatch(/CERT|UNABLE_TO|SELF_SIGNED/);
    expect(JSON.stringify(logLines)).not.toContain('tls-secret-1');
  });

  it('with TLS configured, refuses a server that does not offer TLS (no silent plaintext)', async () => {
    const server = await NatsServerProcess.start();
    servers.push(server);
    expect((await refusal({ url: server.url, security: { tls: { caFile: tls.caFile } } })).code).toBe('SERVER_OPT_NA');
  });

  it('presents a client certificate to a server that verifies them (mTLS); without one it does not connect', async () => {
    const server = await serverFrom((listen) => `listen: "${listen}"\n${tlsBlock(`  ca_file: "${tls.caFile}"\n  verify: true\n`)}`);
    const url = `nats://127.0.0.1:${server.port}`;
    const a = await open({ url, security: { tls: { caFile: tls.caFile, certFile: tls.certFile, keyFile: tls.keyFile } } });
    expect(a.isConnected()).toBe(true);
    // The server ends such a handshake after it completed on the client's side (TLS 1.3), so nats.js
    // sees a timeout, not a refusal: the process starts without NATS and keeps warning.
    const before = logLines.length;
    const b = await open({ url, security: { tls: { caFile: tls.caFile } }, firstConnectWaitMs: 2_000 });
    expect(b.isConnected()).toBe(false);
    expect(logLines.slice(before).some((l) => l.msg === 'starting without NATS; will keep trying to connect')).toBe(true);
  });
});

describe('NATS credentials', () => {
  it('connects with an nkey seed file; a seed the server does not list is refused at start (AUTHORIZATION_VIOLATION)', async () => {
    const user = nkeys.createUser();
    const seed = new TextDecoder().decode(user.getSeed());
    const seedFile = join(tls.dir, 'kairos.nk');
    writeFileSync(seedFile, `${seed}\n`, { mode: 0o600 });
    const server = await serverFrom((listen) => `listen: "${listen}"\nauthorization { users = [ { nkey: "${user.getPublicKey()}" } ] }\n`);
    const url = `nats://127.0.0.1:${server.port}`;
    const before = logLines.length;
    const a = await open({ url, security: { nkeySeedFile: seedFile } });
    const b = await open({ url, security: { nkeySeedFile: seedFile } });
    const received: string[] = [];
    b.subscribe('task-added', (k) => received.push(k));
    await publishUntilDelivered(a, 'with-nkey', received);

    const strangerFile = join(tls.dir, 'stranger.nk');
    writeFileSync(strangerFile, new TextDecoder().decode(nkeys.createUser().getSeed()), { mode: 0o600 });
    expect((await refusal({ url, security: { nkeySeedFile: strangerFile } })).code).toBe('AUTHORIZATION_VIOLATION');
    // And with no credentials at all.
    expect((await refusal({ url })).code).toBe('AUTHORIZATION_VIOLATION');
    expect(JSON.stringify(logLines.slice(before))).not.toContain(seed);
  });

  it('is refused at start by a server that does not take its password, and says so with the code and without the password', async () => {
    const server = await NatsServerProcess.start(['--user', 'kairos', '--pass', 'right-one']);
    servers.push(server);
    const before = logLines.length;
    const err = await refusal({ url: `nats://kairos:wrong-one@127.0.0.1:${server.port}` });
    expect(err.code).toBe('AUTHORIZATION_VIOLATION');
    expect(err.message).toContain('AUTHORIZATION_VIOLATION');
    const text = JSON.stringify(logLines.slice(before)) + err.message;
    expect(text).not.toContain('wrong-one');
    expect(logLines.slice(before).some((l) => l.level === 'error' && l.code === 'AUTHORIZATION_VIOLATION')).toBe(true);
  });

  it('refuses unreadable or mixed credential settings before connecting, naming the file but not its content', () => {
    const notSeed = join(tls.dir, 'not-a-seed');
    writeFileSync(notSeed, 'SECRET-BUT-NOT-A-SEED');
    const missing = join(tls.dir, 'missing.nk');
    expect(() => natsSecurityConnectOptions({ nkeySeedFile: missing })).toThrow(`cannot read NATS nkey seed file ${missing}: ENOENT`);
    expect(() => natsSecurityConnectOptions({ nkeySeedFile: notSeed })).toThrow(/does not hold a user nkey seed/);
    expect(() => natsSecurityConnectOptions({ nkeySeedFile: notSeed })).not.toThrow(/SECRET/);
    expect(() => natsSecurityConnectOptions({ credsFile: missing })).toThrow(`cannot read NATS creds file ${missing}`);
    expect(() => natsSecurityConnectOptions({ nkeySeedFile: notSeed, credsFile: notSeed })).toThrow(/not both/);
    expect(() => natsSecurityConnectOptions({ tls: { certFile: tls.certFile } })).toThrow(/certFile and its keyFile/);
    const seedFile = join(tls.dir, 'ok.nk');
    writeFileSync(seedFile, new TextDecoder().decode(nkeys.createUser().getSeed()));
    expect(() => new NatsNotifier({ url: 'nats://u:p@127.0.0.1:4222', clusterName: 'x', logger, security: { nkeySeedFile: seedFile } })).toThrow(
      /either in the URL or as an nkey seed or creds file/,
    );
  });
});

describe('per-service subject permissions (natsServerConfig)', () => {
  it('lets each service use only its subjects: the frontend cannot publish task-added, matching can; strangers cannot connect', async () => {
    const users = {
      frontend: { role: 'frontend', user: 'frontend', password: 'pw-frontend' },
      history: { role: 'history', user: 'history', password: 'pw-history' },
      matching: { role: 'matching', user: 'matching', password: 'pw-matching' },
    } as const;
    const server = await serverFrom((listen) => natsServerConfig({ listen, clusterName: 'sec', users: Object.values(users), tls: { certFile: tls.certFile, keyFile: tls.keyFile } }));
    const url = (u: { user: string; password: string }) => `nats://${u.user}:${u.password}@127.0.0.1:${server.port}`;
    const security = { tls: { caFile: tls.caFile } };
    const matchingA = await open({ url: url(users.matching), security });
    const matchingB = await open({ url: url(users.matching), security });
    const received: string[] = [];
    matchingB.subscribe('task-added', (k) => received.push(k));
    await publishUntilDelivered(matchingA, 'from-matching', received);

    // The frontend's credentials on a raw connection: the server refuses the publish.
    const raw = await connect({ servers: `127.0.0.1:${server.port}`, user: 'frontend', pass: 'pw-frontend', tls: { caFile: tls.caFile } });
    try {
      const errors: string[] = [];
      void (async () => {
        // nats.js reports the server's -ERR as its code.
        for await (const s of raw.status()) if (s.type === 'error') errors.push(String(s.data));
      })();
      raw.publish('kairos.sec.task-added', new TextEncoder().encode('ns/workflow/injected'));
      await raw.flush();
      await until(() => errors.includes('PERMISSIONS_VIOLATION'), 'the permissions violation');
    } finally {
      await raw.close();
    }
    // Nor does the frontend's notifier get it through; it says so loudly.
    const before = logLines.length;
    const frontend = await open({ url: url(users.frontend), security });
    frontend.publish('task-added', 'ns/workflow/from-frontend');
    await until(() => logLines.slice(before).some((l) => l.level === 'error' && l.code === 'PERMISSIONS_VIOLATION'), 'the error log');
    await publishUntilDelivered(matchingA, 'after', received);
    expect(received).not.toContain('ns/workflow/injected');
    expect(received).not.toContain('ns/workflow/from-frontend');

    // No credentials, or a known user with a wrong password: no connection at all.
    expect((await refusal({ url: `nats://127.0.0.1:${server.port}`, security })).code).toBe('AUTHORIZATION_VIOLATION');
    expect((await refusal({ url: `nats://matching:guess@127.0.0.1:${server.port}`, security })).code).toBe('AUTHORIZATION_VIOLATION');
    // Plaintext is not offered at all.
    expect((await refusal({ url: url(users.matching) })).code).toMatch(/CERT|UNABLE_TO|SELF_SIGNED/);
  });

  it('writes per-role subjects and denies the frontend every publish', () => {
    const text = natsServerConfig({
      listen: '0.0.0.0:4222',
      clusterName: 'prod',
      users: [
        { role: 'frontend', user: 'f', password: 'x' },
        { role: 'matching', nkey: 'UABC' },
      ],
      tls: { certFile: '/tls/tls.crt', keyFile: '/tls/tls.key', caFile: '/tls/ca.crt', verify: true },
    });
    expect(text).toContain('{ user: "f", password: "x", permissions: { publish: { deny: [">"] }, subscribe: { allow: ["kairos.prod.membership-changed"] } } }');
    expect(text).toContain('{ nkey: "UABC", permissions: { publish: { allow: ["kairos.prod.task-added", "kairos.prod.membership-changed"] }');
    expect(text).toContain('  verify: true');
    expect(() => natsServerConfig({ listen: 'x:1', clusterName: 'c', users: [{ role: 'history', user: 'h', password: 'a"b' }] })).toThrow(/quotes/);
  });
});
