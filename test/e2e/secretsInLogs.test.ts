import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KAIROS_MAIN, workPath } from '../src/harness/paths';
import { freePort } from '../src/harness/ports';
import { spawnManaged, waitForPort } from '../src/harness/processes';

describe('no secret in the logs', () => {
  it('a NATS URL with credentials is logged with its password masked', async () => {
    // Kairos's own behaviour. NATS is not there (a closed port), so the service warns about the URL.
    const [port, natsPort] = [await freePort(), await freePort()];
    const secret = `s3cret-${Date.now()}`;
    const log = workPath(`secrets-history-${port}.log`);
    const proc = spawnManaged(
      'history (credentialed NATS)',
      process.execPath,
      [KAIROS_MAIN, 'server', 'start', '--service', 'history', '--port', String(port), '--db-filename', workPath(`secrets-${port}.db`), '--nats-url', `nats://kairos:${secret}@127.0.0.1:${natsPort}`],
      log,
    );
    try {
      await waitForPort(port, proc);
      const deadline = Date.now() + 30_000;
      while (!readFileSync(log, 'utf8').includes('starting without NATS') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      const text = readFileSync(log, 'utf8');
      expect(text).toContain(`nats://kairos:***@127.0.0.1:${natsPort}`);
      // The command line the harness wrote at the top of the log is the only place it may appear.
      const serverOutput = text.split('\n').slice(1).join('\n');
      expect(serverOutput).not.toContain(secret);
    } finally {
      await proc.kill();
    }
  });
});
