import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Connection, Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { useOracleServers } from '../src/harness/oracle';
import { KAIROS_MAIN, temporalCliPath } from '../src/harness/paths';
import { withWorker } from '../src/harness/sdk';

const run = promisify(execFile);
const workflowsPath = require.resolve('../workflows/activities.ts');
const activities = { greet: async (name: string) => `Hello, ${name}!`, compose: async (g: string, n: string, p: string) => `${g}, ${n}${p}` };

async function temporal(address: string, ...args: string[]): Promise<string> {
  const { stdout } = await run(temporalCliPath(), [...args, '--address', address], { timeout: 60_000 });
  return stdout;
}

/** `kairos workflow import …`: its exit code and output. */
async function kairosImport(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [KAIROS_MAIN, 'workflow', 'import', ...args], { timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/**
 * The events as the CLI prints them, without what a store assigns (task ids), times to the
 * millisecond (Kairos keeps timestamps as milliseconds; Temporal records nanoseconds).
 */
const comparable = (exported: { events: Array<Record<string, unknown>> }) =>
  exported.events.map(({ taskId: _taskId, ...rest }) => JSON.parse(JSON.stringify(rest).replace(/(T\d\d:\d\d:\d\d)(\.\d{1,3})?\d*Z"/g, (_m, hms: string, frac?: string) => `${hms}${(frac ?? '.').padEnd(4, '0')}Z"`)));

describe('kairos workflow import: a history exported with `temporal workflow show -o json` kept as a closed run', () => {
  const servers = useOracleServers();
  const dir = mkdtempSync(join(tmpdir(), 'kairos-import-'));

  it('imports a completed run from the Temporal dev server: shown, listed and replayed on Kairos as it was', async () => {
    // The history comes from the real Temporal server (from Kairos itself when the oracle is off).
    const source = servers.reference ?? servers.kairos;
    const suffix = `${Date.now()}`;
    const taskQueue = `tq-import-${suffix}`;
    const workflowId = `wf-import-${suffix}`;
    await withWorker({ address: source.address, taskQueue, workflowsPath, activities }, (client) =>
      client.workflow.execute('greetOne', { taskQueue, workflowId, args: ['import'] }),
    );
    const exported = await temporal(source.address, 'workflow', 'show', '--workflow-id', workflowId, '-o', 'json');
    const file = join(dir, 'history.json');
    writeFileSync(file, exported);

    const importedId = `${workflowId}-imported`;
    const imported = await kairosImport(file, '--address', servers.kairos.address, '--workflow-id', importedId);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toMatch(new RegExp(`^Imported 11 events of workflow ${importedId} as run [0-9a-f-]{36} in namespace default`));

    const shown = JSON.parse(await temporal(servers.kairos.address, 'workflow', 'show', '--workflow-id', importedId, '-o', 'json'));
    expect(comparable(shown)).toEqual(comparable(JSON.parse(exported)));
    const listed = JSON.parse(await temporal(servers.kairos.address, 'workflow', 'list', '--query', `WorkflowId = '${importedId}'`, '-o', 'json'));
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ status: 'WORKFLOW_EXECUTION_STATUS_COMPLETED', type: { name: 'greetOne' } });

    // The SDK's replayer runs the workflow code against the history Kairos serves.
    const connection = await Connection.connect({ address: servers.kairos.address });
    try {
      const history = await new Client({ connection }).workflow.getHandle(importedId).fetchHistory();
      await Worker.runReplayHistory({ workflowsPath }, history);
      // Other workflow code replayed against it does not fit: the replay really checks.
      const [started, ...rest] = history.events!;
      const asOtherType = { ...started, workflowExecutionStartedEventAttributes: { ...started!.workflowExecutionStartedEventAttributes, workflowType: { name: 'greetSeveral' } } };
      await expect(Worker.runReplayHistory({ workflowsPath }, { events: [asOtherType, ...rest] })).rejects.toThrow();
    } finally {
      await connection.close();
    }

    const again = await kairosImport(file, '--address', servers.kairos.address, '--workflow-id', importedId);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('import refused (ALREADY_EXISTS): Run');
  });

  it('refuses a file cut short, a gap in the ids, a run not closed and an unknown namespace, naming the event, storing nothing', async () => {
    const address = servers.kairos.address;
    const suffix = `${Date.now()}`;
    const taskQueue = `tq-import-bad-${suffix}`;
    const workflowId = `wf-import-bad-${suffix}`;
    await withWorker({ address, taskQueue, workflowsPath, activities }, (client) => client.workflow.execute('greetOne', { taskQueue, workflowId, args: ['bad'] }));
    const exported = await temporal(address, 'workflow', 'show', '--workflow-id', workflowId, '-o', 'json');
    const events = JSON.parse(exported).events as Array<Record<string, unknown>>;
    const write = (name: string, text: string) => {
      const file = join(dir, name);
      writeFileSync(file, text);
      return file;
    };
    const refusal = async (file: string, ...flags: string[]) => {
      const target = `${workflowId}-${file.split('/').pop()}`;
      const result = await kairosImport(file, '--address', address, '--workflow-id', target, ...flags);
      expect(result.code).toBe(1);
      const count = await temporal(address, 'workflow', 'count', '--query', `WorkflowId = '${target}'`);
      expect(count.trim()).toBe('Total: 0');
      return result.stderr.trim();
    };
    const cut = exported.slice(0, exported.indexOf('"eventId": "7"') + 40);
    expect(await refusal(write('cut.json', cut))).toMatch(/is not valid JSON .*the problem is in or after history event 7 \(is the file cut short\?\)$/);
    expect(await refusal(write('gap.json', JSON.stringify({ events: events.filter((e) => e.eventId !== '5') })))).toBe(
      'kairos: import refused (INVALID_ARGUMENT): Cannot import the history: history event at position 5 has id 6: ids must run 1, 2, 3… without gaps (after event 4).',
    );
    expect(await refusal(write('open.json', JSON.stringify({ events: events.slice(0, -1) })))).toMatch(
      /^kairos: import refused \(INVALID_ARGUMENT\): Cannot import the history: history event 10 \(EVENT_TYPE_WORKFLOW_TASK_COMPLETED\) is the last, and the run is not closed/,
    );
    const wrongType = events.map((e) => (e.eventId === '6' ? { ...e, eventType: 'EVENT_TYPE_NO_SUCH_THING' } : e));
    expect(await refusal(write('bad-event.json', JSON.stringify({ events: wrongType })))).toMatch(/^kairos: .*bad-event\.json: history event 6 is not a HistoryEvent: /);
    expect(await refusal(write('whole.json', exported), '--namespace', 'no-such-namespace')).toBe(
      'kairos: import refused (NOT_FOUND): Namespace no-such-namespace is not found.',
    );
  });
});
