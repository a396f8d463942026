import { describe, expect, it } from 'vitest';
import { ConfigError, parseFlags, parseKairosCommand, resolveConfig, type KairosCommand } from './config';

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
  if (cmd.kind === 'help' || cmd.kind === 'schema') throw new Error(cmd.kind);
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
      store: { kind: 'sqlite', filename: '/data/kairos.db' },
      natsUrl: 'nats://127.0.0.1:4222',
      services: {
        frontend: { bindIp: '127.0.0.1', port: 7233, address: '127.0.0.1:7233' },
        history: { bindIp: '127.0.0.1', port: 7234, address: '127.0.0.1:7234' },
        matching: { bindIp: '127.0.0.1', port: 7235, address: '127.0.0.1:7235' },
      },
      namespaceLimits: {},
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
        'server', 'start-dev', '--port', '7300', '--ip=0.0.0.0', '--in-memory', '--namespace', 'a',
        '--namespace', 'b', '--namespace', 'default', '--log-level', 'debug', '--num-shards', '8',
      ]),
    );
    expect(config.services.frontend).toEqual({ bindIp: '0.0.0.0', port: 7300, address: '127.0.0.1:7300' });
    expect(config.store).toEqual({ kind: 'sqlite', filename: ':memory:' });
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

  it('lets --db-filename replace the file store, and --*-address the file address', () => {
    const readFile = files({ 'k.json': { store: { kind: 'postgres', url: 'postgres://x' } } });
    const { config } = started(
      parseKairosCommand(['server', 'start', '--service', 'frontend', '--config', 'k.json', '--db-filename', 'k.db', '--history-address', 'h:1'], { readFile }),
    );
    expect(config.store).toEqual({ kind: 'sqlite', filename: 'k.db' });
    expect(config.services.history.address).toBe('h:1');
  });

  it('answers help', () => {
    expect(parseKairosCommand(['--help'])).toEqual({ kind: 'help' });
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
    expect(started(parseKairosCommand(['server', 'start', '--service', 'history', '--db-filename', 'k.db'], { env })).config.store).toEqual({ kind: 'sqlite', filename: 'k.db' });
    const readFile = files({ 'k.json': { store: { kind: 'postgres', url: 'postgres://other/db' } } });
    expect(started(parseKairosCommand(['server', 'start', '--service', 'matching', '--config', 'k.json'], { env, readFile })).config.store).toEqual({
      kind: 'postgres',
      url: 'postgres://other/db',
    });
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

describe('parseFlags and resolveConfig', () => {
  it('keeps repeated --namespace values in order and supports --flag=value', () => {
    const parsed = parseFlags(['server', '--namespace=a', '--namespace', 'b', '--in-memory']);
    expect(parsed.positional).toEqual(['server']);
    expect(parsed.flags.get('namespace')).toEqual(['a', 'b']);
    expect(parsed.flags.get('in-memory')).toEqual(['true']);
  });

  it('uses :memory: for dev without a default file, and IPv6 bind addresses dial as [ip]:port', () => {
    const config = resolveConfig({ mode: 'dev', flags: parseFlags(['--ip', '::1']) });
    expect(config.store).toEqual({ kind: 'sqlite', filename: ':memory:' });
    expect(config.services.frontend.address).toBe('[::1]:7233');
  });
});
