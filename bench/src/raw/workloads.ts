/**
 * The raw driver's workloads: the SDK harness's shapes (bench/src/workloads.ts) — A one activity,
 * B ten sequential activities, C a fan-out of 100 — decided by bench/src/raw/decider.ts.
 */
export type RawWorkloadName = 'A' | 'B' | 'C';

export interface RawWorkload {
  name: RawWorkloadName;
  workflowType: string;
  /** Activities each workflow runs. */
  activities: number;
  /** All at once in the first workflow task (C), or one after another (A, B). */
  parallel: boolean;
  /** The workflow's input for the i-th workflow of a run. */
  input(i: number): string;
  /** The input of activity k (1-based) of a workflow started with `input`. */
  activityInput(input: string, k: number): string;
  /** What the workflow returns: the client checks it. */
  result(input: string): unknown;
}

export const ACTIVITY_TYPE = 'greet';

/** What the activity worker answers; the decider checks every activity result against it. */
export const activityResult = (input: string) => `Hello, ${input}!`;

export const RAW_WORKLOADS: Record<RawWorkloadName, RawWorkload> = {
  // The result is the activity's (not the input), so a decider that skipped reading it would fail.
  A: { name: 'A', workflowType: 'rawOneActivity', activities: 1, parallel: false, input: (i) => `w${i}`, activityInput: (input) => input, result: (input) => activityResult(input) },
  B: { name: 'B', workflowType: 'rawTenSequential', activities: 10, parallel: false, input: (i) => `w${i}`, activityInput: (input, k) => `${input}-${k}`, result: () => 10 },
  C: { name: 'C', workflowType: 'rawFanOut', activities: 100, parallel: true, input: (i) => `w${i}`, activityInput: (_input, k) => `f${k}`, result: () => 100 },
};

export function rawWorkload(name: string): RawWorkload {
  const w = RAW_WORKLOADS[name as RawWorkloadName];
  if (!w) throw new Error(`the raw driver runs workloads A, B and C, not ${name}`);
  return w;
}
