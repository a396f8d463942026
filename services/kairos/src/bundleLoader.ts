#!/usr/bin/env node
// The built command's entry (the build copies this file over dist/main.js, see scripts/bundle.mjs):
// runs the one-file bundle of main.ts with V8's code cache made by the build. Node 20 has no
// module compile cache: resolving, reading and compiling ~1,100 modules, one file each, was most of
// start-dev's start-up CPU.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Script } from 'node:vm';

const BUNDLE = join(__dirname, 'kairos.bundle.js');
const CODE_CACHE = join(__dirname, 'kairos.bundle.cache');
/** Set by the build's training run: write the code cache as the process exits. */
const WRITE_CODE_CACHE_ENV = 'KAIROS_WRITE_CODE_CACHE';

function readCodeCache(): Buffer | undefined {
  try {
    return readFileSync(CODE_CACHE);
  } catch {
    return undefined; // not made (the training run failed): compiled as usual
  }
}

// The build stores the bundle in CommonJS's module wrapper and ASCII only (latin1 reads it as it is).
const source = readFileSync(BUNDLE, 'latin1');
// V8 refuses a cache made by another V8 or with other V8 flags (cachedDataRejected): then it compiles.
const script = new Script(source, { filename: BUNDLE, cachedData: process.env[WRITE_CODE_CACHE_ENV] ? undefined : readCodeCache() });
if (process.env[WRITE_CODE_CACHE_ENV]) {
  // At exit the cache holds every function the run compiled, not only the top level.
  process.once('exit', () => writeFileSync(CODE_CACHE, script.createCachedData()));
}
const bundleModule = { exports: {} };
(script.runInThisContext() as (...args: unknown[]) => void).call(bundleModule.exports, bundleModule.exports, createRequire(BUNDLE), bundleModule, BUNDLE, __dirname);
