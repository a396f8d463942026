import { proxyActivities } from '@temporalio/workflow';

export interface OperationActivities {
  controlled(key: string): Promise<string>;
}

/**
 * One activity (id "op-1") that the test steers: it fails, heartbeats or completes as the test's
 * switch says. Retries every 2 s; an operator pauses, resets or changes it meanwhile.
 */
export async function operatedActivity(key: string): Promise<string> {
  const { controlled } = proxyActivities<OperationActivities>({
    activityId: 'op-1',
    startToCloseTimeout: '30s',
    heartbeatTimeout: '10s',
    retry: { initialInterval: '2s', backoffCoefficient: 1 },
  });
  return controlled(key);
}
