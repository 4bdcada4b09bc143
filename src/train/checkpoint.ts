/**
 * Checkpoints: one file holding weights, BN statistics, optimiser state (momentum buffers), the
 * step, the batch streams' states and the resolved config (nanoGPT's checkpoint dict).
 *
 * Format (little-endian):
 *   "PLCACKPT" · u32 version · u32 header length H · H bytes of JSON header · zero padding to
 *   a multiple of 8 · tensor blob (each tensor's raw float32/int32 bytes at the header's
 *   offset) · 32-byte SHA-256 of every byte before it.
 * The trailing hash catches truncation and corruption anywhere in the file.
 * Writes are atomic (src/util/atomic_write.ts: a temporary file in the same directory, fsync,
 * rename, fsync of the directory); the `latest.json` pointer is replaced the same way after the checkpoint. A process
 * killed inside that window leaves a hidden `.NAME.tmp-PID-MS` file that no reader looks at; the
 * next checkpoint written into the directory removes those of dead processes, so they do not pile up.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';
import { removeStaleTemps, writeFileAtomic } from '../util/atomic_write.js';
import { PlcaError } from '../util/errors.js';

const MAGIC = 'PLCACKPT';
const VERSION = 1;
const PREFIX_BYTES = 16;
const HASH_BYTES = 32;
/** The pointer file naming the newest checkpoint in a directory. */
export const LATEST_FILE = 'latest.json';

export type CheckpointDtype = 'float32' | 'int32';
export interface CheckpointTensor {
  shape: number[];
  dtype: CheckpointDtype;
  data: Float32Array | Int32Array;
}
export type TensorGroup = Map<string, CheckpointTensor>;

export interface CheckpointData {
  /** Optimiser updates completed. */
  step: number;
  /** Name of the model the weights belong to. */
  modelName: string;
  /** The resolved config of the run. */
  config: unknown;
  /** Named tensor groups, e.g. params, state (BN statistics), momentum. */
  groups: Record<string, TensorGroup>;
  /** JSON states of the batch streams and anything else to resume (seeds, counters). */
  streams: Record<string, unknown>;
  extra?: Record<string, unknown>;
}

interface HeaderTensor { group: string; name: string; shape: number[]; dtype: CheckpointDtype; offset: number; bytes: number }
interface Header {
  format: 'plca-checkpoint'; step: number; modelName: string; config: unknown;
  streams: Record<string, unknown>; extra: Record<string, unknown>; tensors: HeaderTensor[]; blobBytes: number;
}

/** Canonical file name of the checkpoint after `step` updates. */
export function checkpointFileName(step: number): string {
  return `step_${String(step).padStart(7, '0')}.ckpt`;
}

/**
 * Writes a checkpoint atomically into `dir` and points `latest.json` at it.
 * @returns the checkpoint's path
 */
export function saveCheckpoint(dir: string, data: CheckpointData, fileName = checkpointFileName(data.step)): string {
  mkdirSync(dir, { recursive: true });
  const { header, blob } = layout(data);
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = Buffer.alloc(PREFIX_BYTES);
  prefix.write(MAGIC, 0, 'latin1');
  prefix.writeUInt32LE(VERSION, 8);
  prefix.writeUInt32LE(headerBytes.length, 12);
  const pad = Buffer.alloc((8 - ((PREFIX_BYTES + headerBytes.length) % 8)) % 8);
  const hash = createHash('sha256');
  for (const b of [prefix, headerBytes, pad, ...blob]) hash.update(b);
  const path = join(dir, fileName);
  removeStaleTemps(dir, isCheckpointFile);
  const pause = debugPause();
  writeFileAtomic(path, [prefix, headerBytes, pad, ...blob, hash.digest()], pause);
  // The pointer moves only once the checkpoint it names is complete and renamed into place.
  pause?.('before-latest', path);
  writeFileAtomic(join(dir, LATEST_FILE), `${JSON.stringify({ file: fileName, step: data.step })}\n`);
  return path;
}

/** Points `dir/latest.json` at an existing checkpoint of `dir` (a rollback's target). */
export function pointLatest(dir: string, path: string, step: number): void {
  writeFileAtomic(join(dir, LATEST_FILE), `${JSON.stringify({ file: basename(path), step })}\n`);
}

/** The points inside a checkpoint write where the debug hook can pause (see {@link debugPause}). */
export type CheckpointPausePoint = 'partial' | 'before-rename' | 'before-latest';
type PauseHook = (point: CheckpointPausePoint, file: string) => void;

/** Environment variable of the test hook that pauses inside a checkpoint write. */
export const DEBUG_PAUSE_ENV = 'PLCA_DEBUG_CHECKPOINT_PAUSE';
const PAUSE_POINTS: readonly CheckpointPausePoint[] = ['partial', 'before-rename', 'before-latest'];
/** Checkpoints written by this process, so that the hook can pick the n-th one. */
let checkpointWrites = 0;

