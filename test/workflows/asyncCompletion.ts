import { ActivityFailure, proxyActivities } from '@temporalio/workflow';

const { completeLater } = proxyActivities<{ completeLater(label: string): Promise<string> }>({
  startToCloseTimeout: '30s',
  retry: { maximumAttempts: 1 },
});

/** Three activities that the test completes from outside the worker: by token, by id, failed by id. */
export async function asyncCompletion(): Promise<string[]> {
  const byToken = await completeLater('by-token');
  const byId = await completeLater('by-id');
  let failed = '';
  try {
    await completeLater('fail-by-id');
  } catch (err) {
    failed = err instanceof ActivityFailure ? `failed: ${err.cause?.message}` : 'unexpected';
  }
  return [byToken, byId, failed];
}
