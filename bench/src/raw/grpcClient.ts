import { rawWorkflowClient, type PendingCall, type RawWorkflowClient, type WorkflowMethodName, type WorkflowRequestOf, type WorkflowResponseOf } from '@kairos/testing';

export type MethodName = WorkflowMethodName;
export type RequestOf<K extends MethodName> = WorkflowRequestOf<K>;
export type ResponseOf<K extends MethodName> = WorkflowResponseOf<K>;
export type { PendingCall };

/** What the driver needs of a WorkflowService client: cancellable calls (@kairos/testing's raw grpc-js client). */
export type DriverClient = Pick<RawWorkflowClient, 'start' | 'close'>;

export function driverClient(address: string): DriverClient {
  return rawWorkflowClient(address);
}

/** The gRPC status code of an error from a call, if it has one. */
export function grpcCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}
