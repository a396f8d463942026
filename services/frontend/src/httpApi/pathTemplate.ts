/**
 * The path templates of `google.api.http` rules (`/api/v1/namespaces/{namespace}/workflows/{execution.workflow_id}`,
 * `/v1/{name=projects/*}:verb`), parsed once and matched against request paths the way
 * grpc-gateway's mux matches them: the percent-decoded path split on `/`, a verb only when the
 * template has one, `{field}` one segment, `{field=**}` and `**` the rest.
 */

type Segment =
  | { kind: 'literal'; text: string }
  /** `*`: any one segment. */
  | { kind: 'any' }
  /** `**`: the remaining segments (only last). */
  | { kind: 'rest' };

/** A variable binds a field path to the segments `start` .. `end` (exclusive; `end` undefined: to the end). */
interface Variable {
  fieldPath: string[];
  start: number;
  end: number | undefined;
}

export interface PathTemplate {
  /** The template as written in the proto. */
  source: string;
  segments: Segment[];
  variables: Variable[];
  verb?: string;
}

/** Field path (dotted proto names) → the value it takes from the path. */
export type PathParams = Array<{ fieldPath: string[]; value: string }>;

export function parsePathTemplate(source: string): PathTemplate {
  if (!source.startsWith('/')) throw new Error(`path template ${source}: must start with /`);
  let body = source.slice(1);
  let verb: string | undefined;
  // A verb follows the last ':' that is outside braces.
  const lastBrace = body.lastIndexOf('}');
  const colon = body.indexOf(':', lastBrace + 1);
  if (colon >= 0) {
    verb = body.slice(colon + 1);
    body = body.slice(0, colon);
  }
  const segments: Segment[] = [];
  const variables: Variable[] = [];
  for (const token of splitOutsideBraces(body)) {
    if (token.startsWith('{')) {
      if (!token.endsWith('}')) throw new Error(`path template ${source}: unclosed variable ${token}`);
      const [field, pattern = '*'] = token.slice(1, -1).split('=', 2) as [string, string?];
      const start = segments.length;
      for (const part of pattern.split('/')) segments.push(segmentOf(part, source));
      const endsInRest = segments.at(-1)?.kind === 'rest';
      variables.push({ fieldPath: field.split('.'), start, end: endsInRest ? undefined : segments.length });
    } else {
      segments.push(segmentOf(token, source));
    }
  }
  segments.forEach((s, i) => {
    if (s.kind === 'rest' && i !== segments.length - 1) throw new Error(`path template ${source}: ** must be last`);
  });
  return { source, segments, variables, ...(verb !== undefined && { verb }) };
}

function segmentOf(part: string, source: string): Segment {
  if (part === '*') return { kind: 'any' };
  if (part === '**') return { kind: 'rest' };
  if (part === '' || /[{}]/.test(part)) throw new Error(`path template ${source}: bad segment ${JSON.stringify(part)}`);
  return { kind: 'literal', text: part };
}

/** `a/{b=c/*}/d` → `a`, `{b=c/*}`, `d`. */
function splitOutsideBraces(text: string): string[] {
  const tokens: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '{') depth++;
    if (ch === '}') depth--;
    if (ch === '/' && depth === 0) {
      tokens.push(current);
      current = '';
    } else current += ch;
  }
  tokens.push(current);
  return tokens;
}

/**
 * The components of a request path as grpc-gateway's default (legacy) unescaping mode sees them:
 * the percent-decoded path split on `/` (so an id holding `/` spans segments), or undefined when
 * the path is not decodable.
 */
export function pathComponents(rawPath: string): string[] | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return undefined;
  }
  if (!decoded.startsWith('/')) return undefined;
  return decoded.slice(1).split('/');
}

/** The path parameters when `components` match `template`, else undefined. */
export function matchPathTemplate(template: PathTemplate, components: readonly string[]): PathParams | undefined {
  const parts = [...components];
  if (template.verb !== undefined) {
    const last = parts.at(-1) ?? '';
    const suffix = `:${template.verb}`;
    // A bare ":verb" segment is no match (grpc-gateway answers it 404).
    if (!last.endsWith(suffix) || last.length === suffix.length) return undefined;
    parts[parts.length - 1] = last.slice(0, -suffix.length);
  }
  const { segments } = template;
  const endsInRest = segments.at(-1)?.kind === 'rest';
  if (endsInRest ? parts.length < segments.length - 1 : parts.length !== segments.length) return undefined;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    if (segment.kind === 'rest') break;
    // A variable takes an empty segment too (`/namespaces/` binds namespace ''): the handler then says what is missing.
    if (segment.kind === 'literal' && parts[i] !== segment.text) return undefined;
  }
  return template.variables.map((v) => ({ fieldPath: v.fieldPath, value: parts.slice(v.start, v.end).join('/') }));
}
