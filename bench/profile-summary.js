#!/usr/bin/env node
// Summarises a V8 CPU profile (node --cpu-prof): self time by function and by package, and the
// inclusive (self + callees) time of the project's own functions, so a profile can be read in a
// terminal and recorded in docs/benchmarks.md.
//   node bench/profile-summary.js PROFILE.cpuprofile [--top 25]
const { readFileSync } = require('node:fs');

const file = process.argv[2];
const top = Number(process.argv[process.argv.indexOf('--top') + 1]) || 25;
const profile = JSON.parse(readFileSync(file, 'utf8'));
const total = profile.samples.length;
const byFunction = new Map();
const byPackage = new Map();
const nodesById = new Map(profile.nodes.map((n) => [n.id, n]));
const where = (url) => url.replace(/^file:\/\//, '').replace(/.*node_modules\//, 'node_modules/').replace(/.*\/work\/main\//, '');
const label = (callFrame) => `${callFrame.functionName || '(anonymous)'} ${where(callFrame.url)}:${callFrame.lineNumber + 1}`;
for (const node of profile.nodes) {
  if (!node.hitCount) continue;
  const { functionName, url } = node.callFrame;
  const w = where(url);
  byFunction.set(label(node.callFrame), (byFunction.get(label(node.callFrame)) ?? 0) + node.hitCount);
  const pkg = !url ? `(${functionName})` : w.startsWith('node_modules/') ? w.split('/').slice(0, w.split('/')[1].startsWith('@') ? 3 : 2).join('/') : w.startsWith('node:') ? 'node internals' : w.split('/').slice(0, 2).join('/');
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + node.hitCount);
}

// Inclusive time: each sample counts once for every distinct project function on its stack.
const parent = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
const hitsById = new Map(profile.nodes.map((n) => [n.id, n.hitCount ?? 0]));
const inclusive = new Map();
for (const node of profile.nodes) {
  const hits = hitsById.get(node.id);
  if (!hits) continue;
  const seen = new Set();
  for (let id = node.id; id !== undefined; id = parent.get(id)) {
    const frame = nodesById.get(id).callFrame;
    if (!/\/(libs|services)\//.test(frame.url) || /\/generated\//.test(frame.url)) continue;
    const key = label(frame);
    if (seen.has(key)) continue;
    seen.add(key);
    inclusive.set(key, (inclusive.get(key) ?? 0) + hits);
  }
}

const show = (title, map, n) => {
  console.log(`\n${title}`);
  for (const [k, v] of [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, n)) console.log(`${((v / total) * 100).toFixed(1).padStart(5)}%  ${k}`);
};
console.log(`${total} samples`);
show('self time by package / folder', byPackage, 15);
show('self time by function', byFunction, top);
show('inclusive time of project functions (self + callees)', inclusive, top);
