// Regenerates docs/cli.md from every command's --help (test/cli/docs.test.ts checks that it matches):
//   npm run docs:cli
import { writeFileSync } from 'node:fs';
import { renderCliReference } from '../src/cli/reference.js';

const path = new URL('../docs/cli.md', import.meta.url);
writeFileSync(path, await renderCliReference());
console.log(`wrote ${path.pathname}`);
