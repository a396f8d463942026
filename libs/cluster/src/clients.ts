import type { Client } from 'nice-grpc';
import type { HistoryServiceDefinition } from '@kairos/proto/kairos/historyservice/v1/service';
import type { MatchingServiceDefinition } from '@kairos/proto/kairos/matchingservice/v1/service';

/** How one service reaches another: in-process in the embedded server, over gRPC in a cluster. */
export type HistoryClient = Client<typeof HistoryServiceDefinition>;
export type MatchingClient = Client<typeof MatchingServiceDefinition>;
