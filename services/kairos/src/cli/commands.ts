import { parseTemporalDuration } from '@kairos/domain';
import { permissionProblems } from '@kairos/frontend/api-keys';
import { ConfigError } from '../config/configError';
import { readConfigFile } from '../config/configFile';
import { withFlagsFromEnv } from '../config/environment';
import { resolveConfig, type FlagValues } from '../config/resolveConfig';
import { POSTGRES_URL_ENV, SERVICE_NAMES, type ApiKeyCommand, type KairosCommand, type ServiceName, type StoreConfig } from '../config/types';
import { API_KEY_FLAGS, API_KEY_ONLY_FLAGS, IMPORT_FLAGS, IMPORT_ONLY_FLAGS, SCHEMA_FLAGS, START_DEV_ONLY_FLAGS } from './flags';

export interface CommandContext {
  /** Reads the --config file (tests); defaults to the file system. */
  readFile?: (path: string) => string;
  /** SQLite file for start-dev when none is given (e.g. in the user's data directory). */
  defaultDbFilename?: string;
  /** Whether stderr (where logs go) is a terminal: the log format's default. */
  logsToTerminal?: boolean;
  /** Environment: KAIROS_POSTGRES_URL, KAIROS_ADVERTISE_ADDRESS. */
  env: Record<string, string | undefined>;
}

/** `server start-dev` or `server start`: the flags, the config file and the environment resolved into a config. */
export function serverCommand(name: 'start-dev' | 'start', flags: FlagValues, context: CommandContext): KairosCommand {
  const given = (flag: string) => flags.get(flag)?.at(-1);
  let service: ServiceName | undefined;
  if (name === 'start') {
    const value = given('service');
    if (!value || !(SERVICE_NAMES as readonly string[]).includes(value)) {
      throw new ConfigError([`--service must be one of ${SERVICE_NAMES.join(', ')}${value ? `, got ${JSON.stringify(value)}` : ''}`]);
    }
    service = value as ServiceName;
    const devOnly = START_DEV_ONLY_FLAGS.filter((f) => flags.has(f));
    if (devOnly.length > 0) throw new ConfigError(devOnly.map((f) => `--${f} is for "server start-dev"`));
  } else if (given('service') !== undefined) {
    throw new ConfigError(['--service is for "server start"; start-dev runs every service']);
  }
  if (given('store') !== undefined) throw new ConfigError(['--store is for "kairos schema"; a server takes --postgres-url or --db-filename']);
  const importOnly = IMPORT_ONLY_FLAGS.filter((f) => flags.has(f));
  if (importOnly.length > 0) throw new ConfigError(importOnly.map((f) => `--${f} is for "kairos workflow import"`));
  const apiKeyOnly = API_KEY_ONLY_FLAGS.filter((f) => flags.has(f));
  if (apiKeyOnly.length > 0) throw new ConfigError(apiKeyOnly.map((f) => `--${f} is for "kairos api-key"`));

  const configFile = given('config');
  const file = configFile !== undefined ? { name: configFile, content: readConfigFile(configFile, context.readFile) } : undefined;
  const config = resolveConfig({
    mode: service ? 'cluster' : 'dev',
    service,
    file,
    flags: service ? withFlagsFromEnv(flags, file?.content, context.env) : flags,
    defaultDbFilename: context.defaultDbFilename,
    logsToTerminal: context.logsToTerminal,
  });
  return service ? { kind: 'start', service, config, configFile } : { kind: 'start-dev', config, configFile };
}

/** `schema setup|update`: the PostgreSQL URL from --store or the environment. */
export function schemaCommand(action: 'setup' | 'update', flags: FlagValues, context: CommandContext): KairosCommand {
  const others = [...flags.keys()].filter((f) => !SCHEMA_FLAGS.has(f));
  if (others.length > 0) throw new ConfigError(others.map((f) => `flag --${f} is not used by "kairos schema ${action}"`));
  const storeUrl = flags.get('store')?.at(-1) ?? context.env[POSTGRES_URL_ENV];
  if (!storeUrl) throw new ConfigError([`"kairos schema ${action}" needs --store postgres://… (or $${POSTGRES_URL_ENV})`]);
  if (!/^postgres(ql)?:\/\//i.test(storeUrl)) {
    throw new ConfigError([`--store must be a postgres:// URL: a SQLite store migrates its schema itself when a server opens it`]);
  }
  return { kind: 'schema', action, storeUrl };
}

