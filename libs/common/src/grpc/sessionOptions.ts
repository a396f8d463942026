/**
 * No per-session memory bound (Node's default is 10 MB, past which it refuses new streams with
 * ENHANCE_YOUR_CALM: a busy SDK connection with hundreds of polls and large histories can pass
 * it) and no bound on the headers a call sends back; grpc-js sets both the same way.
 */
export const UNBOUNDED_SESSION = { maxSessionMemory: Number.MAX_SAFE_INTEGER, maxSendHeaderBlockLength: Number.MAX_SAFE_INTEGER };
