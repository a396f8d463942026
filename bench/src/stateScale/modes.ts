import { writeFileSync } from 'node:fs';
import { stateScaleRun, stateScaleTable, type StateScaleServer } from './stateScale';

type Arg = (name: string) => string | undefined;

/**
 * The state and start-up modes of bench/dist/main.js (issue 18, goals 6 and 7); each replaces the
 * workloads and starts its own servers:
 *   --state-scale N [--seeds S] [--repetitions R] [--servers kairos,kairos-postgres,temporal]
 *   --open-workflows-restart N [--concurrency C]
 *   --cold-start [--repetitions R]
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
  return false;
}
