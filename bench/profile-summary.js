#!/usr/bin/env node
// Summarises a V8 CPU profile (node --cpu-prof): self time by function and by package, so a
// profile can be read in a terminal and recorded in docs/benchmarks.md.
//   node bench/profile-summary.js PROFILE.cpuprofile [--top 25]
const { readFileSync } = require('node:fs');

const file = process.argv[2];
const top = Number(process.argv[process.argv.indexOf('--top') + 1]) || 25;
const profile = JSON.parse(readFileSync(file, 'utf8'));
const total = profile.samples.length;
const byFunction = new Map();
const byPackage = new Map();
for (const node of profile.nodes) {
  if (!node.hitCount) continue;
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url.replace(/^file:\/\//, '').replace(/.*node_modules\//, 'node_modules/').replace(/.*\/work\/main\//, '');
  const key = `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + node.hitCount);
  const pkg = !url ? `(${functionName})` : where.startsWith('node_modules/') ? where.split('/').slice(0, where.split('/')[1].startsWith('@') ? 3 : 2).join('/') : where.startsWith('node:') ? 'node internals' : where.split('/').slice(0, 2).join('/');
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + node.hitCount);
}
const show = (title, map, n) => {
  console.log(`\n${title}`);
  for (const [k, v] of [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, n)) console.log(`${((v / total) * 100).toFixed(1).padStart(5)}%  ${k}`);
};
console.log(`${total} samples`);
show('self time by package / folder', byPackage, 15);
show('self time by function', byFunction, top);
