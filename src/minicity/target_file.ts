// Reading a `--target-style FILE.json` (Node); target.ts holds the parsing, which browsers use too.
import { readFileSync, existsSync, statSync } from 'node:fs';
import { PlcaError } from '../util/errors.js';
import type { TargetOverride } from './params.js';
import { parseTargetOverride } from './target.js';

/** Reads and validates a `--target-style FILE.json`. */
export function readTargetOverrideFile(path: string): TargetOverride {
  if (!existsSync(path)) throw new PlcaError('PLCA_FILE_NOT_FOUND', `target style file not found: ${path}`);
  if (!statSync(path).isFile()) throw new PlcaError('PLCA_FILE_UNREADABLE', `target style file is not a file: ${path}`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new PlcaError('PLCA_CONFIG_INVALID', `target style file ${path} is not valid JSON: ${(e as Error).message}`);
  }
  return parseTargetOverride(json, path);
}
