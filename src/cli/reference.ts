/**
 * The CLI reference (docs/cli.md) generated from the commands' own --help, so the document
 * cannot drift from the code: test/cli/docs.test.ts fails when they differ.
 */
import type { CommandSpec } from './command.js';
import { COMMANDS } from './commands/index.js';
import { memoryIo } from './io.js';
import { runCli } from './program.js';

const INTRO = `# plca command-line reference

Generated from \`plca <command> --help\` by \`npm run docs:cli\` (test/cli/docs.test.ts fails when it is out
of date).

Every command accepts \`--verbose\` (debug output, stack traces on errors) and \`--help\`.
Flags mean the same in every command that has them:

| flag | meaning |
|---|---|
| \`-c, --config FILE\` | experiment config (.ts, .js or .json; a default export for modules) |
| \`--set key=value\` | override one config key, repeatable; the value is read as JSON when it parses |
| \`-o, --out DIR\` | output directory |
| \`--json\` | one JSON object on stdout and no progress bar, for scripts |
| \`--seed N\` | random seed (overrides \`train.seed\`) |
| \`--backend auto\\|wasm\\|cpu\\|tensorflow\` | TF.js backend (overrides \`runtime.backend\`) |
| \`--threads N\` | wasm threads (overrides \`runtime.threads\`) |

Exit status: 0 success; 1 an error (one line \`plca: error [CODE]: message\` on stderr, then a
hint), or problems found by \`data check\`; 2 a usage error (unknown option, bad flag value);
130 interrupted (Ctrl-C). Progress bars are drawn on stderr, only when it is a terminal.
`;

async function helpOf(argv: string[]): Promise<string> {
  const io = memoryIo();
  await runCli([...argv, '--help'], io);
  return io.out().trimEnd();
}

/** The whole of docs/cli.md. */
export async function renderCliReference(commands: readonly CommandSpec[] = COMMANDS): Promise<string> {
  const parts = [INTRO, '## plca\n', '```', await helpOf([]), '```\n'];
  for (const spec of commands) {
    parts.push(`## plca ${spec.path.join(' ')}\n`, '```', await helpOf([...spec.path]), '```\n');
  }
  return parts.join('\n');
}
