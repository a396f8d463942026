import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { KAIROS_MAIN, KAIROS_NODE_FLAG } from '../src/harness/paths';

// The built command is one bundle run from V8's code cache (services/kairos/scripts/bundle.mjs):
// the cache must be one V8 takes under the launchers' Node flag (else every start compiles the
// bundle again, silently), and the command must work without it. (What start-dev loads only on
// first use, the HTTP API's request side and server reflection, is called in httpApi and reflection.)
const run = promisify(execFile);
const DIST = dirname(KAIROS_MAIN);

/** Whether V8 takes the build's code cache for the bundle when Node runs with `flags`. */
async function cacheAccepted(flags: string[]): Promise<boolean> {
  const check = `
    const { readFileSync } = require('node:fs');
    const { Script } = require('node:vm');
    const script = new Script(readFileSync(${JSON.stringify(join(DIST, 'kairos.bundle.js'))}, 'latin1'), {
      filename: ${JSON.stringify(join(DIST, 'kairos.bundle.js'))},
      cachedData: readFileSync(${JSON.stringify(join(DIST, 'kairos.bundle.cache'))}),
    });
    process.stdout.write(script.cachedDataRejected ? 'rejected' : 'accepted');`;
  const { stdout } = await run(process.execPath, [...flags, '-e', check], { timeout: 60_000 });
  return stdout === 'accepted';
}

describe('the built kairos command (bundle and code cache)', () => {
  it('dist/main.js is the loader; V8 takes the code cache under the Node flag every launcher passes', async () => {
    expect(readFileSync(KAIROS_MAIN, 'utf8')).toContain('kairos.bundle.js');
    expect(await cacheAccepted([KAIROS_NODE_FLAG])).toBe(true);
  });

  it('runs without the cache too: under other Node flags V8 refuses it and the bundle is compiled', async () => {
    expect(await cacheAccepted(['--max-semi-space-size=8'])).toBe(false);
    const { stdout } = await run(process.execPath, ['--max-semi-space-size=8', KAIROS_MAIN, '--help'], { timeout: 60_000 });
    expect(stdout).toContain('server start-dev');
  });
});
