import { BinaryWriter } from '@bufbuild/protobuf/wire';
import { HistoryEvent } from './generated/temporal/api/history/v1/message';

/**
 * History events whose encoding is known: the bytes history stored them as, or read them from.
 * Every event a worker or client receives was encoded once already, when it was written; a poll,
 * a history page or an eager start answers with those bytes instead of encoding the event again.
 */
const remembered = new WeakMap<HistoryEvent, Uint8Array>();

/**
 * Records that `event` encodes to `bytes` (its stored form). The event must not be changed
 * afterwards: it would still encode as these bytes. Events history has committed are shared and
 * never changed, so they qualify; anything that needs a changed event makes a copy, which encodes
 * as usual.
 */
export function rememberEncoding(event: HistoryEvent, bytes: Uint8Array): void {
  remembered.set(event, bytes);
}

const generatedEncode = HistoryEvent.encode;

/**
 * HistoryEvent's encode, as every message that holds events calls it (History's, so every
 * response with a history): a remembered event is written as its bytes. Installed once, on the
 * generated object itself, because the generated encoders of the enclosing messages look the
 * function up there; what it writes is exactly what the generated one would.
 */
HistoryEvent.encode = function encodeHistoryEvent(message: HistoryEvent, writer: BinaryWriter = new BinaryWriter()): BinaryWriter {
  const bytes = remembered.get(message);
  return bytes === undefined ? generatedEncode.call(HistoryEvent, message, writer) : writer.raw(bytes);
};
