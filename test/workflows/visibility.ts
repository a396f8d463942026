import { defineSearchAttributeKey } from '@temporalio/common';
import { condition, continueAsNew, defineSignal, setHandler, upsertMemo, upsertSearchAttributes } from '@temporalio/workflow';

export const finish = defineSignal<[string?]>('finish');
export const reindex = defineSignal('reindex');

/** Custom search attributes the visibility suites register (names shared with the tests). */
export const VisBatch = defineSearchAttributeKey('VisBatch', 'KEYWORD');
export const VisAmount = defineSearchAttributeKey('VisAmount', 'INT');
export const VisTags = defineSearchAttributeKey('VisTags', 'KEYWORD_LIST');
export const VisNotFound = defineSearchAttributeKey('VisNeverRegistered', 'KEYWORD');

/** Waits for `finish`, then completes with its argument. */
export async function waitForFinish(): Promise<string> {
  let result: string | undefined;
  setHandler(finish, (value) => void (result = value ?? 'done'));
  await condition(() => result !== undefined);
  return result!;
}

/**
 * On `reindex`: raises VisAmount to 99, removes VisTags and adds a memo field, then waits for
 * `finish`. Upserts are recorded in history and change what List shows of the running run.
 */
export async function reindexOnSignal(): Promise<string> {
  let reindexed = false;
  let result: string | undefined;
  setHandler(reindex, () => void (reindexed = true));
  setHandler(finish, (value) => void (result = value ?? 'done'));
  await condition(() => reindexed);
  upsertSearchAttributes([
    { key: VisAmount, value: 99 },
    { key: VisTags, value: null },
  ]);
  upsertMemo({ stage: 'reindexed' });
  await condition(() => result !== undefined);
  return result!;
}

/** Sets a search attribute the namespace does not know: its workflow task fails (BadSearchAttributes). */
export async function upsertUnknown(): Promise<string> {
  upsertSearchAttributes([{ key: VisNotFound, value: 'x' }]);
  await condition(() => false);
  return 'unreachable';
}

/** Continues as new `times` times (keeping its search attributes), then waits for `finish`. */
export async function continueThenWait(times: number): Promise<string> {
  if (times > 0) await continueAsNew<typeof continueThenWait>(times - 1);
  return waitForFinish();
}
