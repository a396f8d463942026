// ts-proto's decoders refuse messages nested deeper than a fixed 100 levels, so a failure whose
// cause chain is a little under 100 deep is refused ("Error deserializing request") although
// Temporal accepts chains of thousands. This lifts that bound in the generated code to
// MAX_NESTING_DEPTH, the `grpc.maxNestingDepth` setting (libs/common/src/settings/grpc.ts; a unit
// test there decodes at this depth and one deeper, so the two cannot drift apart). It stays below
// what Node's stack holds (about 5,500 nested decodes), so a deeper message is refused by the
// decoder before any handler sees it instead of overflowing the stack later.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const MAX_NESTING_DEPTH = 4_000;

/** The check ts-proto writes at the top of every decode function. */
const TS_PROTO_DEPTH_CHECK = /if \(previousRecursionDepth >= 100\) \{/g;

function* typescriptFiles(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* typescriptFiles(path);
    else if (entry.name.endsWith('.ts')) yield path;
  }
}

/** Rewrites the depth check in every generated file; throws if ts-proto no longer writes it as expected. */
export function liftDecodeDepthLimit(outDir, maxDepth = MAX_NESTING_DEPTH) {
  let rewritten = 0;
  for (const file of typescriptFiles(outDir)) {
    const text = readFileSync(file, 'utf8');
    const lifted = text.replace(TS_PROTO_DEPTH_CHECK, () => {
      rewritten += 1;
      return `if (previousRecursionDepth >= ${maxDepth}) {`;
    });
    if (lifted !== text) writeFileSync(file, lifted);
  }
  if (rewritten === 0) {
    throw new Error("ts-proto's decode depth check was not found in the generated code: update libs/proto/scripts/decodeDepth.mjs");
  }
  return rewritten;
}
