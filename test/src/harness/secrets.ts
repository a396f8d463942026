import { existsSync, readFileSync } from 'node:fs';

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
