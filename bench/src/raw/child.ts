// One forked driver process of a --driver-processes run (bench/src/raw/processes.ts drives it over
// IPC): warm up, say ready, run the measured phase on 'go', report it, check its sampled histories.
import { RawDriver } from './driver';
import type { PhasePlan } from './phasePlan';
import type { ChildMessage, ParentMessage } from './processes';

const send = (m: ChildMessage) => process.send!(m);

async function main(plan: PhasePlan): Promise<void> {
  const driver = new RawDriver(plan.driver);
  try {
    if (plan.warmup > 0) await driver.measure(`${plan.prefix}-warmup`, plan.warmup, Math.min(plan.warmup, plan.concurrency));
    const go = new Promise<void>((resolve) => process.on('message', (m: ParentMessage) => m.type === 'go' && resolve()));
    send({ type: 'ready' });
    await go;
    const phase = await driver.measure(plan.prefix, plan.workflows, plan.concurrency);
    send({ type: 'measured', phase: { ...phase, ids: [] } });
    const samples = await driver.checkHistories(phase.ids.slice(0, plan.historySample));
    send({ type: 'done', samples, peakRssMiB: process.resourceUsage().maxRSS / 1024 });
  } finally {
    await driver.stop();
  }
}

process.once('message', (m: ParentMessage) => {
  if (m.type !== 'plan') return;
  main(m.plan).then(
    () => process.disconnect(),
    (err: unknown) => {
      send({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
      process.exit(1);
    },
  );
});
