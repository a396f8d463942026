#!/usr/bin/env node
import { createLogger } from '@kairos/common/logger';
import { parseKairosCommand, usage } from './cli/parseCommand';
import { ConfigError } from './config/configError';
import { defaultDatabaseFile } from './dataDir';
import { runSchemaCommand } from './schemaCommand';
import { startDev } from './startDev';
import { startService } from './startService';

async function main(): Promise<void> {
  let command;
  try {
    command = parseKairosCommand(process.argv.slice(2), { defaultDbFilename: defaultDatabaseFile() });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`kairos: ${err.message}\n\n${usage()}\n`);
    process.exit(2);
  }
  switch (command.kind) {
    case 'help':
      process.stdout.write(command.text);
      return;
    case 'start-dev':
      await startDev(command.config);
      return;
    case 'start':
      await startService(command.service, command.config);
      return;
    case 'schema':
      process.stdout.write(`${await runSchemaCommand(command.action, command.storeUrl, createLogger({ level: 'warn' }))}\n`);
      return;
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`kairos: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
