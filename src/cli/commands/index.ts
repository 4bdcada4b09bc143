/** The command table: one file per command; the order is the order in --help. */
import type { CommandSpec } from '../command.js';
import { configPrintCommand } from './config_print.js';

export const COMMANDS: readonly CommandSpec[] = [configPrintCommand];
