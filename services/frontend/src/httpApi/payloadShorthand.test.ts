import { describe, expect, it } from 'vitest';
import { goJson, readPayload, readPayloads, renderPayload, renderPayloads } from './payloadShorthand';

const b64 = (text: string) => Buffer.from(text).toString('base64');
const plain = (json: string) => ({ metadata: { encoding: b64('json/plain') }, data: b64(json) });
const binaryNull = { metadata: { encoding: b64('binary/null') } };

describe('payload shorthand out', () => {
  it('renders a json/plain payload as its value, keys sorted as Go writes a map', () => {
    expect(renderPayload(plain('{"b":1,"a":[true,null]}'))).toEqual({ a: [true, null], b: 1 });
    expect(Object.keys(renderPayload(plain('{"b":1,"a":2}')) as object)).toEqual(['a', 'b']);
  });

  it('renders binary/null, and a JSON null, as the binary/null payload', () => {
    expect(renderPayload(binaryNull)).toEqual(binaryNull);
    expect(renderPayload(plain('null'))).toEqual(binaryNull);
  });

  it('renders json/protobuf with its message type, and keeps other payloads standard', () => {
    const proto = { metadata: { encoding: b64('json/protobuf'), messageType: b64('foo.Bar') }, data: b64('{"z":1}') };
    expect(renderPayload(proto)).toEqual({ _protoMessageType: 'foo.Bar', z: 1 });
    const binary = { metadata: { encoding: b64('binary/plain') }, data: 'AAEC' };
    expect(renderPayload(binary)).toBe(binary);
    // More metadata than the encoding: not shorthand.
    const extra = { metadata: { encoding: b64('json/plain'), x: b64('y') }, data: b64('1') };
    expect(renderPayload(extra)).toBe(extra);
  });

  it('renders Payloads as an array only when every payload has a shorthand', () => {
    expect(renderPayloads({ payloads: [plain('"s"'), plain('3')] })).toEqual(['s', 3]);
    expect(renderPayloads({})).toEqual([]);
    const binary = { metadata: { encoding: b64('binary/plain') }, data: 'AAEC' };
    expect(renderPayloads({ payloads: [binary, plain('3')] })).toEqual({ payloads: [binary, 3] });
  });
});

describe('payload shorthand in', () => {
  it('reads any JSON value as a json/plain payload written as Go writes it', () => {
    expect(readPayload({ b: 'x<y', a: 1 })).toEqual(plain('{"a":1,"b":"x\\u003cy"}'));
    expect(readPayload('s')).toEqual(plain('"s"'));
    expect(readPayload(null)).toEqual(binaryNull);
  });

  it('keeps the standard form, and reads _protoMessageType as json/protobuf', () => {
    const standard = { metadata: { encoding: b64('binary/plain') }, data: 'AAEC' };
    expect(readPayload(standard)).toBe(standard);
    expect(readPayload(binaryNull)).toEqual(binaryNull);
    expect(readPayload({ _protoMessageType: 'foo.Bar', z: 1, a: 2 })).toEqual({
      metadata: { encoding: b64('json/protobuf'), messageType: b64('foo.Bar') },
      data: b64('{"a":2,"z":1}'),
    });
    // An object with a metadata key that is not a payload's is a plain value.
    expect(readPayload({ metadata: 1 })).toEqual(plain('{"metadata":1}'));
    expect(() => readPayload({ _protoMessageType: 1 })).toThrow(/should have type string/);
  });

  it('reads an array as Payloads, null as none, and the standard form payload by payload', () => {
    expect(readPayloads([1, 'a'])).toEqual({ payloads: [plain('1'), plain('"a"')] });
    expect(readPayloads(null)).toEqual({});
    expect(readPayloads({ payloads: [2] })).toEqual({ payloads: [plain('2')] });
  });

  it("escapes as Go's encoding/json", () => {
    expect(goJson({ s: '<&>\u2028' })).toBe('{"s":"\\u003c\\u0026\\u003e\\u2028"}');
    expect(goJson([1.5, 12345678901234567890])).toBe('[1.5,12345678901234567000]');
  });
});
