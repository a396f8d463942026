import { Connection } from '@temporalio/client';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, workPath } from '../src/harness/paths';
import { freePort } from '../src/harness/ports';
import { spawnManaged, waitForPort } from '../src/harness/processes';

describe("the README's command one (scripts/start-dev.sh)", () => {
  it('passes its flags through, --port included, and serves the default namespace', async () => {
    const port = await freePort();
    const proc = spawnManaged('start-dev.sh', 'bash', [join(REPO_ROOT, 'scripts/start-dev.sh'), '--port', String(port), '--in-memory'], workPath(`start-dev-sh-${port}.log`));
    try {
      await waitForPort(port, proc);
      const connection = await Connection.connect({ address: `127.0.0.1:${port}` });
      try {
        const described = await connection.workflowService.describeNamespace({ namespace: 'default' });
        expect(described.namespaceInfo?.name).toBe('default');
      } finally {
        await connection.close();
      }
      expect(proc.tail()).toContain(`listening on 127.0.0.1:${port}`);
    } finally {
      await proc.kill();
    }
  });
});
