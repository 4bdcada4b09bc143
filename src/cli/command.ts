/** The shape of one CLI command: how it is declared, and what it runs. */
import type { Command } from 'commander';
import type { CliIo } from './io.js';

/** Shared by all commands of one invocation. */
export interface CliContext {
  io: CliIo;
  /** The arguments as given (without `node plca`), e.g. to print the command that resumes a run. */
  argv: readonly string[];
  /** Set by a command that finished but must report failure (e.g. `data check` found problems). */
  exitCode: number;
}

export interface CommandSpec {
  /** Words that name the command, e.g. ['model', 'info']. */
  path: readonly string[];
  /** One line for the command list. */
  summary: string;
  /** Shown under "Examples:" in --help; each a full command line without the `$ `. */
  examples: readonly string[];
  /** The command runs when its parent is called with no sub-command (`plca bench`). */
  isDefault?: boolean;
  /** Adds arguments and options. */
  configure(cmd: Command): void;
  /** Does the work; library imports happen inside, so `--help` stays fast and light. */
  run(ctx: CliContext, args: string[], opts: Record<string, unknown>): Promise<void>;
}
