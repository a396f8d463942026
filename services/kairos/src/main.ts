#!/usr/bin/env node
import { inspect } from 'node:util';
import { createLogger } from '@kairos/common/logger';
import { redactUrlCredentials } from '@kairos/common/redact';
import { overrideSettings } from '@kairos/common/settings';
import { parseKairosCommand, usage } from './cli/parseCommand';
import { ConfigError } from './config/configError';
import { defaultDatabaseFile } from './dataDir';
// The servers and the schema command are loaded only once the command line is read: settings given
// on it (--dynamic-config-value) must be in place before their modules read them.

/**
 * Everything the command prints outside its logger goes through here: a problem with a flag, the
 * help, the schema command's answer, a start-up failure. A URL given with its password (a flag, a
 * config file, $KAIROS_POSTGRES_URL) is then printed with the password masked.
 */
function print(stream: NodeJS.WriteStream, text: string): void {
  stream.write(redactUrlCredentials(text));
}

async function main(): Promise<void> {
  let command;
  try {
    command = parseKairosCommand(process.argv.slice(2), { defaultDbFilename: defaultDatabaseFile(), logsToTerminal: process.stderr.isTTY === true });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    print(process.stderr, `kairos: ${err.message}\n\n${usage()}\n`);
    process.exit(2);
  }
  switch (command.kind) {
    case 'help':
      print(process.stdout, command.text);
      return;
    case 'start-dev': {
      overrideSettings(command.config.settingOverrides);
      const { startDev } = await import('./startDev.js');
      await startDev(command.config);
      return;
    }
    case 'start': {
      const { startService } = await import('./startService.js');
      await startService(command.service, command.config);
      return;
    }
    case 'schema': {
      const { runSchemaCommand } = await import('./schemaCommand.js');
      print(process.stdout, `${await runSchemaCommand(command.action, command.storeUrl, createLogger({ level: 'warn' }))}\n`);
      return;
    }
    case 'api-key': {
      const { runApiKeyCommand } = await import('./apiKeyCommand.js');
      // Audit lines are JSON on stderr whatever the terminal; stdout carries only the answer (the new key).
      const context = { audit: createLogger({ level: 'info', format: 'json' }), logger: createLogger({ level: 'warn' }) };
      print(process.stdout, await runApiKeyCommand(command, context));
      return;
    }
    case 'workflow-import': {
      const { runImportCommand } = await import('./importCommand.js');
      print(process.stdout, await runImportCommand(command));
      return;
    }
  }
}

/** A failure nothing handled ends the process as Node would, but printed with credentials masked. */
function fatal(err: unknown): void {
  // A problem with what was asked (e.g. a search attribute refused at start) is said in its own words.
  if (err instanceof ConfigError) {
    print(process.stderr, `kairos: ${err.message}\n`);
    process.exit(1);
  }
  print(process.stderr, `kairos: ${err instanceof Error ? inspect(err) : String(err)}\n`);
  process.exit(1);
}
// Node's own report of an uncaught error prints all its properties (a URL parser error keeps its input).
process.on('uncaughtException', fatal);
process.on('unhandledRejection', fatal);

main().catch(fatal);
