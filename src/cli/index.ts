// Public API of the CLI module, for tests and for embedding the CLI in other tools.
export { buildProgram, parseCli, runCli, main } from './program.js';
export type { ParsedCli, Dispatch } from './program.js';
export type { CommandSpec, CliContext } from './command.js';
export { COMMANDS } from './commands/index.js';
export { COMMON_OPTIONS, addCommonOptions } from './options.js';
export type { CommonOptions, CommonOptionName, CliBackend } from './options.js';
export { ProgressBar, renderProgress, formatDuration } from './progress.js';
export { formatError, toPlcaError, exitCodeFor, EXIT } from './errors.js';
export { installInterruptHandler } from './signals.js';
export type { CliIo, OutStream } from './io.js';
export { processIo, memoryIo } from './io.js';
