/** The command table: one file per command; the order is the order in --help. */
import type { CommandSpec } from '../command.js';

export const COMMANDS: readonly CommandSpec[] = [];
