import { fromBinary, fromJson, toBinary, toJson, type DescMessage, type JsonValue, type Registry } from '@bufbuild/protobuf';
import { applyQueryParameters, ParameterError, resolveFieldPath, setFieldFromText } from './fieldPaths';
import { fullEnumName, rewriteMessageJson } from './jsonWalk';
import { readPayload, readPayloads, renderPayload, renderPayloads, ShorthandError, type Json } from './payloadShorthand';
import type { PathParams } from './pathTemplate';
import type { HttpRoute } from './routeTable';
import { firstUnknownField, keyPosition } from './unknownFields';

/** A request the HTTP API cannot turn into its RPC's message (INVALID_ARGUMENT with this text). */
export class BadRequestError extends Error {}

export interface JsonOptions {
  /** Payloads in Temporal's shorthand (the default; off with `noPayloadShorthand`). */
  shorthand: boolean;
  /** Indented output (`pretty`). */
  pretty: boolean;
}

type JsonObject = { [key: string]: Json };

/**
 * An HTTP request as its RPC's request message (protobuf binary), built as grpc-gateway builds it:
 * the body (the whole message for body `*`, one field for a field name), then the path
 * parameters over it, then, unless the body is the whole message, the query parameters for the
 * fields neither set. Payloads may be in shorthand, enums in Temporal's short names.
 */
export function decodeHttpRequest(
  route: HttpRoute,
  pathParams: PathParams,
  query: URLSearchParams,
  body: string,
  registry: Registry,
  options: Pick<JsonOptions, 'shorthand'>,
): Uint8Array {
  let json: JsonObject = {};
  if (route.body !== '') {
    const parsed = parseBody(body);
    const bodyType = route.body === '*' ? route.input : route.input.fields.find((f) => f.name === route.body)?.message;
    const unknown = parsed !== undefined && bodyType ? firstUnknownField(bodyType, parsed, registry) : undefined;
    // Temporal's JSON reader names the first unknown key and where it is.
    if (unknown) throw new BadRequestError(`temporalproto: (line ${keyPosition(body, unknown) ?? '1:1'}): unknown field ${JSON.stringify(unknown.at(-1))}`);
    if (route.body === '*') {
      if (parsed !== undefined) {
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new BadRequestError(`cannot decode ${route.input.typeName} from JSON: not an object`);
        json = parsed;
      }
    } else {
      const field = route.input.fields.find((f) => f.name === route.body);
      if (!field) throw new Error(`route ${route.template.source}: body field ${route.body} is not in ${route.input.typeName}`);
      if (parsed !== undefined) json[field.jsonName] = parsed;
    }
  }
  try {
    json = rewriteMessageJson(route.input, json, registry, {
      payload: options.shorthand ? readPayload : (v) => v,
      payloads: options.shorthand ? readPayloads : (v) => v,
      enumValue: fullEnumName,
    }) as JsonObject;
    for (const { fieldPath, value } of pathParams) {
      const fields = resolveFieldPath(route.input, fieldPath);
      if (!fields) throw new Error(`route ${route.template.source}: ${fieldPath.join('.')} is not a field of ${route.input.typeName}`);
      try {
        setFieldFromText(json, fields, [value]);
      } catch (err) {
        throw new ParameterError(`type mismatch, parameter: ${fieldPath.join('.')}, error: ${(err as Error).message}`);
      }
    }
    if (route.body !== '*') {
      const setElsewhere = pathParams.map((p) => p.fieldPath);
      if (route.body !== '') setElsewhere.push([route.body]);
      applyQueryParameters(route.input, json, query, setElsewhere);
    }
  } catch (err) {
    if (err instanceof ParameterError || err instanceof ShorthandError) throw new BadRequestError(err.message);
    throw err;
  }
  try {
    return toBinary(route.input, fromJson(route.input, json as JsonValue, { registry }));
  } catch (err) {
    throw new BadRequestError((err as Error).message);
  }
}

/** The body's JSON, or undefined for an empty body (grpc-gateway takes EOF as an empty request). */
function parseBody(body: string): Json | undefined {
  if (body.trim() === '') return undefined;
  try {
    return JSON.parse(body) as Json;
  } catch (err) {
    const message = (err as Error).message;
    // A body cut short is "unexpected EOF" in Go's words; other syntax errors keep JSON.parse's.
    throw new BadRequestError(/end of JSON input/.test(message) ? 'unexpected EOF' : message);
  }
}

/** A message (protobuf binary of type `desc`) as the HTTP API's JSON text. */
export function renderMessage(desc: DescMessage, bytes: Uint8Array, registry: Registry, options: JsonOptions): string {
  return renderJson(messageJson(desc, bytes, registry, options), options);
}

/** A message's proto3 JSON with payloads rendered as `options` says. */
export function messageJson(desc: DescMessage, bytes: Uint8Array, registry: Registry, options: Pick<JsonOptions, 'shorthand'>): Json {
  const json = toJson(desc, fromBinary(desc, bytes), { registry }) as Json;
  const keep = (v: Json) => v;
  return rewriteMessageJson(desc, json, registry, {
    payload: options.shorthand ? renderPayload : keep,
    payloads: options.shorthand ? renderPayloads : keep,
    sortMapKeys: true,
  });
}

export function renderJson(json: Json, options: Pick<JsonOptions, 'pretty'>): string {
  return options.pretty ? JSON.stringify(json, null, 2) : JSON.stringify(json);
}
