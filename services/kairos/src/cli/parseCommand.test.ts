import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config/configError';
import { resolveConfig } from '../config/resolveConfig';
import type { KairosCommand } from '../config/types';
import { FLAGS } from './flags';
import { parseKairosCommand, usage } from './parseCommand';

function files(contents: Record<string, unknown>) {
  return (path: string) => {
    if (!(path in contents)) throw new Error(`ENOENT: no such file ${path}`);
    const c = contents[path];
    return typeof c === 'string' ? c : JSON.stringify(c);
  };
}

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('no ConfigError');
}

function started(cmd: KairosCommand) {
  if (cmd.kind !== 'start-dev' && cmd.kind !== 'start') throw new Error(cmd.kind);
  return cmd;
}

describe('parseKairosCommand', () => {
  it('gives start-dev defaults', () => {
    const cmd = started(parseKairosCommand(['server', 'start-dev'], { defaultDbFilename: '/data/kairos.db' }));
    expect(cmd.kind).toBe('start-dev');
    expect(cmd.config).toEqual({
      clusterName: 'kairos',
      numHistoryShards: 4,
      logLevel: 'info',
      namespaces: ['default'],
      store: { kind: 'sqlite', filename: '/data/kairos.db', synchronous: 'NORMAL' },
      natsUrl: 'nats://127.0.0.1:4222',
      services: {
        frontend: { bindIp: '127.0.0.1', port: 7233, address: '127.0.0.1:7233' },
        history: { bindIp: '127.0.0.1', port: 7234, address: '127.0.0.1:7234' },
        matching: { bindIp: '127.0.0.1', port: 7235, address: '127.0.0.1:7235' },
      },
      namespaceLimits: {},
      logFormat: 'json',
      // The Web UI beside it, on the gRPC port + 1000, as `temporal server start-dev` serves it.
      ui: { ip: '127.0.0.1', port: 8233 },
      // Temporal's HTTP API on a free port, as `temporal server start-dev` serves it.
      httpPort: 0,
      searchAttributes: {},
      settingOverrides: new Map(),
    });
  });

  it('reads per-namespace limits from the config file and ensures those namespaces', () => {
    const file = JSON.stringify({ namespaceLimits: { small: { historyCountLimitError: 50, pendingActivitiesLimit: 3 } } });
    const { config } = started(parseKairosCommand(['server', 'start-dev', '--config', 'k.json'], { readFile: () => file, defaultDbFilename: '/d.db' }));
    expect(config.namespaceLimits).toEqual({ small: { historyCountLimitError: 50, pendingActivitiesLimit: 3 } });
    expect(config.namespaces).toEqual(['default', 'small']);
    const bad = JSON.stringify({ namespaceLimits: { small: { historyCountLimitError: -1, nope: 1 } } });
    expect(() => parseKairosCommand(['server', 'start-dev', '--config', 'k.json'], { readFile: () => bad })).toThrow(/historyCountLimitError|nope/);
  });

  it('applies start-dev flags', () => {
    const { config } = started(
      parseKairosCommand([
        'server', 'start-dev', '--port', '7300', '--ip=0.0.0.0', '--insecure', '--in-memory', '--namespace', 'a',
        '--namespace', 'b', '--namespace', 'default', '--log-level', 'debug', '--num-shards', '8',
      ]),
    );
    expect(config.services.frontend).toEqual({ bindIp: '0.0.0.0', port: 7300, address: '127.0.0.1:7300' });
    expect(config.store).toEqual({ kind: 'sqlite', filename: ':memory:', synchronous: 'NORMAL' });
    expect(config.namespaces).toEqual(['default', 'a', 'b']);
    expect(config.logLevel).toBe('debug');
    expect(config.numHistoryShards).toBe(8);
  });

  it('reads a JSON config file and lets flags override it', () => {
    const readFile = files({
      '/etc/kairos.json': {
        clusterName: 'prod',
        numHistoryShards: 16,
        logLevel: 'warn',
        namespaces: ['orders'],
        natsUrl: 'nats://nats:4222',
        store: { kind: 'postgres', url: 'postgres://db/kairos' },
        services: {
          history: { bindIp: '0.0.0.0', port: 7400, address: 'kairos-history:7400' },
          matching: { address: 'kairos-matching:7235' },
        },
      },
    });
    const cmd = started(
      parseKairosCommand(['server', 'start', '--service', 'history', '--config', '/etc/kairos.json', '--port', '7401', '--log-level', 'info', '--namespace', 'billing'], { readFile }),
    );
    expect(cmd).toMatchObject({ kind: 'start', service: 'history', configFile: '/etc/kairos.json' });
    expect(cmd.config).toMatchObject({
      clusterName: 'prod',
      numHistoryShards: 16,
      logLevel: 'info',
      namespaces: ['default', 'orders', 'billing'],
      natsUrl: 'nats://nats:4222',
      store: { kind: 'postgres', url: 'postgres://db/kairos' },
    });
    expect(cmd.config.services.history).toEqual({ bindIp: '0.0.0.0', port: 7401, address: 'kairos-history:7400' });
    expect(cmd.config.services.matching).toEqual({ bindIp: '127.0.0.1', port: 7235, address: 'kairos-matching:7235' });
    expect(cmd.config.services.frontend.port).toBe(7233);
  });

  it("reads the frontend's HTTP API port from the config file, refusing it for another service", () => {
    const readFile = files({
      '/etc/kairos.json': { store: { kind: 'sqlite', filename: 'k.db' }, services: { frontend: { httpPort: 7243 }, history: { httpPort: 7244 } } },
      '/etc/ok.json': { store: { kind: 'sqlite', filename: 'k.db' }, services: { frontend: { httpPort: 7243 } } },
    });
    expect(started(parseKairosCommand(['server', 'start', '--service', 'frontend', '--config', '/etc/ok.json'], { readFile })).config.httpPort).toBe(7243);
    expect(started(parseKairosCommand(['server', 'start', '--service', 'frontend', '--config', '/etc/ok.json', '--http-port', '8000'], { readFile })).config.httpPort).toBe(8000);
    expect(problems(() => parseKairosCommand(['server', 'start', '--service', 'frontend', '--config', '/etc/kairos.json'], { readFile }))).toEqual([
      'config file /etc/kairos.json: services.history.httpPort is not a known key (known: bindIp, port, address)',
    ]);
  });

  it('lets --db-filename replace the file store, and --*-address the file address', () => {
    const readFile = files({ 'k.json': { store: { kind: 'postgres', url: 'postgres://x' } } });
    const { config } = started(
      parseKairosCommand(['server', 'start', '--service', 'frontend', '--config', 'k.json', '--db-filename', 'k.db', '--history-address', 'h:1'], { readFile }),
    );
    expect(config.store).toEqual({ kind: 'sqlite', filename: 'k.db', synchronous: 'FULL' });
    expect(config.services.history.address).toBe('h:1');
  });

  it('answers help', () => {
    expect(parseKairosCommand(['--help'])).toMatchObject({ kind: 'help' });
  });

  it('reports every problem at once, with where it came from', () => {
    const readFile = files({
      'bad.json': {
        clusterName: 'has space',
        numHistoryShards: 0,
        logLevel: 'loud',
        natsURL: 'nats://typo',
        namespaces: ['ok', ''],
        store: { kind: 'mysql' },
        services: { history: { port: 70000, bindIp: 5 }, gateway: {} },
      },
    });
    const list = problems(() => parseKairosCommand(['server', 'start', '--service', 'history', '--config', 'bad.json'], { readFile }));
    expect(list).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/bad\.json: natsURL is not a known key \(known: .*natsUrl/),
        expect.stringMatching(/cluster name "has space" must be 1-64 letters/),
        expect.stringMatching(/bad\.json: numHistoryShards must be an integer from 1 to 65536, got 0/),
        expect.stringMatching(/bad\.json: logLevel must be one of debug, info, warn, error, got "loud"/),
        expect.stringMatching(/bad\.json: namespaces\[1\] must be a namespace name/),
        expect.stringMatching(/bad\.json: store\.kind must be "sqlite" or "postgres", got "mysql"/),
        expect.stringMatching(/bad\.json: services\.history\.port must be an integer from 1 to 65535, got 70000/),
        expect.stringMatching(/bad\.json: services\.history\.bindIp must be a non-empty string, got 5/),
        expect.stringMatching(/bad\.json: services\.gateway is not a known key/),
      ]),
    );
  });

  it('rejects bad flags and commands with clear messages', () => {
    expect(problems(() => parseKairosCommand(['server', 'start-dev', '--prot', '1']))).toEqual(['unknown flag --prot']);
    expect(problems(() => parseKairosCommand(['server', 'start-dev', '--port']))).toEqual(['flag --port needs a value']);
    expect(problems(() => parseKairosCommand(['server', 'start-dev', '--port', 'abc']))).toEqual(['--port must be an integer from 1 to 65535, got "abc"']);
    expect(problems(() => parseKairosCommand(['server', 'start-dev', '--port', '1', '--port', '2']))).toEqual(['flag --port given 2 times']);
    expect(problems(() => parseKairosCommand(['server', 'stop']))[0]).toMatch(/unknown command "server stop"/);
    expect(problems(() => parseKairosCommand(['server', 'start']))[0]).toMatch(/--service must be one of frontend, history, matching/);
    expect(problems(() => parseKairosCommand(['server', 'start', '--service', 'gateway']))[0]).toMatch(/got "gateway"/);
    expect(problems(() => parseKairosCommand(['server', 'start', '--service', 'history']))).toEqual([
      'a cluster service needs a store: --db-filename FILE, --postgres-url URL, or "store" in the config file',
    ]);
    expect(problems(() => parseKairosCommand(['server', 'start', '--service', 'history', '--in-memory']))[0]).toMatch(/cannot use an in-memory store/);
    expect(problems(() => parseKairosCommand(['server', 'start-dev', '--in-memory', '--db-filename', 'x']))[0]).toMatch(/give only one of --db-filename, --in-memory/);
    expect(problems(() => parseKairosCommand(['server', 'start-dev', '--history-address', 'nohost']))[0]).toMatch(/history address "nohost" must be HOST:PORT/);
    expect(problems(() => parseKairosCommand(['server', 'start-dev', '--nats-url', 'http://x']))[0]).toMatch(/NATS url/);
  });

  it('explains unreadable and malformed config files', () => {
    const readFile = files({ 'broken.json': '{ "logLevel": ', 'array.json': '[]' });
    expect(problems(() => parseKairosCommand(['server', 'start-dev', '--config', 'missing.json'], { readFile }))[0]).toMatch(/cannot read config file missing.json: ENOENT/);
    expect(problems(() => parseKairosCommand(['server', 'start-dev', '--config', 'broken.json'], { readFile }))[0]).toMatch(/config file broken.json is not valid JSON/);
    expect(problems(() => parseKairosCommand(['server', 'start-dev', '--config', 'array.json'], { readFile }))[0]).toMatch(/must hold a JSON object/);
    expect(problems(() => parseKairosCommand(['server', 'start-dev', '--config', 'k.yaml'], { readFile }))[0]).toMatch(/YAML is not supported/);
  });

  it('quotes no part of a malformed config file, which could hold a password', () => {
    const readFile = files({ 'url.json': 'nats://k:hunter2@h', 'tail.json': '{"natsUrl":"nats://k:hunter2@h" x}' });
    expect(problems(() => parseKairosCommand(['server', 'start-dev', '--config', 'url.json'], { readFile }))).toEqual([
      "config file url.json is not valid JSON: Unexpected token 'a'",
    ]);
    expect(problems(() => parseKairosCommand(['server', 'start-dev', '--config', 'tail.json'], { readFile }))[0]).not.toContain('hunter2');
  });
});

