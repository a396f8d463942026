import { Connection } from '@temporalio/client';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, workPath } from '../src/harness/paths';
import { freePort } from '../src/harness/ports';
import { spawnManaged, waitForPort } from '../src/harness/processes';

describe("the README's command one (scripts/start-dev.sh)", () => {
  it('passes its flags through, --port included, serves the default namespace, and the Web UI beside it', async () => {
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
      // The banner comes once the Web UI beside it is up (on the gRPC port + 1000).
      const uiUrl = `http://127.0.0.1:${port + 1000}`;
      const bannerBy = Date.now() + 30_000;
      while (!proc.tail(40).includes('Temporal Web UI:') && Date.now() < bannerBy) await new Promise((r) => setTimeout(r, 200));
      const banner = proc.tail(40);
      expect(banner).toContain(`listening on 127.0.0.1:${port}`);
      expect(banner).toMatch(new RegExp(`Temporal Web UI:\\s+${uiUrl.replace(/[.]/g, '\\.')}`));
      const page = await fetch(`${uiUrl}/namespaces/default/workflows`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<html');
    } finally {
      await proc.kill();
    }
  });
});
