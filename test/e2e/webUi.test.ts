import { mkdirSync } from 'node:fs';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workPath } from '../src/harness/paths';
import { freePort } from '../src/harness/ports';
import { withWorker } from '../src/harness/sdk';
import { startKairosDev, type KairosDev } from '../src/harness/servers';

const workflowsPath = require.resolve('../workflows/webUi.ts');
/** Debian's browser (scripts/setup.sh installs it); puppeteer-core downloads none. */
const CHROMIUM = process.env.KAIROS_CHROMIUM ?? '/usr/bin/chromium';
/** What the UI shows when a call it makes fails. */
const ERROR_TEXTS = ['Internal Error', 'Something went wrong', 'is not implemented', 'UNIMPLEMENTED', '500'];

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
      await page.waitForFunction((texts: string[]) => texts.every((t) => document.body.innerText.includes(t)), { timeout: 30_000 }, expected);
      const text = await page.evaluate(() => document.body.innerText);
      for (const error of ERROR_TEXTS) expect(text, `${name}: shows "${error}"`).not.toContain(error);
      return text;
    } catch (err) {
      mkdirSync(workPath('web-ui'), { recursive: true });
      await page.screenshot({ path: workPath(`web-ui/${name}.png`), fullPage: true }).catch(() => undefined);
      const text = await page.evaluate(() => document.body.innerText).catch(() => '');
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
      expect(history).toMatch(/Activity\s*Task\s*Completed|ActivityTaskCompleted/);
      expect(history).toMatch(/Workflow\s*Execution\s*Completed|WorkflowExecutionCompleted/);
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