/**
 * TEST HOOK, off unless `PLCA_DEBUG_CHECKPOINT_PAUSE` is set. It lets a test SIGKILL a real
 * process inside the atomic-write window instead of simulating the torn file it would leave.
 * Value `POINT:MS[@N]`: sleep MS milliseconds at POINT of the N-th checkpoint this process
 * writes (every one without `@N`), after printing `plca-debug: checkpoint write paused (POINT) FILE`
 * to stderr. POINT is `partial` (half the temp file written), `before-rename` (temp file complete
 * and fsynced, not yet renamed) or `before-latest` (checkpoint renamed, latest.json not yet
 * replaced); FILE is the temp file, or the checkpoint for `before-latest`.
 * When unset it costs one environment lookup per checkpoint.
 */
function debugPause(): PauseHook | undefined {
  const spec = process.env[DEBUG_PAUSE_ENV];
  checkpointWrites += 1;
  if (spec === undefined || spec === '') return undefined;
  const m = /^([a-z-]+):(\d+)(?:@(\d+))?$/.exec(spec);
  const point = m?.[1] as CheckpointPausePoint | undefined;
  if (m === null || point === undefined || !PAUSE_POINTS.includes(point)) {
    throw new PlcaError('PLCA_INVALID_ARGUMENT',
      `${DEBUG_PAUSE_ENV}="${spec}" is not POINT:MS[@N] with POINT one of ${PAUSE_POINTS.join(', ')}`);
  }
  if (m[3] !== undefined && Number(m[3]) !== checkpointWrites) return undefined;
  const ms = Number(m[2]);
  return (at, file) => {
    if (at !== point) return;
    // writeSync, not process.stderr.write: the line must be out before the thread blocks.
    writeSync(2, `plca-debug: checkpoint write paused (${at}) ${file}\n`);
    // writeFileAtomic is synchronous, so the pause is too: Atomics.wait blocks this thread (the event
    // loop included, as a slow disk would) without spinning a core.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  };
}

/** The files whose stale temps a checkpoint write removes: checkpoints and the pointer. */
function isCheckpointFile(name: string): boolean {
  return name.endsWith('.ckpt') || name === LATEST_FILE;
}

function layout(data: CheckpointData): { header: Header; blob: Buffer[] } {
  const tensors: HeaderTensor[] = [];
  const blob: Buffer[] = [];
  let offset = 0;
  for (const [group, map] of Object.entries(data.groups)) {
    for (const [name, t] of map) {
      const n = t.shape.reduce((a, b) => a * b, 1);
      if (t.data.length !== n) throw new PlcaError('PLCA_INTERNAL', `checkpoint tensor ${group}/${name}: ${t.data.length} values for shape [${t.shape}]`);
      const bytes = Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
      tensors.push({ group, name, shape: t.shape, dtype: t.dtype, offset, bytes: bytes.length });
      blob.push(bytes);
      offset += bytes.length;
    }
  }
  const header: Header = {
    format: 'plca-checkpoint', step: data.step, modelName: data.modelName, config: data.config,
    streams: data.streams, extra: data.extra ?? {}, tensors, blobBytes: offset,
  };
  return { header, blob };
}

function corrupt(path: string, why: string): PlcaError {
  return new PlcaError('PLCA_CHECKPOINT_INVALID', `checkpoint ${path} is corrupt or truncated: ${why}`, {
    hint: 'use an earlier step_*.ckpt file of the run (--checkpoint FILE), or start the run again',
  });
}

/** A checkpoint file read whole and verified (magic, version, SHA-256, blob size). */
interface VerifiedFile { buf: Buffer; header: Header; blobStart: number }

function readVerified(file: string): VerifiedFile {
  const buf = readFileSync(file);
  if (buf.length < PREFIX_BYTES + HASH_BYTES || buf.toString('latin1', 0, 8) !== MAGIC) throw corrupt(file, 'not a plca checkpoint (bad magic)');
  const version = buf.readUInt32LE(8);
  if (version !== VERSION) {
    throw new PlcaError('PLCA_CHECKPOINT_INVALID', `checkpoint ${file} has format version ${version}; this plca reads ${VERSION}`, {
      hint: 'read it with the plca version that wrote it, or start the run again',
    });
  }
  const body = buf.subarray(0, buf.length - HASH_BYTES);
  if (!createHash('sha256').update(body).digest().equals(buf.subarray(buf.length - HASH_BYTES))) throw corrupt(file, 'checksum mismatch');
  const hLen = buf.readUInt32LE(12);
  const header = JSON.parse(buf.toString('utf8', PREFIX_BYTES, PREFIX_BYTES + hLen)) as Header;
  const blobStart = PREFIX_BYTES + hLen + ((8 - ((PREFIX_BYTES + hLen) % 8)) % 8);
  if (blobStart + header.blobBytes !== body.length) throw corrupt(file, `blob of ${body.length - blobStart} bytes, header says ${header.blobBytes}`);
  return { buf, header, blobStart };
}

/** What a verified checkpoint says about itself, without its tensors. */
export interface CheckpointSummary { file: string; step: number; modelName: string; config: unknown }

/** Reads and verifies a checkpoint file (every byte, like loadCheckpoint) and returns its header facts. */
export function verifyCheckpoint(file: string): CheckpointSummary {
  const { header } = readVerified(file);
  return { file, step: header.step, modelName: header.modelName, config: header.config };
}

/** Reads and verifies a checkpoint file (or a directory's latest). */
export function loadCheckpoint(path: string): CheckpointData {
  const file = resolveCheckpointPath(path);
  const { buf, header, blobStart: start } = readVerified(file);
  const groups: Record<string, TensorGroup> = {};
  for (const t of header.tensors) {
    const bytes = buf.buffer.slice(buf.byteOffset + start + t.offset, buf.byteOffset + start + t.offset + t.bytes);
    const data = t.dtype === 'int32' ? new Int32Array(bytes) : new Float32Array(bytes);
    (groups[t.group] ??= new Map()).set(t.name, { shape: t.shape, dtype: t.dtype, data });
  }
  return { step: header.step, modelName: header.modelName, config: header.config, groups, streams: header.streams, extra: header.extra };
}

/** A trainer's checkpoint names: `step_NNNNNNN.ckpt`. */
const STEP_FILE_RE = /^step_(\d+)\.ckpt$/;

/** The `step_*.ckpt` files in `dir` (none when it does not exist), newest (highest step) first. */
export function listStepFiles(dir: string): { file: string; step: number }[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.flatMap((n) => {
    const m = STEP_FILE_RE.exec(n);
    return m === null ? [] : [{ file: join(dir, n), step: Number(m[1]) }];
  }).sort((a, b) => b.step - a.step);
}

/** What `dir/latest.json` says: nothing (absent), something unreadable, or a file name. */
export type CheckpointPointer =
  | { state: 'missing'; path: string }
  | { state: 'invalid'; path: string; why: string }
  | { state: 'ok'; path: string; file: string; step: number | undefined };

export function readPointer(dir: string): CheckpointPointer {
  const path = join(dir, LATEST_FILE);
  if (!existsSync(path)) return { state: 'missing', path };
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    return { state: 'invalid', path, why: `not valid JSON (${(e as Error).message.split('\n')[0]})` };
  }
  const file = (value as { file?: unknown } | null)?.file;
  if (typeof file !== 'string' || file === '' || basename(file) !== file) {
    return { state: 'invalid', path, why: 'has no "file" naming a checkpoint in its directory' };
  }
  const step = (value as { step?: unknown }).step;
  return { state: 'ok', path, file: join(dir, file), step: typeof step === 'number' ? step : undefined };
}