describe('kairos schema and $KAIROS_POSTGRES_URL', () => {
  const url = 'postgres://kairos:secret@db:5432/kairos';

  it('parses schema setup and update with --store or the environment', () => {
    expect(parseKairosCommand(['schema', 'update', '--store', url], { env: {} })).toEqual({ kind: 'schema', action: 'update', storeUrl: url });
    expect(parseKairosCommand(['schema', 'setup'], { env: { KAIROS_POSTGRES_URL: url } })).toEqual({ kind: 'schema', action: 'setup', storeUrl: url });
  });

  it('explains what a schema command is missing or does not take', () => {
    expect(problems(() => parseKairosCommand(['schema', 'update'], { env: {} }))[0]).toMatch(/needs --store postgres:\/\//);
    expect(problems(() => parseKairosCommand(['schema', 'drop', '--store', url], { env: {} }))[0]).toMatch(/expected "schema setup" or "schema update"/);
    expect(problems(() => parseKairosCommand(['schema', 'update', '--store', 'kairos.db'], { env: {} }))[0]).toMatch(/SQLite store migrates its schema itself/);
    expect(problems(() => parseKairosCommand(['schema', 'update', '--store', url, '--port', '1'], { env: {} }))[0]).toMatch(/--port is not used/);
    expect(problems(() => parseKairosCommand(['server', 'start', '--service', 'history', '--store', url], { env: {} }))[0]).toMatch(/--store is for "kairos schema"/);
  });

  it('gives a cluster service the environment URL only when nothing else names a store', () => {
    const env = { KAIROS_POSTGRES_URL: url };
    expect(started(parseKairosCommand(['server', 'start', '--service', 'history'], { env })).config.store).toEqual({ kind: 'postgres', url });
    expect(started(parseKairosCommand(['server', 'start', '--service', 'history', '--db-filename', 'k.db'], { env })).config.store).toEqual({ kind: 'sqlite', filename: 'k.db', synchronous: 'FULL' });
    const readFile = files({ 'k.json': { store: { kind: 'postgres', url: 'postgres://other/db' } } });
    expect(started(parseKairosCommand(['server', 'start', '--service', 'matching', '--config', 'k.json'], { env, readFile })).config.store).toEqual({
      kind: 'postgres',
      url: 'postgres://other/db',
    });
  });
});

describe('NATS TLS and credentials: the config file\'s "nats" and $KAIROS_NATS_URL', () => {
  const base = ['server', 'start', '--service', 'matching', '--db-filename', 'k.db', '--config', 'k.json'];
  const withFile = (content: unknown, env: Record<string, string> = {}) => parseKairosCommand(base, { readFile: files({ 'k.json': content }), env });

  it('takes TLS files and an nkey seed or creds file from the config file', () => {
    const nats = { tls: { caFile: '/tls/ca.pem', certFile: '/tls/c.pem', keyFile: '/tls/c.key' }, nkeySeedFile: '/secrets/matching.nk' };
    expect(started(withFile({ natsUrl: 'tls://nats:4222', nats })).config).toMatchObject({ natsUrl: 'tls://nats:4222', nats });
    expect(started(withFile({ nats: { credsFile: '/secrets/k.creds' } })).config.nats).toEqual({ credsFile: '/secrets/k.creds' });
    // Without the key, no NATS security settings at all.
    expect(started(withFile({})).config.nats).toBeUndefined();
  });

  it('refuses incomplete, unknown or conflicting settings', () => {
    expect(problems(() => withFile({ nats: { tls: { certFile: 'c.pem' }, token: 'x' } }))).toEqual([
      'config file k.json: nats.token is not a known key (known: tls, nkeySeedFile, credsFile)',
      'config file k.json: nats.tls: certFile and keyFile go together (a client certificate and its key)',
    ]);
    expect(problems(() => withFile({ nats: { tls: { caFIle: 'ca.pem' } } }))).toEqual(['config file k.json: nats.tls.caFIle is not a known key (known: caFile, certFile, keyFile)']);
    expect(problems(() => withFile({ nats: { nkeySeedFile: 'a.nk', credsFile: 'a.creds' } }))).toEqual(['config file k.json: nats: give nkeySeedFile or credsFile, not both']);
    const both = problems(() => withFile({ natsUrl: 'nats://u:hunter2@nats:4222', nats: { nkeySeedFile: 'a.nk' } }));
    expect(both).toEqual([expect.stringMatching(/the NATS URL carries credentials too/)]);
    expect(both.join()).not.toContain('hunter2');
    expect(problems(() => withFile({ nats: { tls: 'yes' } }))).toEqual(['config file k.json: nats.tls must be an object']);
  });

  it('reads the URL (with its password) from $KAIROS_NATS_URL when neither the flag nor the file names one', () => {
    const env = { KAIROS_NATS_URL: 'nats://matching:pw@nats:4222' };
    expect(started(withFile({}, env)).config.natsUrl).toBe('nats://matching:pw@nats:4222');
    expect(started(withFile({ natsUrl: 'nats://file:4222' }, env)).config.natsUrl).toBe('nats://file:4222');
    expect(started(parseKairosCommand([...base, '--nats-url', 'nats://flag:4222'], { readFile: files({ 'k.json': {} }), env })).config.natsUrl).toBe('nats://flag:4222');
  });
});

describe("a PostgreSQL store's tls, as Temporal's persistence config gives it", () => {
  const storeOf = (tls: unknown, url = 'postgres://kairos@db:5432/k') =>
    started(parseKairosCommand(['server', 'start', '--service', 'history', '--config', 'k.json'], { readFile: files({ 'k.json': { store: { kind: 'postgres', url, tls } } }), env: {} })).config.store;
  const refusedTls = (tls: unknown, url = 'postgres://kairos@db:5432/k', kind = 'postgres') =>
    problems(() => parseKairosCommand(['server', 'start', '--service', 'history', '--config', 'k.json'], { readFile: files({ 'k.json': { store: { kind, url, filename: 'k.db', tls } } }), env: {} }));

  it('becomes the URL parameters pg reads, with the mode Temporal picks', () => {
    expect(storeOf({ enabled: true, caFile: '/tls/ca.pem', enableHostVerification: true })).toEqual({
      kind: 'postgres',
      url: 'postgres://kairos@db:5432/k?sslmode=verify-full&sslrootcert=/tls/ca.pem',
    });
    // Without host verification the chain is still checked against the CA (libpq's require with a root certificate).
    expect(storeOf({ caFile: '/tls/ca.pem', certFile: '/tls/c.pem', keyFile: '/tls/c.key' }, 'postgres://db/k?application_name=x')).toEqual({
      kind: 'postgres',
      url: 'postgres://db/k?application_name=x&uselibpqcompat=true&sslmode=verify-ca&sslrootcert=/tls/ca.pem&sslcert=/tls/c.pem&sslkey=/tls/c.key',
    });
    expect(storeOf({ enabled: true })).toMatchObject({ url: 'postgres://kairos@db:5432/k?sslmode=no-verify' });
    expect(storeOf({ enabled: false, caFile: '/tls/ca.pem' })).toMatchObject({ url: 'postgres://kairos@db:5432/k' });
  });

  it('refuses what it cannot honour', () => {
    expect(refusedTls({ caFile: 'ca.pem', serverName: 'db.internal' })).toEqual([
      'config file k.json: store.tls.serverName is not supported: the host of the URL is the name verified (use one the certificate names)',
    ]);
    expect(refusedTls({ caData: 'PEM', certFile: 'c.pem' })).toEqual([
      'config file k.json: store.tls.caData is not a known key (known: enabled, caFile, certFile, keyFile, enableHostVerification)',
      'config file k.json: store.tls: certFile and keyFile go together (a client certificate and its key)',
    ]);
    expect(refusedTls({ caFile: 'ca.pem' }, 'postgres://db/k?sslmode=require')).toEqual(['config file k.json: store.tls: the store URL sets TLS parameters too; give TLS in one place']);
    expect(refusedTls({ enableHostVerification: 'yes' })).toEqual(['config file k.json: store.tls.enableHostVerification must be true or false, got "yes"']);
    expect(refusedTls({ caFile: 'ca.pem' }, '', 'sqlite')).toEqual(['config file k.json: store.tls is for a PostgreSQL store']);
  });
});

describe('kairos api-key', () => {
  const url = 'postgres://kairos:secret@db:5432/kairos';
  const parse = (argv: string[], env: Record<string, string> = {}, readFile = files({})) =>
    parseKairosCommand(['api-key', ...argv], { env, readFile, defaultDbFilename: '/data/kairos-dev.db' });

  it('create: the permissions, description and expiry, on the store the servers use', () => {
    expect(parse(['create', '--permission', 'orders:write', '--permission=temporal-system:read', '--description', 'CI deploys', '--expires-in', '90d', '--db-filename', 'k.db'])).toEqual({
      kind: 'api-key',
      action: 'create',
      store: { kind: 'sqlite', filename: 'k.db', synchronous: 'NORMAL' },
      permissions: ['orders:write', 'temporal-system:read'],
      description: 'CI deploys',
      expiresInMs: 90 * 86_400_000,
    });
    expect(parse(['create', '--permission', 'a:admin'])).toEqual({
      kind: 'api-key',
      action: 'create',
      store: { kind: 'sqlite', filename: '/data/kairos-dev.db', synchronous: 'NORMAL' },
      permissions: ['a:admin'],
      description: '',
    });
  });

  it('finds the store as the servers do: flags, then the config file, then $KAIROS_POSTGRES_URL, then start-dev\'s file', () => {
    const env = { KAIROS_POSTGRES_URL: url };
    expect(parse(['list'], env)).toEqual({ kind: 'api-key', action: 'list', store: { kind: 'postgres', url }, output: 'text' });
    expect(parse(['list', '--postgres-url', 'postgres://other/db', '--output', 'json'])).toMatchObject({ store: { kind: 'postgres', url: 'postgres://other/db' }, output: 'json' });
    expect(parse(['revoke', '0123456789ab', '--db-filename', 'k.db'], env)).toMatchObject({ action: 'revoke', id: '0123456789ab', store: { kind: 'sqlite', filename: 'k.db' } });
    const readFile = files({ 'k.json': { store: { kind: 'sqlite', filename: 'shared.db' }, services: { frontend: { port: 65000 } } } });
    expect(parse(['list', '--config', 'k.json'], env, readFile)).toMatchObject({ store: { kind: 'sqlite', filename: 'shared.db' } });
    expect(parse(['list'])).toMatchObject({ store: { kind: 'sqlite', filename: '/data/kairos-dev.db' } });
  });

  it('refuses bad permissions, expiries and outputs with a message per problem', () => {
    expect(problems(() => parse(['create']))).toEqual(['"kairos api-key create" needs at least one --permission NAMESPACE:ROLE']);
    expect(problems(() => parse(['create', '--permission', 'orders', '--permission', 'orders:owner', '--permission', 'b:read', '--expires-in', 'soon']))).toEqual([
      'permission "orders" must look like <namespace>:<read|write|worker|admin>',
      'permission "orders:owner" has an unknown role (read, write, worker or admin)',
      '--expires-in must be a duration of at least 1s such as 720h, 90d or 1h30m, got "soon"',
    ]);
    expect(problems(() => parse(['create', '--permission', 'a:read', '--expires-in', '0']))[0]).toMatch(/^--expires-in must be a duration of at least 1s/);
    expect(problems(() => parse(['list', '--output', 'yaml']))).toEqual(['--output must be text or json, got "yaml"']);
  });

  it('refuses what does not belong: arguments, other commands\' flags, a store that outlives nothing', () => {
    expect(problems(() => parse(['revoke']))).toEqual(['"kairos api-key revoke" needs the ID of the key (as "kairos api-key list" shows it)']);
    expect(problems(() => parse(['revoke', 'a', 'b']))).toEqual(['unexpected argument "b": "kairos api-key revoke" revokes one ID']);
    expect(problems(() => parse(['list', 'all']))).toEqual(['unexpected argument "all"']);
    expect(problems(() => parse(['list', '--permission', 'a:read', '--port', '1']))).toEqual([
      'flag --permission is not used by "kairos api-key list"',
      'flag --port is not used by "kairos api-key list"',
    ]);
    expect(problems(() => parse(['revoke', 'x', '--in-memory']))).toEqual(['flag --in-memory is not used by "kairos api-key revoke"']);
    expect(problems(() => parseKairosCommand(['api-key', 'list'], { env: {} }))).toEqual([
      '"kairos api-key" needs the store the servers use: --db-filename FILE, --postgres-url URL (or $KAIROS_POSTGRES_URL), or "store" in --config FILE',
    ]);
    expect(problems(() => parseKairosCommand(['server', 'start-dev', '--permission', 'a:read', '--output', 'json'], { env: {} }))).toEqual([
      '--permission is for "kairos api-key"',
      '--output is for "kairos api-key"',
    ]);
  });

  it('--help shows each api-key command its flags, and never a key', () => {
    const help = (...argv: string[]) => (parseKairosCommand(['api-key', ...argv]) as { text: string }).text;
    const create = help('create', '--help');
    expect(create).toContain('Usage: kairos api-key create --permission NAMESPACE:ROLE [flags]');
    for (const flag of ['--permission <NAMESPACE:ROLE>', '--description <TEXT>', '--expires-in <DURATION>', '--db-filename <FILE>', '--postgres-url <URL>', '--config <FILE>'])
      expect(create).toContain(flag);
    expect(create).toContain('KAIROS_POSTGRES_URL');
    expect(create).not.toContain('--port');
    expect(help('list', '--help')).toMatch(/--output <FORMAT>\s+text, or json/);
    expect(help('revoke', '--help')).toContain('Usage: kairos api-key revoke ID [flags]');
    expect(help('revoke', '--help')).not.toContain('--permission');
  });
});

describe('--advertise-address and --metrics-port', () => {
  it('take the flag, else $KAIROS_ADVERTISE_ADDRESS, and check their values', () => {
    const base = ['server', 'start', '--service', 'history', '--db-filename', 'k.db'];
    const env = { KAIROS_ADVERTISE_ADDRESS: '10.1.2.3:7234' };
    expect(started(parseKairosCommand(base, { env })).config.advertiseAddress).toBe('10.1.2.3:7234');
    const flagged = started(parseKairosCommand([...base, '--advertise-address', 'h1:7300', '--metrics-port', '9464'], { env })).config;
    expect(flagged).toMatchObject({ advertiseAddress: 'h1:7300', metricsPort: 9464 });
    const plain = started(parseKairosCommand(base, { env: {} })).config;
    expect(plain.advertiseAddress).toBeUndefined();
    expect(plain.metricsPort).toBeUndefined();
    expect(problems(() => parseKairosCommand([...base, '--advertise-address', 'nohost', '--metrics-port', '0'], { env: {} }))).toEqual([
      '--advertise-address "nohost" must be HOST:PORT',
      '--metrics-port must be an integer from 1 to 65535, got "0"',
    ]);
  });
});

describe('resolveConfig', () => {
  it('uses :memory: for dev without a default file, and IPv6 bind addresses dial as [ip]:port', () => {
    const config = resolveConfig({ mode: 'dev', flags: new Map([['ip', ['::1']]]) });
    expect(config.store).toEqual({ kind: 'sqlite', filename: ':memory:', synchronous: 'NORMAL' });
    expect(config.services.frontend.address).toBe('[::1]:7233');
  });
});

describe('every flag', () => {
  const dev = (...flags: string[]) => started(parseKairosCommand(['server', 'start-dev', ...flags], { env: {}, defaultDbFilename: '/d/k.db' }));
  const start = (...flags: string[]) => started(parseKairosCommand(['server', 'start', '--service', 'history', '--db-filename', 'k.db', ...flags], { env: {} }));
  const refused = (argv: string[], env: Record<string, string> = {}) => problems(() => parseKairosCommand(argv, { env, readFile: files({ 'k.json': {} }) }));

  // One check per flag that it reaches the command (and, where it takes a value, that a bad one
  // is refused with its message); the last test fails when a flag has no case here.
  const cases: Record<string, () => void> = {
    address: () => {
      expect(parseKairosCommand(['workflow', 'import', 'h.json', '--address', '10.0.0.1:7233'], { env: {} })).toMatchObject({ kind: 'workflow-import', address: '10.0.0.1:7233' });
      expect(parseKairosCommand(['workflow', 'import', 'h.json'], { env: {} })).toEqual({ kind: 'workflow-import', file: 'h.json', address: '127.0.0.1:7233', namespace: 'default', workflowId: undefined });
      expect(refused(['server', 'start-dev', '--address', 'x:1'])).toEqual(['--address is for "kairos workflow import"']);
    },
    'workflow-id': () => {
      expect(parseKairosCommand(['workflow', 'import', 'h.json', '--workflow-id', 'w', '--namespace', 'ns'], { env: {} })).toMatchObject({ workflowId: 'w', namespace: 'ns' });
      expect(refused(['server', 'start', '--service', 'history', '--workflow-id', 'w'])).toEqual(['--workflow-id is for "kairos workflow import"']);
      expect(refused(['workflow', 'import', 'h.json', '--port', '1'])).toEqual(['flag --port is not used by "kairos workflow import"']);
      expect(refused(['workflow', 'import'])).toEqual(['"kairos workflow import" needs the FILE to import (a history exported with `temporal workflow show -o json`)']);
      expect(refused(['workflow', 'import', 'a.json', 'b.json'])).toEqual(['unexpected argument "b.json": "kairos workflow import" imports one FILE']);
    },
    service: () => {
      expect(start()).toMatchObject({ kind: 'start', service: 'history' });
      expect(refused(['server', 'start', '--service', 'gateway', '--db-filename', 'k.db'])).toEqual(['--service must be one of frontend, history, matching, got "gateway"']);
    },
    config: () => {
      const readFile = files({ 'k.json': { clusterName: 'from-file', logLevel: 'warn' } });
      const cmd = started(parseKairosCommand(['server', 'start-dev', '--config', 'k.json', '--log-level', 'error'], { readFile, env: {} }));
      expect(cmd).toMatchObject({ configFile: 'k.json', config: { clusterName: 'from-file', logLevel: 'error' } });
    },
    port: () => {
      expect(dev('--port', '7300').config.services.frontend.port).toBe(7300);
      expect(start('--port', '7400').config.services.history).toEqual({ bindIp: '127.0.0.1', port: 7400, address: '127.0.0.1:7400' });
      expect(refused(['server', 'start-dev', '--port', '0'])).toEqual(['--port must be an integer from 1 to 65535, got "0"']);
    },
    ip: () => {
      expect(dev('--ip', '10.0.0.5', '--insecure').config.services.frontend).toEqual({ bindIp: '10.0.0.5', port: 7233, address: '10.0.0.5:7233' });
      expect(dev('--ip', '127.0.0.2').config.services.frontend.bindIp).toBe('127.0.0.2');
      expect(dev('--ip', '::1').config.services.frontend.bindIp).toBe('::1');
      expect(start('--ip', '0.0.0.0').config.services.history.address).toBe('127.0.0.1:7234');
      expect(refused(['server', 'start-dev', '--ip='])).toEqual(['--ip must be a non-empty string, got ""']);
    },
    'db-filename': () => {
      expect(dev('--db-filename', 'x.db').config.store).toEqual({ kind: 'sqlite', filename: 'x.db', synchronous: 'NORMAL' });
      expect(dev().config.store).toEqual({ kind: 'sqlite', filename: '/d/k.db', synchronous: 'NORMAL' });
    },
    'in-memory': () => {
      expect(dev('--in-memory').config.store).toEqual({ kind: 'sqlite', filename: ':memory:', synchronous: 'NORMAL' });
      expect(dev('--in-memory=true').config.store).toEqual({ kind: 'sqlite', filename: ':memory:', synchronous: 'NORMAL' });
      expect(dev('--in-memory=false').config.store).toEqual({ kind: 'sqlite', filename: '/d/k.db', synchronous: 'NORMAL' });
      expect(refused(['server', 'start-dev', '--in-memory=yes'])).toEqual(['flag --in-memory takes true or false, got "yes"']);
      // Given at all, even false, it names the store: the environment's URL does not apply.
      expect(refused(['server', 'start', '--service', 'history', '--in-memory=false'], { KAIROS_POSTGRES_URL: 'postgres://env/db' })).toEqual([
        'a cluster service needs a store: --db-filename FILE, --postgres-url URL, or "store" in the config file',
      ]);
    },
    'sqlite-synchronous': () => {
      // start-dev favours speed (a process crash loses nothing), a `server start` process a power cut too.
      expect(dev().config.store).toMatchObject({ synchronous: 'NORMAL' });
      expect(start().config.store).toMatchObject({ synchronous: 'FULL' });
      expect(dev('--sqlite-synchronous', 'full').config.store).toMatchObject({ synchronous: 'FULL' });
      expect(start('--sqlite-synchronous=NORMAL').config.store).toMatchObject({ synchronous: 'NORMAL' });
      const readFile = files({ 'k.json': { sqliteSynchronous: 'FULL' } });
      expect(started(parseKairosCommand(['server', 'start-dev', '--config', 'k.json'], { readFile, env: {}, defaultDbFilename: '/d/k.db' })).config.store).toMatchObject({ synchronous: 'FULL' });
      expect(refused(['server', 'start-dev', '--db-filename', 'k.db', '--sqlite-synchronous', 'off'])).toEqual(['--sqlite-synchronous must be NORMAL or FULL, got "off"']);
      expect(refused(['server', 'start', '--service', 'history', '--postgres-url', 'postgres://db/k', '--sqlite-synchronous', 'full'])).toEqual([
        '--sqlite-synchronous is for a SQLite store; this one is PostgreSQL',
      ]);
      expect(refused(['server', 'start-dev', '--in-memory', '--sqlite-synchronous', 'full'])).toEqual([
        '--sqlite-synchronous has no effect on an in-memory store: nothing of it is written to disk',
      ]);
      const badFile = files({ 'k.json': { sqliteSynchronous: 'EXTRA' } });
      expect(problems(() => parseKairosCommand(['server', 'start-dev', '--config', 'k.json'], { readFile: badFile, env: {}, defaultDbFilename: '/d/k.db' }))).toEqual([
        'config file k.json: sqliteSynchronous must be NORMAL or FULL, got "EXTRA"',
      ]);
    },
    'sqlite-pragma': () => {
      // Temporal's start-dev flag, as Temporal users type it.
      expect(dev('--sqlite-pragma', 'synchronous=FULL').config.store).toMatchObject({ synchronous: 'FULL' });
      expect(start('--sqlite-pragma', 'journal_mode=WAL', '--sqlite-pragma', 'synchronous=normal').config.store).toMatchObject({ synchronous: 'NORMAL' });
      expect(dev('--sqlite-pragma', 'journal_mode=wal').config.store).toMatchObject({ synchronous: 'NORMAL' });
      expect(refused(['server', 'start-dev', '--db-filename', 'k.db', '--sqlite-pragma', 'cache_size=10'])).toEqual([
        '--sqlite-pragma: unrecognized pragma "cache_size", only journal_mode and synchronous are allowed',
      ]);
      expect(refused(['server', 'start-dev', '--db-filename', 'k.db', '--sqlite-pragma', 'journal_mode=DELETE'])).toEqual([
        '--sqlite-pragma journal_mode: Kairos always runs SQLite in WAL mode, got "DELETE"',
      ]);
      expect(refused(['server', 'start-dev', '--db-filename', 'k.db', '--sqlite-pragma', 'synchronous=OFF'])).toEqual(['--sqlite-pragma synchronous must be NORMAL or FULL, got "OFF"']);
      expect(refused(['server', 'start-dev', '--db-filename', 'k.db', '--sqlite-pragma', 'synchronous'])).toEqual(['--sqlite-pragma must be KEY=VALUE, got "synchronous"']);
      expect(refused(['server', 'start-dev', '--db-filename', 'k.db', '--sqlite-pragma', 'synchronous=FULL', '--sqlite-synchronous', 'FULL'])).toEqual([
        'give only one of --sqlite-synchronous, --sqlite-pragma synchronous=…',
      ]);
    },
    'postgres-url': () => {
      const cmd = started(parseKairosCommand(['server', 'start', '--service', 'matching', '--postgres-url', 'postgres://db/k'], { env: {} }));
      expect(cmd.config.store).toEqual({ kind: 'postgres', url: 'postgres://db/k' });
      expect(refused(['server', 'start', '--service', 'matching', '--postgres-url', 'postgres://db/k', '--db-filename', 'x'])).toEqual([
        'give only one of --db-filename, --postgres-url',
      ]);
    },
    'nats-url': () => {
      expect(start('--nats-url', 'nats://nats:4222').config.natsUrl).toBe('nats://nats:4222');
      expect(start('--nats-url', 'nats:4222').config.natsUrl).toBe('nats:4222');
      expect(refused(['server', 'start-dev', '--nats-url', 'http://x'])).toEqual(['NATS url "http://x" must look like nats://host:4222']);
    },
    'cluster-name': () => {
      expect(start('--cluster-name', 'blue_1').config.clusterName).toBe('blue_1');
      expect(refused(['server', 'start-dev', '--cluster-name', 'a.b'])[0]).toMatch(/cluster name "a\.b" must be 1-64 letters/);
    },
    'frontend-address': () => {
      expect(start('--frontend-address', 'fe:7233').config.services.frontend.address).toBe('fe:7233');
      expect(refused(['server', 'start-dev', '--frontend-address', 'fe'])).toEqual(['frontend address "fe" must be HOST:PORT']);
    },
    'history-address': () => {
      expect(start('--history-address', '[::1]:7234').config.services.history.address).toBe('[::1]:7234');
      expect(refused(['server', 'start-dev', '--history-address', 'h:99999'])).toEqual(['history address "h:99999" must be HOST:PORT']);
    },
    'matching-address': () => {
      expect(start('--matching-address', 'm:7235').config.services.matching.address).toBe('m:7235');
      expect(refused(['server', 'start-dev', '--matching-address', ':1'])).toEqual(['matching address ":1" must be HOST:PORT']);
    },
    'advertise-address': () => {
      expect(start('--advertise-address', 'pod-1:7234').config.advertiseAddress).toBe('pod-1:7234');
    },
    'metrics-port': () => {
      expect(start('--metrics-port', '9464').config.metricsPort).toBe(9464);
      expect(dev('--metrics-port', '9464').config.metricsPort).toBe(9464);
    },
    'http-port': () => {
      // start-dev always serves Temporal's HTTP API, on a free port unless told (as Temporal's dev server).
      expect(dev().config.httpPort).toBe(0);
      expect(dev('--http-port', '7243').config.httpPort).toBe(7243);
      const frontend = (...flags: string[]) => started(parseKairosCommand(['server', 'start', '--service', 'frontend', '--db-filename', 'k.db', ...flags], { env: {} }));
      expect(frontend('--http-port', '7243').config.httpPort).toBe(7243);
      // A cluster frontend serves it only when given.
      expect(frontend().config.httpPort).toBeUndefined();
      expect(refused(['server', 'start', '--service', 'history', '--db-filename', 'k.db', '--http-port', '7243'])).toEqual([
        "--http-port is for the frontend (Temporal's HTTP API), not the history",
      ]);
      // Other services ignore the frontend's setting in a shared config file.
      expect(start().config.httpPort).toBeUndefined();
      expect(refused(['server', 'start', '--service', 'frontend', '--db-filename', 'k.db', '--http-port', '0'])).toEqual(['--http-port must be an integer from 1 to 65535, got "0"']);
    },
    headless: () => {
      // The Web UI runs by default, as `temporal server start-dev`'s; --headless turns it off.
      expect(dev().config.ui).toEqual({ ip: '127.0.0.1', port: 8233 });
      expect(dev('--headless').config.ui).toBeUndefined();
      expect(refused(['server', 'start-dev', '--headless', '--ui-port', '9000'])).toEqual(['--ui-port and --ui-ip have no effect with --headless']);
      expect(refused(['server', 'start', '--service', 'frontend', '--db-filename', 'k.db', '--headless'])).toEqual(['--headless is for "server start-dev"']);
    },
    'ui-port': () => {
      expect(dev('--ui-port', '9000').config.ui).toEqual({ ip: '127.0.0.1', port: 9000 });
      expect(dev('--port', '7300').config.ui).toEqual({ ip: '127.0.0.1', port: 8300 });
      expect(refused(['server', 'start-dev', '--port', '65000'])).toEqual(["the Web UI's default port (--port + 1000) is 66000: give --ui-port, or --headless"]);
      expect(refused(['server', 'start-dev', '--ui-port', '0'])).toEqual(['--ui-port must be an integer from 1 to 65535, got "0"']);
    },
    'ui-ip': () => {
      expect(dev('--ip', '0.0.0.0', '--insecure', '--ui-ip', '127.0.0.1').config.ui).toEqual({ ip: '127.0.0.1', port: 8233 });
      expect(dev('--ip', '10.0.0.5', '--insecure').config.ui).toEqual({ ip: '10.0.0.5', port: 8233 });
    },
    'search-attribute': () => {
      // Temporal's CLI: types matched without regard to case, a name given twice keeps its last type.
      expect(dev('--search-attribute', 'CustomerId=keyword', '--search-attribute', 'Amount=Int', '--search-attribute', 'Amount=Double').config.searchAttributes).toEqual({
        CustomerId: 'Keyword',
        Amount: 'Double',
      });
      expect(refused(['server', 'start-dev', '--search-attribute', 'Foo'])).toEqual([`invalid search attributes: missing expected '=' in "Foo"`]);
      expect(refused(['server', 'start-dev', '--search-attribute', 'Foo=Keyword=x'])).toEqual(['invalid search attribute value type "Keyword=x"']);
      expect(refused(['server', 'start', '--service', 'frontend', '--db-filename', 'k.db', '--search-attribute', 'Foo=Int'])).toEqual(['--search-attribute is for "server start-dev"']);
    },
    'dynamic-config-value': () => {
      const { config } = dev('--dynamic-config-value', 'limit.maxIDLength=500', '--dynamic-config-value', 'frontend.namespaceBurstRatio=1.5', '--dynamic-config-value', 'frontend.enableUpdateWorkflowExecution=true');
      expect(config.settingOverrides).toEqual(new Map<string, number>([['domain.maxIdLength', 500], ['frontend.namespaceBurstRatio', 1.5]]));
      expect(refused(['server', 'start-dev', '--dynamic-config-value', 'limit.maxIDLength'])).toEqual([`invalid dynamic config values: missing expected '=' in "limit.maxIDLength"`]);
      expect(refused(['server', 'start-dev', '--dynamic-config-value', 'limit.maxIDLength=x'])).toEqual(['invalid dynamic config values: invalid JSON value for key "limit.maxIDLength": "x"']);
      expect(refused(['server', 'start-dev', '--dynamic-config-value', 'limit.maxIDLength=1.5'])).toEqual(['--dynamic-config-value limit.maxIDLength must be a positive integer, got 1.5']);
      // Durations as Temporal's dynamic config takes them: Go duration strings, or seconds.
      const durations = dev('--dynamic-config-value', 'system.namespaceMinRetentionLocal="1h30m"', '--dynamic-config-value', 'frontend.deleteNamespaceNamespaceDeleteDelay=2');
      expect(durations.config.settingOverrides).toEqual(new Map<string, number>([['domain.minRetention', 5_400_000], ['domain.namespaceDeleteDelay', 2_000]]));
      expect(dev('--dynamic-config-value', 'system.namespaceMinRetentionLocal="500ms"').config.settingOverrides.get('domain.minRetention')).toBe(500);
      expect(refused(['server', 'start-dev', '--dynamic-config-value', 'system.namespaceMinRetentionLocal="1 hour"'])).toEqual([
        '--dynamic-config-value system.namespaceMinRetentionLocal must be a duration ("90s", "1h", or a number of seconds), got "1 hour"',
      ]);
      expect(refused(['server', 'start-dev', '--dynamic-config-value', 'frontend.enableUpdateWorkflowExecution=false'])).toEqual([
        '--dynamic-config-value frontend.enableUpdateWorkflowExecution: Kairos always has this on; only true is accepted, got false',
      ]);
      expect(refused(['server', 'start-dev', '--dynamic-config-value', 'no.such.key=1'])[0]).toMatch(/^--dynamic-config-value: "no\.such\.key" is not a dynamic config key Kairos has; known: limit\.maxIDLength, /);
      expect(refused(['server', 'start', '--service', 'history', '--db-filename', 'k.db', '--dynamic-config-value', 'limit.maxIDLength=5'])).toEqual([
        '--dynamic-config-value is for "server start-dev"',
      ]);
    },
    'log-format': () => {
      expect(dev().config.logFormat).toBe('json');
      expect(started(parseKairosCommand(['server', 'start-dev'], { env: {}, logsToTerminal: true })).config.logFormat).toBe('text');
      expect(dev('--log-format', 'pretty').config.logFormat).toBe('text');
      expect(start('--log-format', 'json').config.logFormat).toBe('json');
      expect(refused(['server', 'start-dev', '--log-format', 'xml'])).toEqual(['--log-format must be one of json, text, pretty, got "xml"']);
    },
    namespace: () => {
      expect(dev('--namespace', 'a', '--namespace=b', '--namespace', 'a').config.namespaces).toEqual(['default', 'a', 'b']);
      expect(refused(['server', 'start-dev', '--namespace', 'has space'])[0]).toMatch(/--namespace must be a namespace name/);
    },
    'log-level': () => {
      expect(dev('--log-level', 'warn').config.logLevel).toBe('warn');
      expect(refused(['server', 'start-dev', '--log-level', 'loud'])).toEqual(['--log-level must be one of debug, info, warn, error, got "loud"']);
    },
    'num-shards': () => {
      expect(dev('--num-shards', '16').config.numHistoryShards).toBe(16);
      expect(refused(['server', 'start-dev', '--num-shards', '0'])).toEqual(['--num-shards must be an integer from 1 to 65536, got "0"']);
    },
    'num-history-shards': () => {
      expect(dev('--num-history-shards', '32').config.numHistoryShards).toBe(32);
      expect(dev('--num-shards', '8', '--num-history-shards', '32').config.numHistoryShards).toBe(8);
      expect(refused(['server', 'start-dev', '--num-history-shards', 'x'])).toEqual(['--num-history-shards must be an integer from 1 to 65536, got "x"']);
    },
    permission: () => {
      expect(parseKairosCommand(['api-key', 'create', '--permission', 'a:read', '--permission', 'b:worker', '--db-filename', 'k.db'], { env: {} })).toMatchObject({
        permissions: ['a:read', 'b:worker'],
      });
    },
    description: () => {
      expect(parseKairosCommand(['api-key', 'create', '--permission', 'a:read', '--description', 'for CI', '--db-filename', 'k.db'], { env: {} })).toMatchObject({
        description: 'for CI',
      });
      expect(refused(['api-key', 'create', '--permission', 'a:read', '--description', 'x', '--description', 'y', '--db-filename', 'k.db'])).toEqual([
        'flag --description given 2 times',
      ]);
    },
    'expires-in': () => {
      expect(parseKairosCommand(['api-key', 'create', '--permission', 'a:read', '--expires-in', '1h30m', '--db-filename', 'k.db'], { env: {} })).toMatchObject({
        expiresInMs: 5_400_000,
      });
    },
    output: () => {
      expect(parseKairosCommand(['api-key', 'list', '--output', 'json', '--db-filename', 'k.db'], { env: {} })).toMatchObject({ output: 'json' });
    },
    'tls-cert-path': () => {
      expect(dev('--tls-cert-path', 's.pem', '--tls-key-path', 's.key').config.tls).toEqual({
        refreshIntervalMs: 30_000,
        frontend: { server: { certFile: 's.pem', keyFile: 's.key' } },
      });
      expect(dev().config.tls).toBeUndefined();
      expect(refused(['server', 'start-dev', '--tls-cert-path', 's.pem'])).toEqual(['give --tls-cert-path and --tls-key-path together']);
      expect(refused(['server', 'start', '--service', 'frontend', '--db-filename', 'k.db', '--tls-cert-path', 's.pem'])).toEqual(['--tls-cert-path is for "server start-dev"']);
    },
    'tls-key-path': () => {
      expect(refused(['server', 'start-dev', '--tls-key-path', 's.key'])).toEqual(['give --tls-cert-path and --tls-key-path together']);
      // TLS lets start-dev listen beyond loopback.
      expect(dev('--ip', '0.0.0.0', '--tls-cert-path', 's.pem', '--tls-key-path', 's.key').config.services.frontend.bindIp).toBe('0.0.0.0');
    },
    'tls-client-ca-path': () => {
      expect(dev('--tls-cert-path', 's.pem', '--tls-key-path', 's.key', '--tls-client-ca-path', 'ca.pem').config.tls?.frontend).toEqual({
        server: { certFile: 's.pem', keyFile: 's.key', clientCaFiles: ['ca.pem'], requireClientAuth: true },
      });
      expect(refused(['server', 'start-dev', '--tls-client-ca-path', 'ca.pem'])).toEqual(['give --tls-cert-path and --tls-key-path together (--tls-client-ca-path needs them)']);
    },
    insecure: () => {
      expect(refused(['server', 'start-dev', '--ip', '0.0.0.0'])).toEqual([
        '0.0.0.0 is not a loopback address: start-dev serves it only with TLS (--tls-cert-path FILE --tls-key-path FILE), or in plaintext with --insecure',
      ]);
      expect(dev('--ip', '0.0.0.0', '--insecure').config.services.frontend.bindIp).toBe('0.0.0.0');
      // A cluster service is deployed behind its own network rules.
      expect(start('--ip', '0.0.0.0').config.services.history.bindIp).toBe('0.0.0.0');
      expect(refused(['server', 'start', '--service', 'history', '--db-filename', 'k.db', '--insecure'])).toEqual(['--insecure is for "server start-dev"']);
    },
    store: () => {
      expect(parseKairosCommand(['schema', 'setup', '--store', 'postgresql://db/k'], { env: {} })).toEqual({ kind: 'schema', action: 'setup', storeUrl: 'postgresql://db/k' });
      expect(refused(['server', 'start-dev', '--store', 'postgres://db/k'])).toEqual(['--store is for "kairos schema"; a server takes --postgres-url or --db-filename']);
    },
  };

  for (const [flag, check] of Object.entries(cases)) it(`--${flag}`, check);

  it('covers every flag', () => {
    expect(FLAGS.map((f) => f.name).sort()).toEqual(Object.keys(cases).sort());
  });

  it('--help, anywhere after the command, answers with that command’s help', () => {
    expect(parseKairosCommand(['server', 'start', '--port', '1', '--help'])).toMatchObject({ kind: 'help', text: expect.stringContaining('Usage: kairos server start [flags]') });
    expect(parseKairosCommand(['server', 'start-dev', '--help=true'])).toMatchObject({ kind: 'help' });
    expect(started(parseKairosCommand(['server', 'start-dev', '--help=false'], { defaultDbFilename: '/d/k.db' })).kind).toBe('start-dev');
  });
});

describe('the command line’s shape', () => {
  it('takes flags with --name value and --name=value, and refuses them before the command', () => {
    expect(started(parseKairosCommand(['server', 'start-dev', '--port=7300', '--ip', '::1'], { defaultDbFilename: '/d.db' })).config.services.frontend.address).toBe('[::1]:7300');
    expect(problems(() => parseKairosCommand(['--port', '1', 'server', 'start-dev']))).toEqual([
      'flag --port must follow the command: "server start-dev", "server start", "schema setup|update", "workflow import" or "api-key create|list|revoke"',
    ]);
  });

  it('names the command it does not know', () => {
    expect(problems(() => parseKairosCommand([]))).toEqual([
      'unknown command "": expected "server start-dev", "server start", "schema setup|update", "workflow import" or "api-key create|list|revoke"',
    ]);
    expect(problems(() => parseKairosCommand(['api-key', 'rotate']))).toEqual(['unknown command "api-key rotate": expected "api-key create", "api-key list" or "api-key revoke"']);
    expect(problems(() => parseKairosCommand(['server']))[0]).toMatch(/^unknown command "server": expected/);
    expect(problems(() => parseKairosCommand(['help']))[0]).toMatch(/^unknown command "help": expected/);
    expect(problems(() => parseKairosCommand(['schema']))).toEqual(['unknown command "schema": expected "schema setup" or "schema update"']);
    expect(problems(() => parseKairosCommand(['server', 'start-dev', 'now']))).toEqual(['unexpected argument "now"']);
    expect(problems(() => parseKairosCommand(['server', 'start-dev', '-p', '1']))).toEqual(['unexpected argument "-p"']);
  });

  it('lists a schema command’s foreign flags in the order given', () => {
    expect(problems(() => parseKairosCommand(['schema', 'update', '--store', 'postgres://x', '--ip', '1', '--port', '2', '--ip', '3']))).toEqual([
      'flag --ip given 2 times',
    ]);
    expect(problems(() => parseKairosCommand(['schema', 'update', '--store', 'postgres://x', '--ip', '1', '--port', '2', '--in-memory=false']))).toEqual([
      'flag --ip is not used by "kairos schema update"',
      'flag --port is not used by "kairos schema update"',
      'flag --in-memory is not used by "kairos schema update"',
    ]);
  });
});

describe('help', () => {
  const help = (...argv: string[]) => {
    const cmd = parseKairosCommand(argv);
    if (cmd.kind !== 'help') throw new Error(cmd.kind);
    return cmd.text;
  };

  it('kairos --help lists every command, each with its flags and defaults, the config file keys and the environment', () => {
    const text = help('--help');
    for (const command of ['server start-dev [flags]', 'server start [flags]', 'schema setup [flags]', 'schema update [flags]', 'api-key list [flags]', 'api-key revoke ID [flags]'])
      expect(text).toContain(command);
    for (const key of ['clusterName', 'numHistoryShards', 'logLevel', 'namespaces', 'store', 'sqliteSynchronous', 'natsUrl', 'nats', 'services', 'namespaceLimits']) expect(text).toMatch(new RegExp(`^  ${key} `, 'm'));
    for (const limit of ['blobSizeLimitError', 'pendingActivitiesLimit', 'namespaceConcurrentLongPolls']) expect(text).toContain(limit);
    expect(text).toContain('KAIROS_POSTGRES_URL');
    expect(text).toContain('KAIROS_ADVERTISE_ADDRESS');
    expect(text).toMatch(/--port <PORT>\s+port to listen on \(default: 7233, the\s+frontend's\)/);
    expect(text).toMatch(/--num-shards <N>\s+history shards, fixed when the cluster is\s+created \(default: 4\)/);
  });

  it('shows each command the flags it uses', () => {
    const dev = help('server', 'start-dev', '--help');
    expect(dev).toContain('--in-memory');
    expect(dev).toMatch(/--sqlite-synchronous <LEVEL>[^]*?\(default:\s+NORMAL\)/);
    expect(dev).toContain('--sqlite-pragma <KEY=VALUE>');
    expect(dev).not.toContain('--service');
    expect(dev).not.toContain('--num-history-shards');
    const start = help('server', 'start', '--help');
    for (const flag of ['--service', '--postgres-url', '--nats-url', '--cluster-name', '--history-address', '--advertise-address', '--metrics-port']) expect(start).toContain(flag);
    expect(start).not.toContain('--in-memory');
    expect(start).toMatch(/--sqlite-synchronous <LEVEL>[^]*?\(default:\s+FULL\)/);
    const schema = help('schema', 'update', '--help');
    expect(schema).toContain('--store <URL>');
    expect(schema).not.toContain('--port');
  });

  it('follows an error with the commands and where to find the rest', () => {
    expect(usage()).toMatch(/^Usage: kairos <command> \[flags\]/);
    expect(usage()).toContain('server start-dev [flags]');
    expect(usage()).toMatch(/kairos --help shows every command's flags/);
  });
});
