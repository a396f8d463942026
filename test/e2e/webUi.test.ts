import { mkdirSync } from 'node:fs';
// puppeteer-core is an ES module: loaded with import() from this CommonJS suite.
import type { Browser, Page } from 'puppeteer-core' with { 'resolution-mode': 'import' };
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workPath } from '../src/harness/paths';
import { freePort } from '../src/harness/ports';
import { withWorker } from '../src/harness/sdk';
import { startKairosDev, type KairosDev } from '../src/harness/servers';
import { untilAsync } from '../src/harness/waiting';

const workflowsPath = require.resolve('../workflows/webUi.ts');
const scheduleWorkflowsPath = require.resolve('../workflows/schedules.ts');
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

  /** Runs `step` on the page; on failure saves a screenshot as web-ui/<name>.png and adds the page's text to the error. */
  async function onPage<T>(page: Page, name: string, where: string, step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (err) {
      mkdirSync(workPath('web-ui'), { recursive: true });
      await page.screenshot({ path: workPath(`web-ui/${name}.png`), fullPage: true }).catch(() => undefined);
      // The main pane's text (the body's starts with the menus and every time zone).
      const text = await page.evaluate(() => (document.querySelector('main') ?? document.body).innerText).catch(() => '');
      throw new Error(`${name} (${where}): ${(err as Error).message}\npage text: ${text.slice(0, 2_000)}`);
    }
  }

  /** Waits until every text in `expected` shows on the page, requires no error text, and returns the page's text. */
  async function shows(page: Page, expected: string[], name: string): Promise<string> {
    // Read from here rather than with page.waitForFunction: after the UI's own reload (e.g. once a
    // schedule is paused) an in-page poller can keep reading a document no longer shown.
    const deadline = Date.now() + 30_000;
    for (;;) {
      // The page's text as written (not as CSS capitalises it), compared case-blind; a navigation
      // under way leaves no text to read yet.
      const text = await page.evaluate(readableText).catch(() => '');
      const missing = expected.filter((t) => !text.toLowerCase().includes(t.toLowerCase()));
      if (missing.length === 0) {
        for (const error of ERROR_TEXTS) expect(text.toLowerCase(), `${name}: shows "${error}"`).not.toContain(error.toLowerCase());
        return text;
      }
      if (Date.now() > deadline) throw new Error(`waited 30 s for ${JSON.stringify(missing)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Opens `path`, waits until every text in `expected` shows, and returns the page's text. */
  async function visit(page: Page, path: string, expected: string[], name: string): Promise<string> {
    return onPage(page, name, path, async () => {
      await page.goto(`${uiUrl}${path}`, { waitUntil: 'networkidle0', timeout: 60_000 });
      return shows(page, expected, name);
    });
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

  it('lists schedules, shows a paused one with its notes and a fired one with its recent run, filters the paused ones, and pauses a schedule from its page', async () => {
    const scheduleQueue = `${taskQueue}-schedules`;
    const pausedId = `${taskQueue}-sched-paused`;
    const firedId = `${taskQueue}-sched-fired`;
    const reason = 'paused from the web ui';
    await withWorker({ address: kairos.address, taskQueue: scheduleQueue, workflowsPath: scheduleWorkflowsPath, activities: {} }, async (client) => {
      // Paused from the start: it never fires, so what its page shows is fixed.
      await client.schedule.create({
        scheduleId: pausedId,
        spec: { intervals: [{ every: '1h' }] },
        action: { type: 'startWorkflow', workflowType: 'scheduledEcho', args: ['never'], taskQueue: scheduleQueue, workflowId: `${pausedId}-wf` },
        state: { paused: true, note: 'kept paused for the ui' },
      });
      // Daily at noon, and fired once now by a trigger, so it has a recent run.
      const fired = await client.schedule.create({
        scheduleId: firedId,
        spec: { cronExpressions: ['0 12 * * *'] },
        action: { type: 'startWorkflow', workflowType: 'scheduledEcho', args: ['fired for the ui'], taskQueue: scheduleQueue, workflowId: `${firedId}-wf` },
      });
      await fired.trigger();
      const recentRun = async () => (await fired.describe()).info.recentActions[0]?.action.workflow.workflowId;
      await untilAsync(async () => (await recentRun()) !== undefined, 'the triggered run', 30_000);
      const runWorkflowId = (await recentRun())!;
      expect(await client.workflow.getHandle(runWorkflowId).result()).toMatchObject({ input: 'fired for the ui', scheduledById: firedId });

      const page = await browser.newPage();
      await page.setViewport({ width: 1400, height: 1000 });
      // The list: both schedules, each after its state, with their workflow type and spec in words.
      const list = await visit(page, '/namespaces/default/schedules', [pausedId, firedId, 'scheduledEcho', 'At 12:00 every day', 'Every 1 hour(s)'], 'schedule-list');
      expect(list).toMatch(new RegExp(`Paused\\s*${pausedId}`, 'i'));
      expect(list).toMatch(new RegExp(`Running\\s*${firedId}`, 'i'));
      // The list's "Paused" filter (a ListSchedules query on TemporalSchedulePaused): the paused one only.
      const pausedOnly = await visit(page, `/namespaces/default/schedules?query=${encodeURIComponent('`TemporalSchedulePaused`=true')}`, [pausedId], 'schedule-list-paused');
      expect(pausedOnly).not.toContain(firedId);
      // The paused schedule: its id, workflow type, state, notes and input.
      const paused = await visit(page, `/namespaces/default/schedules/${pausedId}`, [pausedId, 'scheduledEcho', 'Unpause', 'kept paused for the ui', '"never"', '0 Recent Runs'], 'schedule-paused');
      expect(paused).toMatch(new RegExp(`Paused\\s*${pausedId}`, 'i'));
      // The fired schedule: running, its recent run completed, its spec and input.
      const firedPath = `/namespaces/default/schedules/${firedId}`;
      const firedPage = await visit(page, firedPath, [firedId, 'scheduledEcho', runWorkflowId, 'At 12:00 every day', '"fired for the ui"'], 'schedule-fired');
      expect(firedPage).toMatch(new RegExp(`Running\\s*${firedId}`, 'i'));
      expect(firedPage).toMatch(new RegExp(`Completed\\s*${runWorkflowId}`, 'i'));
      // Pausing it from its page (a PatchSchedule through the UI server) shows it paused with the reason as its notes.
      await onPage(page, 'schedule-pause', firedPath, async () => {
        await page.locator('::-p-xpath(//main//button[normalize-space(.)="Pause"])').click();
        await page.locator('dialog[open] input').fill(reason);
        await page.locator('::-p-xpath(//dialog[@open]//button[normalize-space(.)="Pause"])').click();
        const pausedNow = await shows(page, ['Unpause', reason], 'schedule-pause');
        expect(pausedNow).toMatch(new RegExp(`Paused\\s*${firedId}`, 'i'));
      });
      const described = await fired.describe();
      expect({ paused: described.state.paused, note: described.state.note }).toEqual({ paused: true, note: reason });
      await page.close();
    });
  }, 300_000);
});