/** `workflow import FILE`: the file, the frontend's address, the namespace and the workflow id to keep the run under. */
export function importCommand(flags: FlagValues, args: readonly string[]): KairosCommand {
  const others = [...flags.keys()].filter((f) => !IMPORT_FLAGS.has(f));
  if (others.length > 0) throw new ConfigError(others.map((f) => `flag --${f} is not used by "kairos workflow import"`));
  if (args.length === 0) throw new ConfigError(['"kairos workflow import" needs the FILE to import (a history exported with `temporal workflow show -o json`)']);
  if (args.length > 1) throw new ConfigError([`unexpected argument ${JSON.stringify(args[1])}: "kairos workflow import" imports one FILE`]);
  const given = (flag: string) => flags.get(flag)?.at(-1);
  return { kind: 'workflow-import', file: args[0]!, address: given('address') ?? '127.0.0.1:7233', namespace: given('namespace') ?? 'default', workflowId: given('workflow-id') };
}

/**
 * `api-key create|list|revoke`: the store from the same flags, config file and environment as the
 * servers (--db-filename, --postgres-url, "store" of --config, else $KAIROS_POSTGRES_URL, else
 * start-dev's default file), so an operator points it at the cluster's database.
 */
export function apiKeyCommand(action: 'create' | 'list' | 'revoke', flags: FlagValues, args: readonly string[], context: CommandContext): ApiKeyCommand {
  const others = [...flags.keys()].filter((f) => !API_KEY_FLAGS[action].has(f));
  if (others.length > 0) throw new ConfigError(others.map((f) => `flag --${f} is not used by "kairos api-key ${action}"`));
  const given = (flag: string) => flags.get(flag)?.at(-1);
  if (action === 'revoke') {
    if (args.length === 0) throw new ConfigError(['"kairos api-key revoke" needs the ID of the key (as "kairos api-key list" shows it)']);
    if (args.length > 1) throw new ConfigError([`unexpected argument ${JSON.stringify(args[1])}: "kairos api-key revoke" revokes one ID`]);
    return { kind: 'api-key', action, store: apiKeyStore(flags, context), id: args[0]! };
  }
  if (args.length > 0) throw new ConfigError([`unexpected argument ${JSON.stringify(args[0])}`]);
  if (action === 'list') {
    const output = given('output') ?? 'text';
    if (output !== 'text' && output !== 'json') throw new ConfigError([`--output must be text or json, got ${JSON.stringify(output)}`]);
    return { kind: 'api-key', action, store: apiKeyStore(flags, context), output };
  }
  const permissions = [...(flags.get('permission') ?? [])];
  const problems = permissions.length === 0 ? ['"kairos api-key create" needs at least one --permission NAMESPACE:ROLE'] : permissionProblems(permissions);
  const expiresIn = given('expires-in');
  const expiresInMs = expiresIn === undefined ? undefined : parseTemporalDuration(expiresIn);
  if (expiresIn !== undefined && !(expiresInMs !== undefined && expiresInMs >= 1000)) {
    problems.push(`--expires-in must be a duration of at least 1s such as 720h, 90d or 1h30m, got ${JSON.stringify(expiresIn)}`);
  }
  const store = storeOrProblems(flags, context, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return { kind: 'api-key', action, store: store!, permissions, description: given('description') ?? '', ...(expiresInMs !== undefined && { expiresInMs }) };
}

function apiKeyStore(flags: FlagValues, context: CommandContext): StoreConfig {
  const problems: string[] = [];
  const store = storeOrProblems(flags, context, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return store!;
}

/** The store as the servers resolve it, or problems; only the PostgreSQL URL is taken from the environment. */
function storeOrProblems(flags: FlagValues, context: CommandContext, problems: string[]): StoreConfig | undefined {
  const configFile = flags.get('config')?.at(-1);
  try {
    const file = configFile !== undefined ? { name: configFile, content: readConfigFile(configFile, context.readFile) } : undefined;
    const env = { [POSTGRES_URL_ENV]: context.env[POSTGRES_URL_ENV] };
    // Resolved as start-dev's (its default file) without the Web UI, whose port checks mean nothing here.
    const { store } = resolveConfig({ mode: 'dev', file, flags: withFlagsFromEnv(new Map([...flags, ['headless', ['true']]]), file?.content, env), defaultDbFilename: context.defaultDbFilename });
    if (store.kind === 'sqlite' && store.filename === ':memory:') {
      problems.push('"kairos api-key" needs the store the servers use: --db-filename FILE, --postgres-url URL (or $KAIROS_POSTGRES_URL), or "store" in --config FILE');
      return undefined;
    }
    return store;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems);
    return undefined;
  }
}
