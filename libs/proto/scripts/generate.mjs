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
