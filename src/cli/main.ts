// The CLI entry: bin/plca.mjs imports the compiled dist/cli/main.js; tests and `npm run plca` run this file through tsx.
import { main } from './program.js';

await main(process.argv.slice(2));
