import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { assertNoSecretsInLogs, rememberedSecrets, RUN_SECRETS_FILE } from './harness/secrets';
import { WORK_DIR, workPath } from './harness/paths';

/**
 * Once per e2e run: forgets the secrets of earlier runs at the start, and at the end searches every
 * log written during the run for the secrets its set-ups remembered (tokens, API keys, private
 * keys, passwords). A secret in any server's log fails the run.
 */
export default function setup(): () => void {
  rmSync(workPath(RUN_SECRETS_FILE), { force: true });
  const startedAt = Date.now();
  return () => {
    const logs = readdirSync(WORK_DIR)
      .filter((name) => name.endsWith('.log'))
      .map((name) => join(WORK_DIR, name))
      .filter((file) => statSync(file).mtimeMs >= startedAt);
    assertNoSecretsInLogs(logs, rememberedSecrets());
  };
}
