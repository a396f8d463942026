import { ScalarType, type DescField, type DescMessage } from '@bufbuild/protobuf';
import type { Json } from './payloadShorthand';

/** A path or query parameter the request's type cannot take (INVALID_ARGUMENT, grpc-gateway's words). */
export class ParameterError extends Error {}

type JsonObject = { [key: string]: Json };

/** Well-known types a parameter may set from its string form. */
const STRING_FORM_TYPES = new Set([
  'google.protobuf.Timestamp',
  'google.protobuf.Duration',
  'google.protobuf.FieldMask',
  'google.protobuf.StringValue',
  'google.protobuf.BytesValue',
]);
const WRAPPERS: Record<string, ScalarType> = {
  'google.protobuf.DoubleValue': ScalarType.DOUBLE,
  'google.protobuf.FloatValue': ScalarType.FLOAT,
  'google.protobuf.Int64Value': ScalarType.INT64,
  'google.protobuf.UInt64Value': ScalarType.UINT64,
  'google.protobuf.Int32Value': ScalarType.INT32,
  'google.protobuf.UInt32Value': ScalarType.UINT32,
  'google.protobuf.BoolValue': ScalarType.BOOL,
};

/**
 * The fields a dotted parameter name walks through (each step by proto name or JSON name, as
 * grpc-gateway looks them up), or undefined when the message has no such field: grpc-gateway
 * ignores such a query parameter.
 */
export function resolveFieldPath(desc: DescMessage, names: readonly string[]): DescField[] | undefined {
  const fields: DescField[] = [];
  let message: DescMessage | undefined = desc;
  for (const name of names) {
    if (!message) return undefined;
    const field: DescField | undefined = message.fields.find((f) => f.name === name) ?? message.fields.find((f) => f.jsonName === name);
    if (!field) return undefined;
    fields.push(field);
    message = field.fieldKind === 'message' ? field.message : undefined;
  }
  return fields;
}

/**
 * Sets the field at `fields` in a request's proto3 JSON from parameter text, converted as
 * grpc-gateway converts it (strconv's parsers and their messages); a repeated field takes every
 * value, any other field exactly one.
 */
export function setFieldFromText(target: JsonObject, fields: readonly DescField[], values: readonly string[]): void {
  let object = target;
  for (const field of fields.slice(0, -1)) {
    if (field.fieldKind !== 'message') throw new ParameterError(`invalid path: "${field.name}" is not a message`);
    const next = object[field.jsonName];
    object = typeof next === 'object' && next !== null && !Array.isArray(next) ? next : (object[field.jsonName] = {});
  }
  const leaf = fields.at(-1)!;
  const path = fields.map((f) => f.name).join('.');
  const convert = (text: string) => {
    try {
      return leafValue(leaf, text);
    } catch (err) {
      throw new ParameterError(`parsing field "${path}": ${(err as Error).message}`);
    }
  };
  if (leaf.fieldKind === 'list') object[leaf.jsonName] = values.map(convert);
  else if (leaf.fieldKind === 'map') throw new ParameterError(`parsing field "${path}": map fields are not supported as parameters`);
  else if (values.length > 1) throw new ParameterError(`too many values for field "${leaf.name}": ${values.join(', ')}`);
  else if (values.length === 1) object[leaf.jsonName] = convert(values[0]!);
}

function leafValue(field: DescField, text: string): Json {
  if (field.enum) {
    if (field.enum.values.some((v) => v.name === text)) return text;
    const number = /^[+-]?\d+$/.test(text) ? Number(text) : undefined;
    if (number === undefined || !field.enum.values.some((v) => v.number === number)) throw new Error(`${JSON.stringify(text)} is not a valid value`);
    return number;
  }
  if (field.message) {
    const name = field.message.typeName;
    if (STRING_FORM_TYPES.has(name)) return text;
    const wrapped = WRAPPERS[name];
    if (wrapped !== undefined) return scalarValue(wrapped, text);
    throw new Error(`unsupported message type: "${name}"`);
  }
  return scalarValue(field.scalar!, text);
}

function scalarValue(type: ScalarType, text: string): Json {
  switch (type) {
    case ScalarType.STRING:
      return text;
    case ScalarType.BYTES:
      return text;
    case ScalarType.BOOL:
      return parseBool(text);
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return parseFloat64(text);
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return parseInteger(text, 32, true);
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return parseInteger(text, 32, false);
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return String(parseBigInteger(text, 64, true));
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return String(parseBigInteger(text, 64, false));
  }
}

/** strconv.ParseBool. */
export function parseBool(text: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
  throw new Error(`strconv.ParseBool: parsing ${JSON.stringify(text)}: invalid syntax`);
}

function parseFloat64(text: string): number {
  const value = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text) ? Number(text) : /^[+-]?(inf|infinity)$/i.test(text) ? (text.startsWith('-') ? -Infinity : Infinity) : /^nan$/i.test(text) ? NaN : undefined;
  if (value === undefined) throw new Error(`strconv.ParseFloat: parsing ${JSON.stringify(text)}: invalid syntax`);
  return value;
}

function parseBigInteger(text: string, bits: number, signed: boolean): bigint {
  const fn = signed ? 'ParseInt' : 'ParseUint';
  if (!(signed ? /^[+-]?\d+$/ : /^\d+$/).test(text)) throw new Error(`strconv.${fn}: parsing ${JSON.stringify(text)}: invalid syntax`);
  const value = BigInt(text);
  const max = signed ? (1n << BigInt(bits - 1)) - 1n : (1n << BigInt(bits)) - 1n;
  const min = signed ? -(1n << BigInt(bits - 1)) : 0n;
  if (value > max || value < min) throw new Error(`strconv.${fn}: parsing ${JSON.stringify(text)}: value out of range`);
  return value;
}

/** strconv.ParseInt/ParseUint in base 10 for `bits`. */
export function parseInteger(text: string, bits: number, signed: boolean): number {
  return Number(parseBigInteger(text, bits, signed));
}

/**
 * Query parameters into a request's proto3 JSON, as grpc-gateway's PopulateQueryParameters: each
 * name a dotted field path, names the request has no field for ignored, and none for a field the
 * path or the body already set (`exclude`, proto-name paths: a parameter under one of them is skipped).
 */
export function applyQueryParameters(desc: DescMessage, target: JsonObject, query: URLSearchParams, exclude: readonly string[][]): void {
  for (const name of new Set(query.keys())) {
    const fields = resolveFieldPath(desc, name.split('.'));
    if (!fields) continue;
    const path = fields.map((f) => f.name);
    if (exclude.some((prefix) => prefix.length <= path.length && prefix.every((p, i) => p === path[i]))) continue;
    setFieldFromText(target, fields, query.getAll(name));
  }
}
