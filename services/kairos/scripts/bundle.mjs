// Build step after tsc: bundles tsc's dist/main.js (the command and everything it loads) into one
// file, dist/kairos.bundle.js, puts the loader (src/bundleLoader.ts) in main.js's place, and makes V8's
// code cache for the bundle with one training start of start-dev. Start-up then reads and compiles
// one file, mostly from the cache, instead of resolving and compiling ~1,100 modules (Node 20 has no
// module compile cache). The other dist/ files stay as tsc made them.
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:http2';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const bundle = join(dist, 'kairos.bundle.js');
const cache = join(dist, 'kairos.bundle.cache');
// The Node flag every launcher of the server passes (bin/kairos.js): V8 refuses a cache made under other flags.
const NODE_FLAGS = ['--max-semi-space-size=32'];

// tsc's main.js becomes command.js (a second run of this script finds the loader in main.js).
const loader = join(dist, 'bundleLoader.js');
const command = join(dist, 'command.js');
if (!readFileSync(join(dist, 'main.js')).equals(readFileSync(loader))) {
  renameSync(join(dist, 'main.js'), command);
  rmSync(join(dist, 'main.js.map'), { force: true });
}

await build({
  entryPoints: [command],
  outfile: bundle,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // Native modules stay files (better-sqlite3's worker thread requires it by path too); pg-native is pg's optional one.
  external: ['better-sqlite3', 'pg-native'],
  // import() of what stays outside (Node's own modules: the OTLP exporter's `import('http')`) as
  // require: the loader's vm.Script has no loader for import().
  supported: { 'dynamic-import': false },
  logLevel: 'warning',
});
// Stored as the loader compiles it: inside CommonJS's module wrapper (the loader passes require,
// module and __dirname as a module file gets them), and ASCII only, so the loader reads it as
// latin1 (a copy, not UTF-8 decoding; a one-byte string for V8). esbuild escapes strings and
// identifiers but keeps a few characters of comments and regular expressions, where \uXXXX means
// the same character.
const ascii = readFileSync(bundle, 'utf8')
  .replace(/^#!.*/, '')
  .replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
writeFileSync(bundle, `(function (exports, require, module, __filename, __dirname) {${ascii}\n})`);
copyFileSync(loader, join(dist, 'main.js'));

// Training: start-dev on a throw-away database until its banner is out (it serves), the calls a
// client makes first, then a graceful stop; the loader writes the cache as the process exits.
// Without a cache the server still starts.
const freePort = () =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

/** One unary gRPC call (protobuf request bytes given), answered with status 0. */
function grpcCall(port, path, request) {
  return new Promise((resolve, reject) => {
    const session = connect(`http://127.0.0.1:${port}`);
    const fail = (err) => {
      session.destroy();
      reject(err);
    };
    session.once('error', fail);
    const frame = Buffer.alloc(5 + request.length);
    frame.writeUInt32BE(request.length, 1);
    request.copy(frame, 5);
    const call = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers' });
    call.on('data', () => undefined);
    call.once('trailers', (trailers) => {
      session.close();
      if (trailers['grpc-status'] === '0') resolve();
      else reject(new Error(`${path}: grpc-status ${trailers['grpc-status']} ${trailers['grpc-message'] ?? ''}`));
    });
    call.once('error', fail);
    call.end(frame);
  });
}

/** What an SDK client and the CLI ask first: the server's capabilities, then the namespace. */
async function firstCalls(port) {
  const service = '/temporal.api.workflowservice.v1.WorkflowService';
  await grpcCall(port, `${service}/GetSystemInfo`, Buffer.alloc(0));
  // DescribeNamespaceRequest { namespace: "default" }
  await grpcCall(port, `${service}/DescribeNamespace`, Buffer.concat([Buffer.from([0x0a, 7]), Buffer.from('default')]));
}

async function train() {
  const workDir = mkdtempSync(join(tmpdir(), 'kairos-code-cache-'));
  try {
    const port = await freePort();
    const args = ['server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', String(port), '--db-filename', join(workDir, 'train.db'), '--log-level', 'error'];
    const child = spawn(process.execPath, [...NODE_FLAGS, join(dist, 'main.js'), ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, KAIROS_WRITE_CODE_CACHE: '1' },
    });
    const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    let out = '';
    let calls;
    const onOutput = (chunk) => {
      out += chunk;
      if (!out.includes('Kairos dev server listening on')) return;
      child.stdout.off('data', onOutput);
      child.stdout.resume();
      // Settles with the calls' error, if any, once they are done; then the graceful stop.
      calls = firstCalls(port)
        .then(() => undefined, (err) => err)
        .finally(() => child.kill('SIGTERM'));
    };
    child.stdout.on('data', onOutput);
    const outcome = await exited;
    clearTimeout(timer);
    if (!calls) throw new Error(`the training start ended with ${outcome} before serving`);
    const callsFailed = await calls;
    if (callsFailed) throw callsFailed;
    if (outcome !== 0) throw new Error(`the training start ended with ${outcome}`);
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

rmSync(cache, { force: true });
try {
  await train();
  if (!existsSync(cache)) throw new Error('no cache written');
  console.log(`bundle: ${(statSync(bundle).size / 2 ** 20).toFixed(1)} MiB, code cache ${(statSync(cache).size / 2 ** 20).toFixed(1)} MiB`);
} catch (err) {
  rmSync(cache, { force: true });
  console.warn(`bundle: no code cache (${err.message}); the server compiles the bundle at each start`);
}
