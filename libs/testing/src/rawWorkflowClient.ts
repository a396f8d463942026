import * as grpc from '@grpc/grpc-js';
import { WorkflowServiceDefinition } from '@kairos/proto/temporal/api/workflowservice/v1/service';

type Methods = typeof WorkflowServiceDefinition.methods;
type MethodName = keyof Methods;
type RequestOf<K extends MethodName> = Parameters<Methods[K]['requestType']['fromPartial']>[0];
type ResponseOf<K extends MethodName> = ReturnType<Methods[K]['responseType']['decode']>;

export interface RawWorkflowClient {
  /** One unary WorkflowService call; `deadlineMs` from now (30 s when omitted). Rejects with the grpc-js error. */
  call<K extends MethodName>(method: K, request: RequestOf<K>, deadlineMs?: number): Promise<ResponseOf<K>>;
  close(): void;
}

/**
 * A WorkflowService client on raw grpc-js with Kairos's own ts-proto codecs, for messages the
 * official SDK's protobufjs refuses to encode or decode (it stops at 100 levels of nesting).
 */
export function rawWorkflowClient(address: string): RawWorkflowClient {
  const client = new grpc.Client(address, grpc.credentials.createInsecure(), {
    'grpc.max_receive_message_length': 128 * 1024 * 1024,
  });
  return {
    call: (method, request, deadlineMs = 30_000) =>
      new Promise((resolve, reject) => {
        const { name, requestType, responseType } = WorkflowServiceDefinition.methods[method];
        client.makeUnaryRequest(
          `/${WorkflowServiceDefinition.fullName}/${name}`,
          (req: RequestOf<typeof method>) => Buffer.from(requestType.encode(requestType.fromPartial(req as never) as never).finish()),
          (buf: Buffer) => responseType.decode(buf) as ResponseOf<typeof method>,
          request,
          { deadline: Date.now() + deadlineMs },
          (err, res) => (err ? reject(err) : resolve(res!)),
        );
      }),
    close: () => client.close(),
  };
}