/** "step_0000002.ckpt … step_0000006.ckpt (3 files)" for messages. */
export function describeStepFiles(files: readonly { file: string }[]): string {
  const names = files.map((f) => basename(f.file));
  if (names.length === 1) return names[0];
  return `${names[names.length - 1]} … ${names[0]} (${names.length} files)`;
}

/**
 * A checkpoint file as given, or the one a directory's (or run directory's checkpoints/)
 * `latest.json` names. A missing or unreadable pointer is an error that names the step files
 * beside it, so the user can pick one; nothing is guessed for a read.
 */
export function resolveCheckpointPath(path: string): string {
  if (!existsSync(path)) {
    throw new PlcaError('PLCA_FILE_NOT_FOUND', `checkpoint not found: ${path}`, {
      hint: 'give a .ckpt file, a checkpoints/ directory or a run directory',
    });
  }
  if (!statSync(path).isDirectory()) return path;
  // A run directory keeps its checkpoints in checkpoints/.
  const sub = join(path, 'checkpoints');
  if (!existsSync(join(path, LATEST_FILE)) && listStepFiles(path).length === 0 && existsSync(sub) && statSync(sub).isDirectory()) {
    return resolveCheckpointPath(sub);
  }
  const ptr = readPointer(path);
  if (ptr.state === 'ok' && existsSync(ptr.file)) return ptr.file;
  const steps = listStepFiles(path);
  const problem = ptr.state === 'missing' ? `holds no checkpoint pointer (${LATEST_FILE})`
    : ptr.state === 'invalid' ? `has an unreadable checkpoint pointer: ${ptr.path} is ${ptr.why}`
      : `has a checkpoint pointer ${ptr.path} that names a missing file: ${basename(ptr.file)}`;
  if (steps.length === 0) {
    throw new PlcaError('PLCA_CHECKPOINT_INVALID', `directory ${path} ${problem}, and no step_*.ckpt files`, {
      hint: 'give a .ckpt file, a checkpoints/ directory or a run directory that holds checkpoints',
    });
  }
  throw new PlcaError('PLCA_CHECKPOINT_INVALID', `directory ${path} ${problem}; it holds ${describeStepFiles(steps)}`, {
    hint: `name a checkpoint file instead, e.g. the newest: --checkpoint ${steps[0].file}`,
  });
}

/** The checkpoint `latest.json` names in `dir`, or undefined when there is no pointer. */
export function latestCheckpoint(dir: string): string | undefined {
  return existsSync(join(dir, LATEST_FILE)) ? resolveCheckpointPath(dir) : undefined;
}
