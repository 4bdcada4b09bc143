// The `plca` binary: run the CLI, then exit explicitly (wasm worker threads keep Node alive).
import { runCli } from './program.js';

const code = await runCli(process.argv.slice(2));
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
