/**
 * Builds the commander program from the command table and runs it: parse, dispatch, and
 * turn every error into a one-line message and an exit status (see errors.ts).
 */
import { Command } from 'commander';
import { COMMANDS } from './commands/index.js';
import type { CliContext, CommandSpec } from './command.js';
import { commanderExitCode, exitCodeFor, formatError, isCommanderExit, toPlcaError } from './errors.js';
import { processIo, type CliIo } from './io.js';
import { argvWantsVerbose, withSilentDefaults } from './options.js';
import { warnThreads } from './commands/shared.js';
import { packageVersion } from '../util/version.js';

export type Dispatch = (spec: CommandSpec, args: string[], opts: Record<string, unknown>) => Promise<void>;


/**
 * The commander program. `dispatch` runs a command; tests pass one that records the parse.
 * Commander's exits are turned into exceptions so `runCli` decides the status.
 */
export function buildProgram(io: CliIo, dispatch: Dispatch, commands: readonly CommandSpec[] = COMMANDS): Command {
  const program = new Command('plca')
    .description('Pixel-Level Cycle Association (NeurIPS 2020): domain-adaptive semantic segmentation in TensorFlow.js')
    .version(packageVersion())
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      outputError: (s, write) => write(`plca: ${s}`),
    })
    .showHelpAfterError('(run with --help for usage)')
    .showSuggestionAfterError(true);
  program.addHelpText('after', '\nExamples:\n  $ plca demo --quick\n  $ plca train --config configs/tiny_cpu_debug.ts --out runs/tiny\n  $ plca model info deeplabv2_resnet101 --classes 19 --input 96 --json\n');
  const groups = new Map<string, Command>();
  for (const spec of commands) {
    const parent = spec.path.length > 1 ? groupCommand(program, groups, spec) : program;
    const leaf = spec.path[spec.path.length - 1];
    const cmd = parent.command(leaf, { isDefault: spec.isDefault }).description(spec.summary).allowExcessArguments(false);
    spec.configure(cmd);
    cmd.addHelpText('after', `\nExample${spec.examples.length > 1 ? 's' : ''}:\n${spec.examples.map((e) => `  $ ${e}`).join('\n')}\n`);
    cmd.action(async (...received: unknown[]) => {
      // commander passes (…positional args, options, command).
      const positional = received.slice(0, -2).flatMap((a) => (Array.isArray(a) ? a : a === undefined ? [] : [a])) as string[];
      const opts = withSilentDefaults(cmd, received[received.length - 2] as Record<string, unknown>);
      if (typeof opts.threads === 'number') warnThreads(io, opts.threads, '--threads');
      await dispatch(spec, positional, opts);
    });
  }
  return program;
}

function groupCommand(program: Command, groups: Map<string, Command>, spec: CommandSpec): Command {
  const name = spec.path[0];
  let group = groups.get(name);
  if (!group) {
    group = program.command(name).description(GROUP_SUMMARIES[name] ?? name);
    groups.set(name, group);
  }
  return group;
}

const GROUP_SUMMARIES: Record<string, string> = {
  data: 'inspect datasets',
  model: 'inspect model architectures, import PyTorch weights',
  bench: 'benchmarks: the engine (default) and MiniCity',
  config: 'inspect the resolved configuration',
};

export interface ParsedCli {
  /** e.g. "model info" */
  command: string;
  args: string[];
  options: Record<string, unknown>;
}

/** Parses argv (without `node plca`) into the command it names, without running it. Throws CommanderError on usage errors. */
export async function parseCli(argv: readonly string[], io: CliIo = processIo()): Promise<ParsedCli | undefined> {
  let parsed: ParsedCli | undefined;
  const program = buildProgram(io, async (spec, args, options) => {
    parsed = { command: spec.path.join(' '), args, options };
  });
  await program.parseAsync([...argv], { from: 'user' });
  return parsed;
}

/** Runs the CLI and returns the exit status; never throws. */
export async function runCli(argv: readonly string[], io: CliIo = processIo(), commands: readonly CommandSpec[] = COMMANDS): Promise<number> {
  const ctx: CliContext = { io, argv, exitCode: 0 };
  try {
    const program = buildProgram(io, (spec, args, opts) => spec.run(ctx, args, opts), commands);
    await program.parseAsync([...argv], { from: 'user' });
    return ctx.exitCode;
  } catch (e) {
    if (isCommanderExit(e)) return commanderExitCode(e);
    const err = toPlcaError(e);
    io.stderr.write(formatError(err, argvWantsVerbose(argv)));
    return exitCodeFor(err);
  }
}

/**
 * The binary's entry: runs the CLI, reports errors that escape every promise (a worker that
 * fails after its command has ended) in the same one-line form, then exits explicitly (wasm
 * worker threads keep Node alive otherwise).
 */
export async function main(argv: readonly string[]): Promise<void> {
  const io = processIo();
  const crash = (e: unknown) => {
    const err = toPlcaError(e);
    io.stderr.write(formatError(err, argvWantsVerbose(argv)));
    process.exit(exitCodeFor(err));
  };
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
  const code = await runCli(argv, io);
  process.exitCode = code;
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}
