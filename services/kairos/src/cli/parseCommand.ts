import { CommanderError } from 'commander';
import { ConfigError } from '../config/configError';
import type { KairosCommand } from '../config/types';
import { apiKeyCommand, importCommand, schemaCommand, serverCommand, type CommandContext } from './commands';
import { FlagRecorder } from './flagRecorder';
import { createProgram } from './program';

export type ParseCommandOptions = Omit<CommandContext, 'env'> & {
  /** Environment (default process.env). */
  env?: Record<string, string | undefined>;
};

const COMMANDS = '"server start-dev", "server start", "schema setup|update", "workflow import" or "api-key create|list|revoke"';

/**
 * Parses `kairos server start-dev …`, `kairos server start --service S …`, `kairos schema
 * setup|update …`, `kairos workflow import …` or `kairos api-key create|list|revoke …` (argv without the node and script entries) into a validated command, with
 * commander doing the parsing. Throws a ConfigError listing the problems, in the words the
 * hand-written parser before it used.
 */
export function parseKairosCommand(argv: readonly string[], options: ParseCommandOptions = {}): KairosCommand {
  const flags = new FlagRecorder(argv);
  const context: CommandContext = { ...options, env: options.env ?? process.env };
  let command: KairosCommand | undefined;
  let help = '';
  const program = createProgram(
    {
      flag: (name, value) => flags.flag(name, value),
      leaf(words, args) {
        const given = flags.finish();
        if (flags.problems.length > 0) throw new ConfigError(flags.problems);
        if (words[0] === 'workflow') {
          command = importCommand(given, args);
          return;
        }
        if (words[0] === 'api-key') {
          command = apiKeyCommand(words[1] as 'create' | 'list' | 'revoke', given, args, context);
          return;
        }
        if (args.length > 0) throw new ConfigError([`unexpected argument ${JSON.stringify(args[0])}`]);
        command = words[0] === 'schema' ? schemaCommand(words[1] as 'setup' | 'update', given, context) : serverCommand(words[1] as 'start-dev' | 'start', given, context);
      },
      group(words, args) {
        throw new ConfigError([groupProblem(words, args)]);
      },
    },
    (text) => (help += text),
  );
  try {
    program.parse(flags.args, { from: 'user' });
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    const problem = commanderProblem(err);
    // A stray `-x` is an argument, reported only when the flags themselves are fine.
    const stray = problem?.startsWith('unexpected argument');
    if (problem && !stray) flags.problems.push(problem);
    flags.finish();
    if (stray && flags.problems.length === 0) flags.problems.push(problem!);
    if (flags.problems.length > 0) throw new ConfigError(flags.problems);
    return { kind: 'help', text: help };
  }
  return command!;
}

/** What follows an error: the commands, and where to find the rest. */
export function usage(): string {
  const program = createProgram({ flag: () => undefined, leaf: () => undefined, group: () => undefined }, () => undefined);
  return `${program.helpInformation()}\nkairos --help shows every command's flags, the config file's keys and the environment variables.`;
}

/** A commander parse error in the command's own words; undefined for the help it displayed. */
function commanderProblem(err: CommanderError): string | undefined {
  if (err.code === 'commander.helpDisplayed') return undefined;
  const flag = /'(-[^' ]*)/.exec(err.message)?.[1] ?? '';
  if (err.code === 'commander.unknownOption') {
    return flag.startsWith('--') ? `unknown flag ${flag.split('=')[0]}` : `unexpected argument ${JSON.stringify(flag)}`;
  }
  if (err.code === 'commander.optionMissingArgument') return `flag ${flag} needs a value`;
  return err.message.replace(/^error: /, '');
}

/** Why the words given name no command. */
function groupProblem(words: readonly string[], args: readonly string[]): string {
  const firstFlag = args.findIndex((a) => a.startsWith('--'));
  const named = firstFlag < 0 ? args : args.slice(0, firstFlag);
  if (firstFlag === 0) return `flag ${args[0]!.split('=')[0]} must follow the command: ${COMMANDS}`;
  if (words[0] === 'schema') {
    return `unknown command ${JSON.stringify(['schema', named[0] ?? ''].join(' ').trim())}: expected "schema setup" or "schema update"`;
  }
  if (words[0] === 'api-key') {
    return `unknown command ${JSON.stringify(['api-key', named[0] ?? ''].join(' ').trim())}: expected "api-key create", "api-key list" or "api-key revoke"`;
  }
  return `unknown command ${JSON.stringify([...words, ...named].join(' '))}: expected ${COMMANDS}`;
}
