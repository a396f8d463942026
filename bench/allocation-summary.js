#!/usr/bin/env node
// Summarises an allocation profile written by bench/allocation-sampler.js: bytes allocated by
// package and by function (self), and by the project's own functions with their callees.
//   node bench/allocation-summary.js FILE [--top 25]
const { readFileSync } = require('node:fs');

const top = Number(process.argv[process.argv.indexOf('--top') + 1]) || 25;
const root = JSON.parse(readFileSync(process.argv[2], 'utf8')).head;
const where = (url) => url.replace(/^file:\/\//, '').replace(/.*node_modules\//, 'node_modules/').replace(/.*\/(libs|services)\//, '$1/');
const label = (f) => `${f.functionName || '(anonymous)'} ${where(f.url)}:${f.lineNumber + 1}`;
const packageOf = (f) => {
  const w = where(f.url);
  if (!f.url) return `(${f.functionName || 'native'})`;
  if (w.startsWith('node_modules/')) return w.split('/').slice(0, w.split('/')[1].startsWith('@') ? 3 : 2).join('/');
  if (w.startsWith('node:')) return w.startsWith('node:internal/http2') ? 'node http2' : 'node internals';
  return w.split('/').slice(0, 2).join('/');
};
const byFunction = new Map();
const byPackage = new Map();
const inclusive = new Map();
let total = 0;
const add = (map, key, bytes) => map.set(key, (map.get(key) ?? 0) + bytes);
(function walk(node, projectStack) {
  const bytes = node.selfSize;
  total += bytes;
  add(byFunction, label(node.callFrame), bytes);
  add(byPackage, packageOf(node.callFrame), bytes);
  const own = /^(libs|services)\//.test(where(node.callFrame.url)) ? [...projectStack, label(node.callFrame)] : projectStack;
  for (const name of new Set(own)) add(inclusive, name, bytes);
  for (const child of node.children ?? []) walk(child, own);
})(root, []);

const print = (title, map) => {
  console.log(`\n${title}`);
  for (const [name, bytes] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${((100 * bytes) / total).toFixed(1).padStart(5)}%  ${name}`);
};
console.log(`${(total / 1e6).toFixed(1)} MB allocated (sampled)`);
print('by package / folder', byPackage);
print('by function (self)', byFunction);
print('project functions with their callees', inclusive);
