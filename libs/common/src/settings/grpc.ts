import { settingGroup } from './setting';

/** The gRPC servers of every service (`services/kairos`). */
export const GRPC_SETTINGS = settingGroup('grpc', {
  maxMessageSize: {
    type: 'size',
    unit: 'bytes',
    default: 128 * 1024 * 1024,
    readBy: ['frontend', 'history', 'matching'],
    readIn: 'services/kairos/src/publicServer.ts',
    why: "Largest gRPC message sent or received, as Temporal's SDK clients allow: well above the 2 MiB payload and 50 MiB history limits.",
  },
  minPingInterval: {
    type: 'duration',
    unit: 'ms',
    default: 5_000,
    readBy: ['frontend', 'history', 'matching'],
    readIn: 'services/kairos/src/publicServer.ts',
    why: 'Client pings closer than this are tolerated (never answered with GOAWAY); the SDKs ping every 30 s even when idle.',
  },
});
