import { describe, expect, it } from 'vitest';
import { Route, TaskQueueKind } from '@kairos/proto/kairos/routing/v1/routing';
import { declaredRoute } from './declaredRoute';

/** An option value as ts-proto stores it: the length-prefixed payload (lengths here < 128). */
const option = (route: Route) => {
  const body = Route.encode(route).finish();
  return Uint8Array.from([body.length, ...body]);
};
const ROUTE_TAG = (50301 << 3) | 2;

describe('declaredRoute', () => {
  it('reads the route option of a method', () => {
    const route = option({ taskQueue: { name: 'task_queue', kind: TaskQueueKind.TASK_QUEUE_KIND_ACTIVITY } });
    expect(declaredRoute({ options: { _unknownFields: { [ROUTE_TAG]: [route] } } })?.taskQueue).toEqual({
      name: 'task_queue',
      kind: TaskQueueKind.TASK_QUEUE_KIND_ACTIVITY,
      kindName: undefined,
      taskQueueType: undefined,
    });
  });

  it('refuses an option in several occurrences, which it could not merge', () => {
    const parts = [option({ taskQueue: { name: 'task_queue' } }), option({ taskQueue: { name: '', kind: TaskQueueKind.TASK_QUEUE_KIND_ACTIVITY } })];
    expect(() => declaredRoute({ options: { _unknownFields: { [ROUTE_TAG]: parts } } })).toThrow(/more than once/);
  });

  it('is undefined for a method without one', () => {
    expect(declaredRoute({ options: {} })).toBeUndefined();
    expect(declaredRoute({ options: { _unknownFields: { 402418: [Uint8Array.from([0])] } } })).toBeUndefined();
  });

  it('refuses a truncated option', () => {
    expect(() => declaredRoute({ options: { _unknownFields: { [ROUTE_TAG]: [Uint8Array.from([9, 1])] } } })).toThrow(/malformed/);
  });
});
