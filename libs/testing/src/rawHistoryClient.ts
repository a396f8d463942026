import * as grpc from '@grpc/grpc-js';
import { HistoryServiceDefinition } from '@kairos/proto/kairos/historyservice/v1/service';

type Methods = typeof HistoryServiceDefinition.methods;
type RequestOf<K extends keyof Methods> = NonNullable<Parameters<Methods[K]['requestType']['fromPartial']>[0]>;
type ResponseOf<K extends keyof Methods> = ReturnType<Methods[K]['responseType']['decode']>;

export interface RawHistoryClient {
  /** One unary call of the internal history service, exactly as a caller inside the cluster would make it. */
  call<K extends keyof Methods>(method: K, request: RequestOf<K>): Promise<ResponseOf<K>>;
  close(): void;
}

interface UnaryMethod {
  name: string;
  requestType: { fromPartial(object: unknown): unknown; encode(message: unknown): { finish(): Uint8Array } };
  responseType: { decode(input: Uint8Array): unknown };
}

/**
 * A client of the internal history service (kairos.historyservice.v1) on raw grpc-js, so a test
 * can send a history instance any request directly, past the frontend's checks.
 */
export function rawHistoryClient(address: string): RawHistoryClient {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  return {
    call: <K extends keyof Methods>(method: K, request: RequestOf<K>) =>
      new Promise<ResponseOf<K>>((resolve, reject) => {
        const m = HistoryServiceDefinition.methods[method] as unknown as UnaryMethod;
        client.makeUnaryRequest(
          `/${HistoryServiceDefinition.fullName}/${m.name}`,
          (req: unknown) => Buffer.from(m.requestType.encode(m.requestType.fromPartial(req)).finish()),
          (buf: Buffer) => m.responseType.decode(buf),
          request,
          new grpc.Metadata(),
          { deadline: Date.now() + 10_000 },
          (err, res) => (err ? reject(err) : resolve(res as ResponseOf<K>)),
        );
      }),
    close: () => client.close(),
  };
}
