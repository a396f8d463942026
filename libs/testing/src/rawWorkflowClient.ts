import * as grpc from '@grpc/grpc-js';
import { WorkflowServiceDefinition } from '@kairos/proto/temporal/api/workflowservice/v1/service';

type Methods = typeof WorkflowServiceDefinition.methods;
export type WorkflowMethodName = keyof Methods;
export type WorkflowRequestOf<K extends WorkflowMethodName> = Parameters<Methods[K]['requestType']['fromPartial']>[0];
export type WorkflowResponseOf<K extends WorkflowMethodName> = ReturnType<Methods[K]['responseType']['decode']>;

/** A call under way that can be cancelled (a long poll still waiting when its caller is done). */
export interface PendingCall<T> {
  result: Promise<T>;
  cancel(): void;
}

export interface RawWorkflowClient {
  /** One unary WorkflowService call; `deadlineMs` from now (30 s when omitted). Rejects with the grpc-js error. */
  call<K extends WorkflowMethodName>(method: K, request: WorkflowRequestOf<K>, deadlineMs?: number): Promise<WorkflowResponseOf<K>>;
  /** The same call, cancellable while it waits. */
  start<K extends WorkflowMethodName>(method: K, request: WorkflowRequestOf<K>, deadlineMs?: number): PendingCall<WorkflowResponseOf<K>>;
  close(): void;
}

/**
 * A WorkflowService client on raw grpc-js with Kairos's own ts-proto codecs: for messages the
 * official SDK's protobufjs refuses to encode or decode (it stops at 100 levels of nesting), and
 * for the bench's load driver, which needs a client that spends as little CPU per call as one can.
 */
export function rawWorkflowClient(address: string): RawWorkflowClient {
  const client = new grpc.Client(address, grpc.credentials.createInsecure(), {
    // A poll response carries a whole history.
    'grpc.max_receive_message_length': 128 * 1024 * 1024,
  });
  const start: RawWorkflowClient['start'] = (method, request, deadlineMs = 30_000) => {
    const { name, requestType, responseType } = WorkflowServiceDefinition.methods[method];
    let call: grpc.ClientUnaryCall | undefined;
    const result = new Promise<WorkflowResponseOf<typeof method>>((resolve, reject) => {
      call = client.makeUnaryRequest(
        `/${WorkflowServiceDefinition.fullName}/${name}`,
        (req: WorkflowRequestOf<typeof method>) => Buffer.from(requestType.encode(requestType.fromPartial(req as never) as never).finish()),
        (buf: Buffer) => responseType.decode(buf) as WorkflowResponseOf<typeof method>,
        request,
        { deadline: Date.now() + deadlineMs },
        (err, res) => (err ? reject(err) : resolve(res!)),
      );
    });
    return { result, cancel: () => call?.cancel() };
  };
  return {
    start,
    call: (method, request, deadlineMs) => start(method, request, deadlineMs).result,
    close: () => client.close(),
  };
}
