import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { RawDriver, type HistorySamples, type MeasuredPhase } from './driver';
import type { PhasePlan } from './phasePlan';

export type ParentMessage = { type: 'plan'; plan: PhasePlan } | { type: 'go' };
export type ChildMessage =
  | { type: 'ready' }
  | { type: 'measured'; phase: MeasuredPhase }
  | { type: 'done'; samples: HistorySamples; peakRssMiB: number }
  | { type: 'error'; message: string };

/** What the drivers did, for the report. */
export interface DriversOutcome {
  phases: MeasuredPhase[];
  samples: HistorySamples[];
  /** The largest driver process's peak RSS, MiB. */
  driverPeakRssMiB: number;
}

/** Called when every driver warmed up (just before the measured phase) and when all finished it. */
export interface PhaseHooks {
  beforeMeasure(): void;
  afterMeasure(): void;
}

/** One driver in this process (its CPU then includes the harness's little bookkeeping). */
export async function runInProcess(plan: PhasePlan, hooks: PhaseHooks): Promise<DriversOutcome> {
  const driver = new RawDriver(plan.driver);
  try {
    if (plan.warmup > 0) await driver.measure(`${plan.prefix}-warmup`, plan.warmup, Math.min(plan.warmup, plan.concurrency));
    hooks.beforeMeasure();
    const phase = await driver.measure(plan.prefix, plan.workflows, plan.concurrency);
    hooks.afterMeasure();
    const samples = await driver.checkHistories(phase.ids.slice(0, plan.historySample));
    return { phases: [phase], samples: [samples], driverPeakRssMiB: process.resourceUsage().maxRSS / 1024 };
  } finally {
    await driver.stop();
  }
}

/** Waits for each child's next message of `type`; a child's error or early exit rejects. */
function nextOf<T extends ChildMessage['type']>(child: ChildProcess, type: T): Promise<Extract<ChildMessage, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: ChildMessage) => {
      if (m.type === 'error') finish(() => reject(new Error(`driver process ${child.pid}: ${m.message}`)));
      else if (m.type === type) finish(() => resolve(m as Extract<ChildMessage, { type: T }>));
    };
    const onExit = (code: number | null) => finish(() => reject(new Error(`driver process ${child.pid} exited with ${code} before '${type}'`)));
    const finish = (then: () => void) => {
      child.off('message', onMessage);
      child.off('exit', onExit);
      then();
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/**
 * K forked driver processes, each with its plan (own task queue, share of the workflows): all warm
 * up, then start the measured phase together, so the hooks bracket the same interval for all.
 */
export async function runForked(plans: PhasePlan[], hooks: PhaseHooks): Promise<DriversOutcome> {
  const children = plans.map(() => fork(join(__dirname, 'child.js'), [], { stdio: 'inherit' }));
  try {
    const ready = children.map((c) => nextOf(c, 'ready'));
    children.forEach((c, k) => c.send({ type: 'plan', plan: plans[k]! } satisfies ParentMessage));
    await Promise.all(ready);
    const measured = children.map((c) => nextOf(c, 'measured'));
    const done = children.map((c) => nextOf(c, 'done'));
    // A child failing later must not leave these unobserved.
    for (const p of done) p.catch(() => {});
    hooks.beforeMeasure();
    for (const c of children) c.send({ type: 'go' } satisfies ParentMessage);
    const phases = (await Promise.all(measured)).map((m) => m.phase);
    hooks.afterMeasure();
    const finished = await Promise.all(done);
    return { phases, samples: finished.map((d) => d.samples), driverPeakRssMiB: Math.max(...finished.map((d) => d.peakRssMiB)) };
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  }
}
