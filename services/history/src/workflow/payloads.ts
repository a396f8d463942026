import { Payloads } from './protos';

/** Encoded size of a payloads message (what Temporal's blob size limits measure). */
export function payloadsSize(payloads: Payloads | undefined): number {
  return payloads ? Payloads.encode(payloads).finish().length : 0;
}
