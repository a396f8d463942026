import { mkdirSync } from 'node:fs';
// puppeteer-core is an ES module: loaded with import() from this CommonJS suite.
import type { Browser, Page } from 'puppeteer-core' with { 'resolution-mode': 'import' };
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workPath } from '../src/harness/paths';
import { freePort } from '../src/harness/ports';
import { withWorker } from '../src/harness/sdk';
import { startKairosDev, type KairosDev } from '../src/harness/servers';

const workflowsPath = require.resolve('../workflows/webUi.ts');
/** Debian's browser (scripts/setup.sh installs it); puppeteer-core downloads none. */
const CHROMIUM = process.env.KAIROS_CHROMIUM ?? '/usr/bin/chromium';
/** What the UI shows when a call it makes fails. */
const ERROR_TEXTS = ["Uh oh. There's an error", 'Internal Error', 'Something went wrong', 'is not implemented', 'UNIMPLEMENTED'];

/** The text a person reads on the page: the body's text without scripts and styles (run in the browser). */
function readableText(): string {
  const copy = document.body.cloneNode(true) as HTMLElement;
  copy.querySelectorAll('script, style, noscript, template').forEach((e) => e.remove());
  return copy.textContent ?? '';
}

/**
 * The official Temporal Web UI that start-dev serves beside itself, driven in headless Chromium as
 * a person would use it: each page must show what one looks for, and no error.
 */
describe('the Temporal Web UI served by start-dev', () => {
  let kairos: KairosDev;
  let uiUrl: string;
  let browser: Browser;
  const taskQueue = `web-ui-${Date.now()}`;
  const completedId = `${taskQueue}-completed`;
  const failedId = `${taskQueue}-failed`;
  const runs: Record<string, string> = {};

  beforeAll(async () => {
    const uiPort = await freePort();
    kairos = await startKairosDev({ kairosOnly: true, uiPort });
    uiUrl = `http://127.0.0.1:${uiPort}`;
    const { default: puppeteer } = await import('puppeteer-core');
    browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await kairos?.stop();
  });

  /** Opens `path`, waits until every text in `expected` shows, and returns the page's text. */
  async function visit(page: Page, path: string, expected: string[], name: string): Promise<string> {
    try {
      await page.goto(`${uiUrl}${path}`, { waitUntil: 'networkidle0', timeout: 60_000 });
      // The page's text as written (not as CSS capitalises it), compared case-blind.
      await page.waitForFunction(
        (texts: string[], read: string) => {
          const text = (new Function(`return (${read})()`)() as string).toLowerCase();
          return texts.every((t) => text.includes(t.toLowerCase()));
        },
        { timeout: 30_000 },
        expected,
        readableText.toString(),
      );
      const text = await page.evaluate(readableText);
      for (const error of ERROR_TEXTS) expect(text.toLowerCase(), `${name}: shows "${error}"`).not.toContain(error.toLowerCase());
      return text;
    } catch (err) {
      mkdirSync(workPath('web-ui'), { recursive: true });
      await page.screenshot({ path: workPath(`web-ui/${name}.png`), fullPage: true }).catch(() => undefined);
      const text = await page.evaluate(readableText).catch(() => '');
      throw new Error(`${name} (${path}): ${(err as Error).message}\npage text: ${text.slice(0, 2_000)}`);
    }
  }

  it('shows the workflow list, a completed run with its history and result, a failed run with its failure, the workers and the namespaces', async () => {
    await withWorker({ address: kairos.address, taskQueue, workflowsPath, activities: { greet: async (name: string) => `hello ${name}` } }, async (client) => {
      const completed = await client.workflow.start('greetForUi', { taskQueue, workflowId: completedId, args: ['web ui'] });
      expect(await completed.result()).toBe('hello web ui');
      runs[completedId] = completed.firstExecutionRunId;
      const failed = await client.workflow.start('failForUi', { taskQueue, workflowId: failedId, args: ['the ui shows this failure'] });
      await expect(failed.result()).rejects.toThrow();
      runs[failedId] = failed.firstExecutionRunId;

      const page = await browser.newPage();
      await page.setViewport({ width: 1400, height: 1000 });
      // The list: both runs with their statuses.
      await visit(page, '/namespaces/default/workflows', [completedId, failedId, 'Completed', 'Failed'], 'workflow-list');
      // A completed run: its type, its events and its result.
      const history = await visit(page, `/namespaces/default/workflows/${completedId}/${runs[completedId]}/history`, ['greetForUi', 'hello web ui'], 'completed-history');
      expect(history).toMatch(/Activity\s*Task\s*Completed|ActivityTaskCompleted/i);
      expect(history).toMatch(/Workflow\s*Execution\s*Completed|WorkflowExecutionCompleted/i);
      // A failed run: the failure message.
      await visit(page, `/namespaces/default/workflows/${failedId}/${runs[failedId]}/history`, ['failForUi', 'the ui shows this failure'], 'failed-history');
      // The workers polling the run's task queue, while the worker runs.
      await visit(page, `/namespaces/default/workflows/${completedId}/${runs[completedId]}/workers`, [taskQueue], 'workers');
      // The namespaces.
      await visit(page, '/namespaces', ['default'], 'namespaces');
      await page.close();
    });
  }, 300_000);
});
