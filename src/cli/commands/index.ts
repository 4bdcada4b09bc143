/** The command table: one file per command; the order is the order in --help. */
import type { CommandSpec } from '../command.js';
import { benchEngineCommand } from './bench.js';
import { benchMiniCityCommand, demoCommand } from './demo.js';
import { configPrintCommand } from './config_print.js';
import { dataCheckCommand } from './data_check.js';
import { modelInfoCommand, modelListCommand } from './model_info.js';
import { modelImportCommand } from './model_import.js';
import { trainCommand } from './train.js';
import { evalCommand } from './eval.js';
import { predictCommand } from './predict.js';
import { exportCommand } from './export.js';
import { serveCommand } from './serve.js';

export const COMMANDS: readonly CommandSpec[] = [
  demoCommand, trainCommand, evalCommand, predictCommand, exportCommand, serveCommand,
  dataCheckCommand, modelInfoCommand, modelListCommand, modelImportCommand,
  benchEngineCommand, benchMiniCityCommand, configPrintCommand,
];
