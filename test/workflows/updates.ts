import { ApplicationFailure, condition, defineSignal, defineUpdate, proxyActivities, setHandler } from '@temporalio/workflow';

export const add = defineUpdate<number, [number]>('add');
export const addSlowly = defineUpdate<number, [number]>('addSlowly');
export const failingUpdate = defineUpdate<void, [string]>('failingUpdate');
export const waitForever = defineUpdate<string, []>('waitForever');
export const finishUpdate = defineUpdate<number, []>('finishUpdate');
export const finish = defineSignal('finish');

interface Activities {
  double(n: number): Promise<number>;
}
const { double } = proxyActivities<Activities>({ startToCloseTimeout: '10s' });

/**
 * A counter changed by updates until finished (by signal or update). `add` rejects negative
 * numbers in its validator; `addSlowly` runs an activity before answering; `failingUpdate` is
 * accepted and then fails; `waitForever` is accepted and never completes.
 */
export async function counter(): Promise<number> {
  let count = 0;
  let done = false;
  setHandler(
    add,
    (n) => {
      count += n;
      return count;
    },
    {
      validator: (n) => {
        if (n < 0) throw new Error(`cannot add a negative number: ${n}`);
      },
    },
  );
  setHandler(addSlowly, async (n) => {
    count += await double(n);
    return count;
  });
  setHandler(failingUpdate, (reason) => {
    throw ApplicationFailure.create({ message: `update failed: ${reason}`, type: 'UpdateFailure', nonRetryable: true });
  });
  setHandler(waitForever, async () => {
    await condition(() => false);
    return 'never';
  });
  setHandler(finishUpdate, () => {
    done = true;
    return count;
  });
  setHandler(finish, () => void (done = true));
  await condition(() => done);
  return count;
}
