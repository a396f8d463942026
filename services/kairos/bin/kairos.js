#!/usr/bin/env node
// The `kairos` command as npm links it (`npx kairos …` from the repository): a file that exists
// before the build, so `npm ci` links it, running the built command.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const main = join(__dirname, '../dist/main.js');
if (!existsSync(main)) {
  process.stderr.write('kairos: not built yet; run `npx turbo run build` (or `bash scripts/setup.sh`) first\n');
  process.exit(1);
}
require(main);
