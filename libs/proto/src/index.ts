// Generated code lives in ./generated and is imported by path, e.g.
// `@kairos/proto/temporal/api/history/v1/message`. Hand-written helpers are exported here.
export { completeMessage, encodeMessage, withSharedResponseWriter } from './encoding';
export { rememberEncoding } from './rememberedEncodings';
