/**
 * One error type for the whole library, with stable codes. Only `cli/` catches these,
 * prints the one-line message and sets the exit status; library code throws them.
 */
export const ERROR_CODES = [
  'PLCA_INVALID_ARGUMENT', // a value passed to a function is out of range or the wrong shape
  'PLCA_CONFIG_INVALID', // config file or --set override fails validation
  'PLCA_FILE_NOT_FOUND', // a path the user named does not exist
  'PLCA_FILE_UNREADABLE', // exists but cannot be read (permissions, a directory, ...)
  'PLCA_FILE_UNWRITABLE', // an output path that cannot be written (a file in the way, permissions, read-only or full disk)
  'PLCA_IMAGE_CORRUPT', // an image file that cannot be decoded
  'PLCA_SIZE_MISMATCH', // image and label sizes differ
  'PLCA_LABEL_INVALID', // label values outside the mapping
  'PLCA_DATASET_INVALID', // a dataset tree that does not match its layout
  'PLCA_CHECKPOINT_INVALID', // a checkpoint that is corrupt or of another model
  'PLCA_NAN_LOSS', // a loss term became NaN or Inf during training
  'PLCA_BACKEND_UNAVAILABLE', // the requested TF.js backend cannot be set up
  'PLCA_OUT_OF_MEMORY', // the engine's memory (the 4 GB wasm heap) is exhausted
  'PLCA_INTERRUPTED', // the user interrupted a run (Ctrl-C)
  'PLCA_INTERNAL', // a bug: please report it
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class PlcaError extends Error {
  readonly code: ErrorCode;
  /** What the user can do about it; printed after the message. */
  readonly hint?: string;

  constructor(code: ErrorCode, message: string, options?: { hint?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PlcaError';
    this.code = code;
    this.hint = options?.hint;
  }
}

export function isPlcaError(e: unknown): e is PlcaError {
  return e instanceof PlcaError;
}

/** Throws PLCA_INVALID_ARGUMENT naming the operation, unless `cond` holds. */
export function check(cond: unknown, op: string, message: string): asserts cond {
  if (!cond) throw new PlcaError('PLCA_INVALID_ARGUMENT', `Error in ${op}: ${message}`);
}
