import type { Command } from 'commander';
import { FILE_KEYS } from '../config/configFile';
import { ADVERTISE_ADDRESS_ENV, NAMESPACE_LIMIT_NAMES, NATS_URL_ENV, POSTGRES_URL_ENV } from '../config/types';

/** The config file's keys with an example value each (from the table the unknown-key check uses). */
export function configFileHelp(): string {
  const width = Math.max(...FILE_KEYS.map(([key]) => key.length));
  return [
    'Config file (--config FILE): JSON, every key optional; flags override it.',
    ...FILE_KEYS.map(([key, example]) => `  ${key.padEnd(width)}  ${example}`),
    `  ${''.padEnd(width)}  limits: ${wrap(NAMESPACE_LIMIT_NAMES, 72).join(`\n  ${''.padEnd(width)}          `)}`,
  ].join('\n');
}

/** `words` joined with ", " into lines of at most about `width` characters. */
function wrap(words: readonly string[], width: number): string[] {
  const lines: string[] = [];
  for (const word of words) {
    const last = lines.at(-1);
    if (last !== undefined && last.length + word.length + 2 <= width) lines[lines.length - 1] = `${last}, ${word}`;
    else lines.push(word);
  }
  return lines.map((line, i) => (i < lines.length - 1 ? `${line},` : line));
}

/** The environment variables the command reads. */
export function environmentHelp(): string {
  return [
    'Environment:',
    `  ${POSTGRES_URL_ENV}       the PostgreSQL URL for "schema" without --store, and for "server start" and "api-key" when nothing names a store`,
    `  ${ADVERTISE_ADDRESS_ENV}  --advertise-address of "server start" when the flag is absent`,
    `  ${NATS_URL_ENV}           --nats-url of "server start" when neither the flag nor the config file names one`,
  ].join('\n');
}

/** What `kairos --help` adds after the command list: every command's own help, then the config keys and environment. */
export function fullHelpAfter(leaves: readonly Command[]): string {
  return ['', ...leaves.map((leaf) => leaf.helpInformation()), configFileHelp(), '', environmentHelp(), ''].join('\n');
}
