import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { workPath } from './paths';

/** The secrets a test set-up gave its servers, by what they are (the label names one in messages, never the value). */
export type Secrets = Record<string, string>;

/** `file: label` for every log that contains one of the secrets. */
export function secretsInLogs(files: readonly string[], secrets: Secrets): string[] {
  const found: string[] = [];
  for (const file of new Set(files)) {
    if (!existsSync(file)) continue;
    const text = readFileSync(file, 'utf8');
    for (const [label, secret] of Object.entries(secrets)) if (secret && text.includes(secret)) found.push(`${file}: ${label}`);
  }
  return found;
}

/**
 * Fails when a log holds a secret: every cluster set-up runs its servers with a PostgreSQL and a
 * NATS password and checks all their logs with this when it stops, so a secret written by any
 * path (a warning, an error, a start-up failure) fails the suite that provoked it.
 */
export function assertNoSecretsInLogs(files: readonly string[], secrets: Secrets): void {
  const found = secretsInLogs(files, secrets);
  if (found.length > 0) throw new Error(`secrets written to server logs:\n${found.join('\n')}`);
}

/** Where the secrets test set-ups made during this run are kept, for the check at the end of the run. */
export const RUN_SECRETS_FILE = 'run-secrets.jsonl';

/**
 * Records a secret a test gave a server (a token, an API key, a private key, a password): when the
 * whole run ends, every log written during it is searched for it (test/src/globalTeardown.ts), so a
 * secret printed by any server of any suite fails the run.
 */
export function rememberSecret(label: string, secret: string): void {
  appendFileSync(workPath(RUN_SECRETS_FILE), `${JSON.stringify({ label, secret })}\n`);
}

/** The secrets remembered during this run. */
export function rememberedSecrets(): Secrets {
  const file = workPath(RUN_SECRETS_FILE);
  if (!existsSync(file)) return {};
  const secrets: Secrets = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    const { label, secret } = JSON.parse(line) as { label: string; secret: string };
    secrets[`${label} (${Object.keys(secrets).length})`] = secret;
  }
  return secrets;
}
