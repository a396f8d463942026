import type { ServerReflectionRequest, ServerReflectionResponse, ServerReflectionServiceImplementation } from '@kairos/proto/grpc/reflection/v1/reflection';

/**
 * gRPC server reflection (grpc.reflection.v1, and v1alpha which has the same messages): tools such
 * as grpcurl list the services, describe them and call them with no .proto files. Answers from the
 * descriptor set generated with the protos (@kairos/proto), so it describes exactly what is served.
 */
export function createReflectionHandler(serviceNames: readonly string[]): ServerReflectionServiceImplementation {
  // The descriptors are decoded by the first reflection call, not at start (reflectionAnswers).
  let answers: Promise<typeof import('./reflectionAnswers')> | undefined;
  return {
    async *serverReflectionInfo(requests: AsyncIterable<ServerReflectionRequest>): AsyncIterable<ServerReflectionResponse> {
      answers ??= import('./reflectionAnswers.js');
      const { answerReflection } = await answers;
      for await (const request of requests) yield answerReflection(serviceNames, request);
    },
  };
}

