#!/usr/bin/env -S node --max-semi-space-size=32
// The `kairos` command as npm links it (`npx kairos …` from the repository): a file that exists
// before the build, so `npm ci` links it, running the built command. Node runs with a 32 MiB young
// generation semi-space (V8's default is 16): a server allocates per request, and fewer scavenges
// promote less, about a tenth less CPU per workflow (docs/benchmarks.md). Every launcher of the
// server in this repository passes the same flag (scripts/start-dev.sh, the bench, the tests).
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const main = join(__dirname, '../dist/main.js');
if (!existsSync(main)) {
  process.stderr.write('kairos: not built yet; run `npx turbo run build` (or `bash scripts/setup.sh`) first\n');
  process.exit(1);
}
require(main);
