import { writeFileSync } from 'node:fs';
import { coldStart } from './coldStart';
import { openWorkflowsRestart } from './openRestart';
import { stateScaleRun, stateScaleTable, type StateScaleServer } from './stateScale';

type Arg = (name: string) => string | undefined;

/**
 * The state and start-up modes of bench/dist/main.js (issue 18, goals 6 and 7); each replaces the
 * workloads and starts its own servers:
 *   --state-scale N [--seeds S] [--repetitions R] [--servers kairos,kairos-postgres,temporal]
 *   --open-workflows-restart N [--concurrency C] [--restarts R]
 *   --cold-start [--repetitions R] [--servers kairos,temporal]
 * Returns false when none of them was asked for.
 */
export async function runStateModes(arg: Arg): Promise<boolean> {
  const namespace = arg('namespace') ?? 'default';
  const json = arg('json');
  const rows = arg('state-scale');
  if (rows) {
    const reports = await stateScaleRun({
      rows: Number(rows),
      seeds: Number(arg('seeds') ?? 2_000),
      repetitions: Number(arg('repetitions') ?? 50),
      servers: (arg('servers') ?? 'kairos,kairos-postgres,temporal').split(',') as StateScaleServer[],
      namespace,
    });
    console.log(stateScaleTable(reports));
    if (json) writeFileSync(json, JSON.stringify({ stateScale: reports }, null, 2));
    return true;
  }
  const open = arg('open-workflows-restart');
  if (open) {
    const report = await openWorkflowsRestart(Number(open), Number(arg('concurrency') ?? 20), Number(arg('restarts') ?? 3), namespace);
    const lines = [
      ['open workflows', 'opened in s', 'RSS open MiB', 'peak MiB', 'database MiB', 'restart → serving ms', 'restart → workflow served ms', 'RSS after restart MiB', 'running after'],
      [report.openWorkflows, report.openSeconds, report.rssOpenMiB, report.peakRssWhileOpeningMiB, report.databaseMiB,
        report.restarts.map((r) => r.servingMs).join(' / '), report.restarts.map((r) => r.workflowServedMs).join(' / '), report.restarts.map((r) => r.rssMiB).join(' / '), report.runningAfterRestart],
    ];
    console.log(lines.map((l) => `| ${l.join(' | ')} |`).join('\n'));
    if (json) writeFileSync(json, JSON.stringify({ openWorkflowsRestart: report }, null, 2));
    return true;
  }
  if (process.argv.includes('--cold-start')) {
    const reports = await coldStart((arg('servers') ?? 'kairos,temporal').split(',') as Array<'kairos' | 'temporal'>, Number(arg('repetitions') ?? 5));
    const lines = [['server', 'fresh DB ms (median)', 'runs', 'existing DB ms (median)', 'runs', 'CPU to serving ms', 'RSS MiB'], ...reports.map((r) => [r.server, r.medianFreshMs, r.freshDbMs.join(' '), r.medianExistingMs, r.existingDbMs.join(' '), r.cpuMs, r.rssMiB])];
    console.log(lines.map((l) => `| ${l.join(' | ')} |`).join('\n'));
    if (json) writeFileSync(json, JSON.stringify({ coldStart: reports }, null, 2));
    return true;
  }
  return false;
}
