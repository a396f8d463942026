import type { DriverOptions } from './driver';

/** What one driver process runs: its options, its share of the workflows, and how to warm up. */
export interface PhasePlan {
  driver: DriverOptions;
  /** Workflow id prefix of the measured phase. */
  prefix: string;
  workflows: number;
  concurrency: number;
  /** Workflows run (and checked) before the measured phase, so neither side is cold. */
  warmup: number;
  /** Histories of the measured phase to read back and check. */
  historySample: number;
}

/** `total` split into `parts` near-equal shares (the first ones one larger). */
export function shares(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, k) => Math.floor(total / parts) + (k < total % parts ? 1 : 0));
}
