import type { Payload, Payloads } from '@kairos/proto/temporal/api/common/v1/message';

const ENCODING = new TextEncoder().encode('json/plain');

/** A value as the SDKs' default converter writes it (json/plain), so either side can read the other's. */
export function jsonPayload(value: unknown): Payload {
  return { metadata: { encoding: ENCODING }, data: new TextEncoder().encode(JSON.stringify(value)), externalPayloads: [] };
}

export function jsonPayloads(...values: unknown[]): Payloads {
  return { payloads: values.map(jsonPayload) };
}

/** The first payload's value; throws on anything but json/plain, which the driver never sends. */
export function firstValue(payloads: Payloads | undefined): unknown {
  const p = payloads?.payloads[0];
  if (!p) return undefined;
  const encoding = new TextDecoder().decode(p.metadata.encoding ?? new Uint8Array());
  if (encoding !== 'json/plain') throw new Error(`unexpected payload encoding ${encoding}`);
  return JSON.parse(new TextDecoder().decode(p.data));
}
