#!/usr/bin/env node
// The `plca` binary: plain Node over the compiled CLI in dist/ (`npm run build`, which `npm ci` and
// `npm install` run as the `prepare` script), so a start compiles no TypeScript and this process
// is the CLI itself: signals sent to it (Ctrl-C, a supervisor's SIGTERM) reach the trainer.
// Without dist/ (an install with --ignore-scripts) it runs the sources through tsx, in this same
// process, with a slower start. Developers run the sources directly: `npm run plca -- ARGS`.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/cli/main.js', import.meta.url);
if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
