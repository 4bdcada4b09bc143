// The `plca` binary (bin/plca.mjs loads this through tsx).
import { main } from './program.js';

await main(process.argv.slice(2));
