import { Command, Option } from 'commander';
import { FLAGS, type CommandName } from './flags';
import { configFileHelp, environmentHelp, fullHelpAfter } from './help';

/** What the parse reports back: every flag occurrence, and which command (or group) was reached. */
export interface ProgramHandlers {
  /** One occurrence of a flag on a leaf command (`value` undefined for a boolean). */
  flag(name: string, value: string | undefined): void;
  /** A leaf command was reached: its words (`['server', 'start']`) and the arguments left over. */
  leaf(words: readonly string[], args: readonly string[]): void;
  /** The program or a group got no subcommand it knows: its words and everything after them. */
  group(words: readonly string[], args: readonly string[]): void;
}

const LEAVES: ReadonlyArray<{ words: [string, string]; flagsOf: CommandName; description: string; usage?: string }> = [
  { words: ['server', 'start-dev'], flagsOf: 'start-dev', description: 'frontend, history and matching in one process, on SQLite; creates the namespaces' },
  { words: ['server', 'start'], flagsOf: 'start', description: 'one service of a cluster (any number of each), on PostgreSQL or a shared SQLite file, with NATS' },
  { words: ['schema', 'setup'], flagsOf: 'schema', description: 'create the PostgreSQL schema in an empty database; nothing to do when it is current' },
  {
    words: ['schema', 'update'],
    flagsOf: 'schema',
    description: 'migrate the PostgreSQL schema from any older version to this one, safe while the cluster serves; nothing to do when it is current',
  },
  {
    words: ['workflow', 'import'],
    flagsOf: 'workflow-import',
    usage: 'FILE [flags]',
    description: 'keep a history exported with `temporal workflow show -o json` as a closed, read-only run of a namespace (listed, shown in the UI, replayable)',
  },
  {
    words: ['api-key', 'create'],
    flagsOf: 'api-key-create',
    usage: '--permission NAMESPACE:ROLE [flags]',
    description: 'make an API key (clients send it as `authorization: Bearer <key>`, the CLI as --api-key); prints the key once, only its hash is kept',
  },
  { words: ['api-key', 'list'], flagsOf: 'api-key-list', description: 'the API keys: id, state, permissions, dates and description (never the key)' },
  { words: ['api-key', 'revoke'], flagsOf: 'api-key-revoke', usage: 'ID [flags]', description: 'refuse the key from the next call on, in every frontend' },
];

/**
 * The `kairos` command as commander definitions: groups `server`, `schema`, `workflow` and `api-key` with their leaf
 * commands. Every leaf takes every flag of FLAGS (its help lists those it uses), so commander
 * parses them all and the caller refuses a misplaced one by name. Commander never prints or exits
 * itself: help text goes to `write`, errors are thrown (CommanderError) for the caller to word.
 */
export function createProgram(handlers: ProgramHandlers, write: (text: string) => void): Command {
  const program = new Command('kairos')
    .description("Kairos: a durable-execution server that speaks Temporal's gRPC API")
    .usage('<command> [flags]')
    .helpOption('--help', 'show help')
    .helpCommand(false)
    .exitOverride()
    .configureOutput({ writeOut: write, writeErr: write, outputError: () => undefined });
  asGroup(program, [], handlers);
  const groups = new Map<string, Command>();
  const leaves = LEAVES.map(({ words: [groupName, name], flagsOf, description, usage }) => {
    let group = groups.get(groupName);
    if (!group) {
      group = asGroup(program.command(groupName).usage('<command> [flags]'), [groupName], handlers);
      groups.set(groupName, group);
    }
    return leafCommand(group.command(name), [groupName, name], flagsOf, description, handlers, usage);
  });
  groups.get('server')!.description('run Kairos');
  groups.get('schema')!.description('create or migrate the schema of a PostgreSQL store');
  groups.get('workflow')!.description('work with workflow histories');
  groups.get('api-key')!.description('manage API keys, in the store directly (the servers need not run)');
  // The top-level help lists the leaf commands, then each one's flags (configured after the
  // subcommands exist, which copied the program's settings when created).
  program.configureHelp({ visibleCommands: () => leaves, subcommandTerm: (cmd) => `${cmd.parent!.name()} ${cmd.name()} ${cmd.usage()}` });
  program.addHelpText('after', () => fullHelpAfter(leaves));
  return program;
}

/** A command whose only job is to dispatch: anything it does not know goes to `handlers.group`. */
function asGroup(command: Command, words: string[], handlers: ProgramHandlers): Command {
  return command
    .allowUnknownOption()
    .allowExcessArguments()
    .action((_options, self: Command) => handlers.group(words, self.args));
}

function leafCommand(command: Command, words: string[], flagsOf: CommandName, description: string, handlers: ProgramHandlers, usage = '[flags]'): Command {
  command.description(description).usage(usage).allowExcessArguments();
  for (const spec of FLAGS) {
    const option = new Option(spec.value ? `--${spec.name} <${spec.value}>` : `--${spec.name}`, spec.description);
    const shown = spec.defaults?.[flagsOf];
    if (shown !== undefined) option.default(shown, shown);
    if (!spec.shownIn.includes(flagsOf)) option.hideHelp();
    command.addOption(option);
    command.on(`option:${spec.name}`, (value: string | undefined) => handlers.flag(spec.name, value));
  }
  if (flagsOf === 'schema' || flagsOf.startsWith('api-key')) command.addHelpText('after', `\n${environmentHelp()}`);
  else if (flagsOf !== 'workflow-import') command.addHelpText('after', `\n${configFileHelp()}\n\n${environmentHelp()}`);
  return command.action((_options, self: Command) => handlers.leaf(words, self.args));
}
