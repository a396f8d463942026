// Generates TypeScript for the upstream Temporal API and Kairos's internal protos.
// The upstream .proto files are read from the pinned @temporalio/core-bridge package at generate
// time and staged in a gitignored folder; they are never copied into the repository.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { routeProblems } from './checkRoutes.mjs';
import { liftDecodeDepthLimit } from './decodeDepth.mjs';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const pkgDir = resolve(here, '..');
const repoRoot = resolve(pkgDir, '../..');
const staging = join(pkgDir, '.staging');
const outDir = join(pkgDir, 'src/generated');

const bridgeDir = dirname(require.resolve('@temporalio/core-bridge/package.json'));
const protosDir = join(bridgeDir, 'sdk-core/crates/protos/protos');
const upstream = join(protosDir, 'api_upstream');
if (!existsSync(join(upstream, 'temporal'))) {
  throw new Error(`upstream Temporal protos not found under ${upstream}`);
}

rmSync(staging, { recursive: true, force: true });
rmSync(outDir, { recursive: true, force: true });
mkdirSync(staging, { recursive: true });
mkdirSync(outDir, { recursive: true });

cpSync(join(upstream, 'temporal'), join(staging, 'temporal'), { recursive: true });
cpSync(join(upstream, 'google/api'), join(staging, 'google/api'), { recursive: true });
if (existsSync(join(upstream, 'nexusannotations'))) {
  cpSync(join(upstream, 'nexusannotations'), join(staging, 'nexusannotations'), { recursive: true });
}
cpSync(join(protosDir, 'google/rpc'), join(staging, 'google/rpc'), { recursive: true });
cpSync(join(protosDir, 'grpc'), join(staging, 'grpc'), { recursive: true });
cpSync(join(repoRoot, 'proto/kairos'), join(staging, 'kairos'), { recursive: true });

writeFileSync(join(staging, 'buf.yaml'), 'version: v2\n');
const plugin = join(dirname(require.resolve('ts-proto/package.json')), 'protoc-gen-ts_proto');
const opts = [
  'outputServices=nice-grpc',
  'outputServices=generic-definitions',
  'useExactTypes=false',
  'esModuleInterop=true',
  'forceLong=number',
  'useDate=true',
  'outputJsonMethods=true',
  'exportCommonSymbols=false',
];
writeFileSync(
  join(staging, 'buf.gen.yaml'),
  [
    'version: v2',
    'plugins:',
    `  - local: ${JSON.stringify(plugin)}`,
    `    out: ${JSON.stringify(outDir)}`,
    '    opt:',
    ...opts.map((o) => `      - ${o}`),
    '',
  ].join('\n'),
);

const buf = join(dirname(require.resolve('@bufbuild/buf/package.json')), 'bin/buf');
const paths = [
  'temporal/api/workflowservice/v1/service.proto',
  'temporal/api/operatorservice/v1/service.proto',
  'temporal/api/errordetails/v1/message.proto',
  'google/rpc/status.proto',
  'grpc/health/v1/health.proto',
  'kairos',
];
execFileSync(buf, ['generate', ...paths.flatMap((p) => ['--path', p])], { cwd: staging, stdio: 'inherit' });
liftDecodeDepthLimit(outDir);

// A Duration's or Timestamp's seconds beyond ±2^53 must decode: Temporal accepts int64-max
// timeouts and caps them (100 years), or refuses negative ones with its own message, where
// ts-proto's forceLong=number conversion throws and the request fails as INTERNAL "Error
// deserializing request". Such a value decodes to the nearest double instead: every duration is
// checked and capped where it enters (@kairos/domain protoDurations), and a timestamp out of a
// Date's range becomes an invalid Date, which the handlers that read timestamps refuse.
for (const file of ['google/protobuf/duration.ts', 'google/protobuf/timestamp.ts']) {
  patchGenerated(join(outDir, file), [
    [
      /function longToNumber\(int64: \{ toString\(\): string \}\): number \{[\s\S]*?\n\}\n/,
      'function longToNumber(int64: { toString(): string }): number {\n' +
        '  // Kairos: the nearest double, with no range check (see scripts/generate.mjs).\n' +
        '  return globalThis.Number(int64.toString());\n' +
        '}\n\n' +
        '/** Kairos: seconds as an int64 the writer takes, a double past int64 being the nearest bound (see scripts/generate.mjs). */\n' +
        'function int64Seconds(seconds: number): number | bigint {\n' +
        '  if (globalThis.Number.isSafeInteger(seconds)) return seconds;\n' +
        '  const max = (BigInt(1) << BigInt(63)) - BigInt(1);\n' +
        '  if (seconds >= 9223372036854775807) return max;\n' +
        '  if (seconds <= -9223372036854775808) return -max - BigInt(1);\n' +
        '  return BigInt(globalThis.Math.trunc(seconds));\n' +
        '}\n',
    ],
    // ...and written back as the nearest int64, so a huge value kept in a record never fails to encode.
    [/writer\.uint32\(8\)\.int64\(message\.seconds\);/, 'writer.uint32(8).int64(int64Seconds(message.seconds));'],
  ]);
}

/** Applies each replacement to a generated file; one that matches nothing fails the generation (ts-proto's output changed). */
function patchGenerated(file, replacements) {
  let text = readFileSync(file, 'utf8');
  for (const [pattern, replacement] of replacements) {
    if (!pattern.test(text)) throw new Error(`generate: ${file} no longer matches ${pattern}; update the patch in scripts/generate.mjs`);
    text = text.replace(pattern, replacement);
  }
  writeFileSync(file, text);
}

// The internal services' routes are read from the generated definitions at run time: refuse an RPC
// without one, or with a field path its request does not have, now.
const image = join(staging, 'kairos-image.json');
execFileSync(buf, ['build', '--path', 'kairos', '-o', image], { cwd: staging, stdio: 'inherit' });
const problems = routeProblems(JSON.parse(readFileSync(image, 'utf8')));
if (problems.length > 0) {
  rmSync(outDir, { recursive: true, force: true });
  throw new Error(`internal RPC routes (proto/kairos/routing/v1/routing.proto):\n  ${problems.join('\n  ')}`);
}
console.log(`generated TypeScript into ${outDir}`);
