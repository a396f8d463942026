import * as grpc from '@grpc/grpc-js';
import { WorkflowServiceDefinition } from '@kairos/proto/temporal/api/workflowservice/v1/service';

type Methods = typeof WorkflowServiceDefinition.methods;
export type MethodName = keyof Methods;
export type RequestOf<K extends MethodName> = Parameters<Methods[K]['requestType']['fromPartial']>[0];
export type ResponseOf<K extends MethodName> = ReturnType<Methods[K]['responseType']['decode']>;

/** A call that can be cancelled (long polls still waiting when the run ends). */
export interface PendingCall<T> {
  result: Promise<T>;
  cancel(): void;
}

export interface DriverClient {
  call<K extends MethodName>(method: K, request: RequestOf<K>, deadlineMs?: number): PendingCall<ResponseOf<K>>;
  close(): void;
}

/**
 * WorkflowService over plain grpc-js with Kairos's generated ts-proto codecs: no SDK, no
 * interceptors, so the driver spends as little CPU per call as a client can.
 */
export function driverClient(address: string): DriverClient {
  const client = new grpc.Client(address, grpc.credentials.createInsecure(), {
    // A poll response carries a whole history (workload C's run to about 400 events).
    'grpc.max_receive_message_length': 128 * 1024 * 1024,
  });
  return {
    call(method, request, deadlineMs = 30_000) {
      const { name, requestType, responseType } = WorkflowServiceDefinition.methods[method];
      let call: grpc.ClientUnaryCall | undefined;
      const result = new Promise<ResponseOf<typeof method>>((resolve, reject) => {
        call = client.makeUnaryRequest(
          `/${WorkflowServiceDefinition.fullName}/${name}`,
          (req: RequestOf<typeof method>) => Buffer.from(requestType.encode(requestType.fromPartial(req as never) as never).finish()),
          (buf: Buffer) => responseType.decode(buf) as ResponseOf<typeof method>,
          request,
          { deadline: Date.now() + deadlineMs },
          (err, res) => (err ? reject(err) : resolve(res!)),
        );
      });
      return { result, cancel: () => call?.cancel() };
    },
    close: () => client.close(),
  };
}

/** The gRPC status code of an error from a call, if it has one. */
export function grpcCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

export const GRPC_CANCELLED = grpc.status.CANCELLED;
