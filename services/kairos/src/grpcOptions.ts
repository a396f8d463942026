import { setting } from '@kairos/common/settings';

/**
 * grpc-js's channelz bookkeeping, on by default, costs a tracker and timestamps per call; Kairos
 * serves no channelz service, so nothing reads it.
 */
const NO_CHANNELZ = { 'grpc.enable_channelz': 0 };

/** What the public gRPC server allows of a connection: the SDKs' keepalive pings. */
const KEEPALIVE_OPTIONS = {
  // SDKs ping every 30 s even when idle; never GOAWAY them for it.
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.http2.min_ping_interval_without_data_ms': setting('grpc.minPingInterval'),
  'grpc.http2.max_ping_strikes': 0,
};

/**
 * The public API server. Requests are bounded as Temporal's frontend bounds them (gRPC's 4 MiB):
 * grpc-js refuses a larger one from its length prefix with RESOURCE_EXHAUSTED, so it is never
 * buffered, and concurrent requests can hold at most that much each.
 */
export const PUBLIC_GRPC_SERVER_OPTIONS = {
  'grpc.max_receive_message_length': setting('grpc.maxReceiveMessageSize'),
  'grpc.max_send_message_length': setting('grpc.maxSendMessageSize'),
  ...KEEPALIVE_OPTIONS,
  ...NO_CHANNELZ,
};
