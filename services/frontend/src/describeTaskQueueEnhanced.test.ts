import { describe, expect, it } from 'vitest';
import { TaskQueueType } from '@kairos/proto/temporal/api/enums/v1/task_queue';
import { DescribeTaskQueueRequest, DescribeTaskQueueResponse } from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import { describeTaskQueueEnhanced } from './describeTaskQueueEnhanced';

const asked: DescribeTaskQueueRequest[] = [];
async function describeType(request: DescribeTaskQueueRequest): Promise<DescribeTaskQueueResponse> {
  asked.push(request);
  return DescribeTaskQueueResponse.fromPartial({
    pollers: [{ identity: `poller-${request.taskQueueType}`, ratePerSecond: 5 }],
    stats: { approximateBacklogCount: request.taskQueueType },
  });
}
const request = (fields: Partial<DescribeTaskQueueRequest>) => DescribeTaskQueueRequest.fromPartial({ namespace: 'default', taskQueue: { name: 'q' }, apiMode: 1, ...fields });

describe('describeTaskQueueEnhanced', () => {
  it('answers the unversioned entry with each served type, pollers and stats as asked, reachable', async () => {
    const res = await describeTaskQueueEnhanced(request({ reportPollers: true, reportStats: true, reportTaskReachability: true }), describeType);
    expect(Object.keys(res.versionsInfo)).toEqual(['']);
    const info = res.versionsInfo['']!;
    expect(info.taskReachability).toBe(1);
    expect(info.typesInfo[TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW]).toMatchObject({ pollers: [{ identity: 'poller-1' }], stats: { approximateBacklogCount: 1 } });
    expect(info.typesInfo[TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY]).toMatchObject({ pollers: [{ identity: 'poller-2' }], stats: { approximateBacklogCount: 2 } });
  });

  it('leaves out what was not asked for, and Nexus (not served)', async () => {
    const res = await describeTaskQueueEnhanced(request({ taskQueueTypes: [TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY, TaskQueueType.TASK_QUEUE_TYPE_NEXUS] }), describeType);
    const info = res.versionsInfo['']!;
    expect(Object.keys(info.typesInfo)).toEqual(['2']);
    expect(info.typesInfo[2]).toEqual({ pollers: [], stats: undefined });
    expect(info.taskReachability).toBe(0);
  });

  it('a selection of build ids only has no entries', async () => {
    const res = await describeTaskQueueEnhanced(request({ versions: { buildIds: ['b1'], unversioned: false, allActive: false } }), describeType);
    expect(res.versionsInfo).toEqual({});
  });
});
