import {
  ApplicationFailure,
  CancellationScope,
  condition,
  defineSignal,
  executeChild,
  getExternalWorkflowHandle,
  isCancellation,
  ParentClosePolicy,
  proxyActivities,
  setHandler,
  sleep,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';

const { echo } = proxyActivities<{ echo(text: string): Promise<string> }>({ startToCloseTimeout: '10s' });

/** A child that runs an activity and returns its greeting. */
export async function childGreeter(name: string): Promise<string> {
  return echo(`hello ${name} from ${workflowInfo().parent ? 'a child' : 'no parent'}`);
}

/** A child that fails. */
export async function failingChild(): Promise<string> {
  throw ApplicationFailure.nonRetryable('child gave up', 'ChildError');
}

/** A child that sleeps a day (so only its parent's close policy ends it). */
export async function sleepyChild(): Promise<string> {
  await sleep('1 day');
  return 'woke';
}

/** A child that fails its first attempt and succeeds on the next (its retry policy runs it again). */
export async function flakyChild(): Promise<string> {
  const { attempt } = workflowInfo();
  if (attempt === 1) throw ApplicationFailure.create({ message: 'first attempt fails', type: 'Flaky' });
  return `succeeded on attempt ${attempt}`;
}

/** Waits for a retried child: the parent hears only of the attempt that ends the chain. */
export async function parentOfFlakyChild(): Promise<string> {
  return executeChild(flakyChild, { workflowId: `${workflowInfo().workflowId}-child`, retry: { maximumAttempts: 2, initialInterval: '1s' } });
}

/** Runs two children one after the other and returns both results. */
export async function parentOfTwo(): Promise<string[]> {
  const first = await executeChild(childGreeter, { args: ['first'], workflowId: `${workflowInfo().workflowId}-child-1` });
  const second = await executeChild(childGreeter, { args: ['second'], workflowId: `${workflowInfo().workflowId}-child-2` });
  return [first, second];
}

/** Reports how its failing child failed. */
export async function parentOfFailingChild(): Promise<{ message: string; cause?: string }> {
  try {
    await executeChild(failingChild, { workflowId: `${workflowInfo().workflowId}-child` });
    return { message: 'child completed?' };
  } catch (err) {
    const e = err as Error & { cause?: Error };
    return { message: e.message, cause: e.cause?.message };
  }
}

/**
 * Starts a sleepy child with the given close policy and completes soon after, once the child has
 * surely run its first workflow task (so its history does not depend on that race).
 */
export async function parentThatLeaves(policy: 'TERMINATE' | 'ABANDON' | 'REQUEST_CANCEL'): Promise<string> {
  const child = await startChild(sleepyChild, {
    workflowId: `${workflowInfo().workflowId}-child`,
    parentClosePolicy: ParentClosePolicy[`PARENT_CLOSE_POLICY_${policy}`],
  });
  await sleep('2s');
  return child.workflowId;
}

/** Starts a sleepy child, then cancels it (the SDK sends RequestCancelExternalWorkflowExecution) and reports how it ended. */
export async function parentCancelsChild(): Promise<string> {
  try {
    await CancellationScope.cancellable(async () => {
      const handle = await startChild(sleepyChild, { workflowId: `${workflowInfo().workflowId}-child` });
      await sleep('1s');
      CancellationScope.current().cancel();
      await handle.result();
    });
    return 'child finished?';
  } catch (err) {
    return isCancellation(err) ? 'child cancelled' : `failed: ${(err as Error).message}`;
  }
}

/** Signals another workflow by id (SignalExternalWorkflowExecution), and one that does not exist. */
export async function signalSender(targetId: string): Promise<string[]> {
  const out: string[] = [];
  await getExternalWorkflowHandle(targetId).signal('addItem', 'from another workflow');
  out.push('delivered');
  try {
    await getExternalWorkflowHandle(`${targetId}-missing`).signal('addItem', 'to nobody');
    out.push('delivered to nobody?');
  } catch (err) {
    out.push(`failed: ${(err as Error).name}`);
  }
  return out;
}

const addItem = defineSignal<[string]>('addItem');

/** Waits for one addItem signal and returns its item. */
export async function signalTarget(): Promise<string> {
  let item: string | undefined;
  setHandler(addItem, (value) => void (item = value));
  await condition(() => item !== undefined);
  return item!;
}
