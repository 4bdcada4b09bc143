// Initial weights from a PyTorch file: the Caffe-converted ImageNet ResNet-101 that the reference
// starts from (DeepLab_resnet_pretrained_init-f81d91e8.pth, keys `Scale.conv1.weight`, ...), a
// torchvision-style backbone, or a full state_dict such as the authors' released checkpoints.
import { extname } from 'node:path';
import { PlcaError } from '../util/errors.js';
import type { Segmentor } from './segmentor.js';
import { isTorchFile, readTorchFile, torchFileFormat } from './torch_pth.js';
import { loadTorchStateDict, type LoadTorchResult, type TorchTensor } from './torch_weights.js';

/** How a file's keys were mapped to the model's PyTorch names. */
export type KeyConvention = 'caffe-imagenet' | 'state_dict' | 'module-prefixed' | 'backbone-only';

export interface LoadPretrainedOptions {
  /** The dict of tensors inside the file (dotted key); auto-detected when absent (see readTorchFile). */
  key?: string;
  /** Reorders the classifier's output channels (see LoadTorchOptions.classPermutation). */
  classPermutation?: readonly number[];
}

export interface LoadPretrainedResult extends LoadTorchResult {
  file: string;
  format: 'zip' | 'legacy';
  convention: KeyConvention;
  /** file keys left out on purpose: the Caffe file's ImageNet classifier (`layer5`), as the reference does */
  skipped: string[];
}

/** A path that names a PyTorch file: a .pth/.pt extension, or the zip / legacy torch magic. */
export function isTorchWeightsPath(path: string): boolean {
  return ['.pth', '.pt'].includes(extname(path).toLowerCase()) || isTorchFile(path);
}

interface Mapping { convention: KeyConvention; rename: (k: string) => string; skip?: (k: string) => boolean }

/**
 * The key conventions tried, in order. The reference loads the Caffe ImageNet file into the
 * backbone only: it strips `Scale.` and leaves out the ImageNet classifier `layer5`.
 */
const MAPPINGS: Mapping[] = [
  { convention: 'caffe-imagenet', rename: (k) => `backbone.${k.replace(/^Scale\./, '')}`, skip: (k) => /^(Scale\.)?layer5\./.test(k) },
  { convention: 'state_dict', rename: (k) => k },
  { convention: 'module-prefixed', rename: (k) => k.replace(/^module\./, '') },
  // torchvision-style ResNet state dicts (conv1.weight, layer1.0..., fc.*) for the backbone.
  { convention: 'backbone-only', rename: (k) => `backbone.${k}` },
];

/** The convention under which most of the dict's keys name model parameters; null when none does. */
export function matchKeys(model: Segmentor, keys: readonly string[]): { mapping: Mapping; matched: number } | null {
  const names = new Set(model.torchNames.values());
  const caffe = keys.some((k) => k.startsWith('Scale.'));
  let best: { mapping: Mapping; matched: number } | null = null;
  for (const mapping of caffe ? MAPPINGS.slice(0, 1) : MAPPINGS.slice(1)) {
    const matched = keys.filter((k) => !mapping.skip?.(k) && names.has(mapping.rename(k))).length;
    if (matched > 0 && (best === null || matched > best.matched)) best = { mapping, matched };
  }
  return best;
}

/**
 * Loads what matches of a state dict into `model` (non-strict, shapes checked): the dict's keys
 * are mapped by the convention that matches most of them. PLCA_CHECKPOINT_INVALID when nothing matches.
 */
export function loadPretrainedDict(model: Segmentor, dict: Record<string, TorchTensor>, file: string, opts: LoadPretrainedOptions = {}):
  Omit<LoadPretrainedResult, 'format'> {
  const keys = Object.keys(dict);
  const best = matchKeys(model, keys);
  if (best === null) {
    const sample = (a: readonly string[]) => a.slice(0, 4).join(', ') + (a.length > 4 ? ', …' : '');
    throw new PlcaError('PLCA_CHECKPOINT_INVALID',
      `torch file ${file}: none of its ${keys.length} keys names a parameter of model "${model.name}" (file: ${sample(keys)}; model: ${sample([...model.torchNames.values()])})`,
      { hint: 'check --model / model.name, or choose the dict inside the file with its key (e.g. "state_dict")' });
  }
  const { mapping } = best;
  const skipped = keys.filter((k) => mapping.skip?.(k) === true);
  const kept = Object.fromEntries(Object.entries(dict).filter(([k]) => mapping.skip?.(k) !== true));
  const r = loadTorchStateDict(model, kept, { rename: mapping.rename, strict: false, classPermutation: opts.classPermutation });
  return { ...r, file, convention: mapping.convention, skipped };
}

/** Reads a .pth/.pt file and loads it into `model` as `loadPretrainedDict` does. */
export function loadPretrained(model: Segmentor, path: string, opts: LoadPretrainedOptions = {}): LoadPretrainedResult {
  const dict = readTorchFile(path, { key: opts.key });
  const format = torchFileFormat(path) ?? 'zip'; // readTorchFile has checked that it is one of the two
  return { ...loadPretrainedDict(model, dict, path, opts), format };
}

/** One line for logs: counts, and the first few names of each list. */
export function describePretrained(r: LoadPretrainedResult): string {
  const few = (a: readonly string[]) => (a.length === 0 ? '' : ` (${a.slice(0, 3).join(', ')}${a.length > 3 ? ', …' : ''})`);
  return `${r.file} (${r.format}, ${r.convention} keys): loaded ${r.loaded.length}, missing ${r.missing.length}${few(r.missing)}, ` +
    `unexpected ${r.unexpected.length}${few(r.unexpected)}, skipped ${r.skipped.length}${few(r.skipped)}`;
}
