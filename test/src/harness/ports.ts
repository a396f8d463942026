import { closeSync, mkdirSync, openSync, statSync, unlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { WORK_DIR } from './paths';

/**
 * Ports for the servers the tests start come from below the kernel's ephemeral range (32768 and
 * up), so the OS never hands one out as a client's local port or to a server asking for port 0
 * (the Temporal dev server picks its internal ports that way) between our check and the server's
 * bind. Test processes run in parallel, so each port is also claimed with a file created
 * exclusively under test/.work/ports, which the Python suite shares.
 */
const FIRST_PORT = 20_000;
const END_PORT = 32_000;
const CLAIMS_DIR = join(WORK_DIR, 'ports');
/** A claim older than this is left over from an earlier run and may be taken again. */
const STALE_CLAIM_MS = 3 * 60 * 60 * 1000;

function claim(port: number): boolean {
  const file = join(CLAIMS_DIR, String(port));
  try {
    closeSync(openSync(file, 'wx'));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  try {
    if (Date.now() - statSync(file).mtimeMs < STALE_CLAIM_MS) return false;
    unlinkSync(file);
    closeSync(openSync(file, 'wx'));
    return true;
  } catch {
    return false; // another process reclaimed it first
  }
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A TCP port on 127.0.0.1 that is free and that no other test process will be given. */
export async function freePort(): Promise<number> {
  mkdirSync(CLAIMS_DIR, { recursive: true });
  for (let tries = 0; tries < 1_000; tries++) {
    const port = FIRST_PORT + Math.floor(Math.random() * (END_PORT - FIRST_PORT));
    if (claim(port) && (await bindable(port))) return port;
  }
  throw new Error(`no free port between ${FIRST_PORT} and ${END_PORT} after 1,000 tries (stale claims in ${CLAIMS_DIR}?)`);
}
