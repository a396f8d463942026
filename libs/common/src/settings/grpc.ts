import { settingGroup } from './setting';

/** The gRPC servers and the calls between services (`services/kairos`). */
export const GRPC_SETTINGS = settingGroup('grpc', {
  maxErrorMessageLength: {
    type: 'size',
    unit: 'bytes',
    default: 4_000,
    readBy: ['frontend', 'history', 'matching'],
    readIn: 'libs/common/src/grpcErrors.ts',
    why: "Temporal's system.maxServiceErrorMessageLength: a longer error message (one naming a 10,000-character id) is cut to this, ending in '... <truncated>'.",
  },
  maxReceiveMessageSize: {
    type: 'size',
    unit: 'bytes',
    default: 4 * 1024 * 1024,
    readBy: ['frontend'],
    readIn: 'services/kairos/src/publicServer.ts',
    why: "Largest request the public API reads: Temporal's frontend keeps gRPC's 4 MiB default. A larger one is refused with RESOURCE_EXHAUSTED from its length prefix, before its body is read.",
  },
  maxSendMessageSize: {
    type: 'size',
    unit: 'bytes',
    default: 128 * 1024 * 1024,
    readBy: ['frontend'],
    readIn: 'services/kairos/src/publicServer.ts',
    why: "Largest response the public API sends, the 128 MiB Temporal's SDK clients accept: well above the 50 MiB history limit.",
  },
  internalMaxMessageSize: {
    type: 'size',
    unit: 'bytes',
    default: 128 * 1024 * 1024,
    readBy: ['frontend', 'history', 'matching'],
    readIn: 'services/kairos/src/startService.ts',
    why: "Largest message between frontend, history and matching (Temporal's internode 128 MiB): a poll response carries a whole history, and a forwarded request is slightly larger than the client's.",
  },
  maxNestingDepth: {
    type: 'count',
    unit: 'items',
    default: 4_000,
    readBy: ['frontend', 'history', 'matching'],
    readIn: 'libs/proto/scripts/decodeDepth.mjs',
    why: "Deepest message nesting decoded (a failure's cause chain); deeper is refused before any handler runs. ts-proto's 100 refused Temporal-accepted chains; Go's 10,000 would overflow Node's stack past about 5,500.",
  },
});
