#!/usr/bin/env node
import type { LogLevel } from '@kairos/common/dist/logger';
import { flag, flagList, parseArgs } from './args';
import { defaultDatabaseFile } from './dataDir';
import { startDev } from './startDev';
import { startService, type ServiceName } from './startService';

const USAGE = `Usage:
  kairos server start-dev [--port 7233] [--ip 127.0.0.1] [--db-filename FILE | --in-memory]
                          [--namespace NAME ...] [--log-level debug|info|warn|error] [--num-shards N]
  kairos server start --service frontend|history|matching [--port P] [--ip IP] --db-filename FILE
                      [--nats-url nats://127.0.0.1:4222] [--cluster-name NAME]
                      [--history-address HOST:PORT] [--matching-address HOST:PORT]
                      [--namespace NAME ...] [--log-level LEVEL] [--num-shards N]`;

const LOG_LEVELS = new Set(['debug', 'info', 'warn', 'error']);
const DEFAULT_PORTS: Record<ServiceName, number> = { frontend: 7233, history: 7234, matching: 7235 };

function fail(message: string): never {
  process.stderr.write(`kairos: ${message}\n\n${USAGE}\n`);
  process.exit(2);
}

function intFlag(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) fail(`--${name} must be a positive integer, got ${value}`);
  return n;
}

async function main(): Promise<void> {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    fail((err as Error).message);
  }
  if (flag(args, 'help')) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const [group, command] = args.positional;
  if (group !== 'server' || (command !== 'start-dev' && command !== 'start')) fail('unknown command');
  const logLevel = (flag(args, 'log-level') ?? 'info') as LogLevel;
  if (!LOG_LEVELS.has(logLevel)) fail(`unknown --log-level ${logLevel}`);
  const namespaces = ['default', ...flagList(args, 'namespace').filter((n) => n !== 'default')];
  const numShards = intFlag(flag(args, 'num-shards'), 4, 'num-shards');
  const ip = flag(args, 'ip') ?? '127.0.0.1';

  if (command === 'start-dev') {
    const inMemory = flag(args, 'in-memory') === 'true';
    const dbFilename = inMemory ? ':memory:' : (flag(args, 'db-filename') ?? defaultDatabaseFile());
    await startDev({ ip, port: intFlag(flag(args, 'port'), 7233, 'port'), dbFilename, namespaces, logLevel, numShards });
    return;
  }

  const service = flag(args, 'service') as ServiceName | undefined;
  if (!service || !(service in DEFAULT_PORTS)) fail('--service must be frontend, history or matching');
  const dbFilename = flag(args, 'db-filename');
  if (!dbFilename) fail('--db-filename is required for a cluster service');
  await startService({
    service,
    ip,
    port: intFlag(flag(args, 'port'), DEFAULT_PORTS[service], 'port'),
    dbFilename,
    natsUrl: flag(args, 'nats-url') ?? 'nats://127.0.0.1:4222',
    clusterName: flag(args, 'cluster-name') ?? 'kairos',
    historyAddress: flag(args, 'history-address') ?? '127.0.0.1:7234',
    matchingAddress: flag(args, 'matching-address') ?? '127.0.0.1:7235',
    numShards,
    namespaces,
    logLevel,
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`kairos: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
