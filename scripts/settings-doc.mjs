// `npm run docs:settings`: writes docs/settings.md from the settings registry
// (libs/common/src/settings). A unit test fails while the committed table differs from it.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { settingsMarkdown } = require('@kairos/common/settings');
const target = new URL('../docs/settings.md', import.meta.url);
writeFileSync(target, settingsMarkdown());
console.log(`wrote ${target.pathname}`);
