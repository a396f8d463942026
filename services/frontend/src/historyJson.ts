import { fromJson, toBinary, type JsonValue } from '@bufbuild/protobuf';
import { HistoryEvent } from '@kairos/proto/temporal/api/history/v1/message';
import { publicApiRegistry } from './publicApiRegistry';

/**
 * One history event from its proto3 JSON (as `temporal workflow show -o json` and the HTTP API
 * write it: enums by name, int64 as strings, bytes as base64). Throws what does not fit.
 */
export function historyEventFromJson(json: unknown): HistoryEvent {
  const type = publicApiRegistry().getMessage('temporal.api.history.v1.HistoryEvent')!;
  return HistoryEvent.decode(toBinary(type, fromJson(type, json as JsonValue, { registry: publicApiRegistry() })));
}
