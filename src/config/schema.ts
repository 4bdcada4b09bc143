/**
 * The one schema of a plca run: every knob, its type and its default. `UserConfig` (what
 * config files and `--set` give) is this schema's input type, every field optional;
 * `ResolvedConfig` is its output, complete. Defaults are the paper's GTAV→Cityscapes
 * settings (§4.2) as the reference code runs them (docs/design/reference-implementation.md §4.3, §4.8, §4.9).
 *
 * All objects are strict: an unknown key is an error, so a typo in a config never silently
 * falls back to a default.
 */
import { z } from 'zod';

const posInt = z.number().int().positive();
const nonNegInt = z.number().int().nonnegative();
const size2 = z.tuple([posInt, posInt]);
const rgb = z.tuple([z.number(), z.number(), z.number()]);

/** The readers of src/data (`openDataset`) plus the generated MiniCity; 'gta5' is an alias of 'gtav'. */
export const DATASET_NAMES = ['gtav', 'gta5', 'synthia', 'cityscapes', 'folder', 'minicity'] as const;

/**
 * The paper's Table 1 columns plus the BN-statistics control. Each mode fixes the objective's
 * switches (`MODE_SWITCHES` in src/config/modes.ts); `method.switches` may override single switches.
 */
export const METHOD_MODES = [
  'source_only', // L^ce only
  'source_only_lovasz', // L^ce + β1 L^lov
  'source_only_lovasz_tgtbn', // + a target forward pass that only updates BN statistics ("lovbn")
  'plca_fass', // + β2 L^fass (Table 1, "+L^fass")
  'plca_fass_cass', // + β2 L^cass (Table 1, "+L^cass")
  'plca', // full Eq. (14): + β3 L^lsr
  'sim_plca', // full, but associated similarities maximised directly (Table 1, "Sim-PLCA")
  'plca_no_sagg', // full without target spatial aggregation, Eq. (7) (Table 1, "PLCA w/o. SAGG")
] as const;

const domainSchema = z.strictObject({
  /** Which dataset reader. */
  dataset: z.enum(DATASET_NAMES),
  /** Dataset root directory. */
  root: z.string().min(1),
  /** Split (e.g. 'train', 'val', 'trainval'). */
  split: z.string().min(1),
  /** Optional list file of samples; the dataset's own split list when null. */
  list: z.string().min(1).nullable().default(null),
  /** 'folder' only: JSON file mapping raw label ids to train ids. */
  idMap: z.string().min(1).nullable().default(null),
});

/** Pixel normalisation (reference §4.8): (x·scale − mean)/std, channels flipped to BGR if asked. */
const normalizationSchema = z.strictObject({
  /** Channel order fed to the net. Caffe-converted ResNets want 'bgr'. @default 'bgr' */
  channelOrder: z.enum(['rgb', 'bgr']).default('bgr'),
  /** Pixels are first scaled from 0..255 by this factor (1: stay in 0..255; 1/255: 0..1). @default 1 */
  scale: z.number().positive().default(1),
  /** Per-channel mean in the channel order above. @default Caffe BGR mean */
  mean: rgb.default([104.00698793, 116.66876762, 122.67891434]),
  /** Per-channel std. @default [1, 1, 1] */
  std: z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]).default([1, 1, 1]),
});

/**
 * Photometric augmentation of the labelled source stream (src/data/photometric.ts; docs/minicity.md
 * "Photometric augmentation"): each knob is the largest change, drawn uniformly per image from the
 * stream's seeded random numbers. All 0 (the default) is off. The target stream is never augmented.
 */
const augmentSchema = z.strictObject({
  /** Gain factor in [1 − b, 1 + b]. @default 0 */
  brightness: z.number().min(0).max(1).default(0),
  /** Contrast factor in [1 − c, 1 + c] around the image mean. @default 0 */
  contrast: z.number().min(0).max(1).default(0),
  /** Saturation factor in [1 − s, 1 + s] around the luma. @default 0 */
  saturation: z.number().min(0).max(1).default(0),
  /** Per-channel gain in [1 − h, 1 + h] (colour casts). @default 0 */
  colour: z.number().min(0).max(1).default(0),
  /** Gamma e^u, u uniform in [−g, g]. @default 0 */
  gamma: z.number().min(0).max(2).default(0),
  /** Largest Gaussian blur σ in px. @default 0 */
  blur: z.number().min(0).max(8).default(0),
  /** Probability that an image is blurred. @default 0.5 */
  blurProb: z.number().min(0).max(1).default(0.5),
  /** Largest additive Gaussian noise σ (pixel values in [0, 1]). @default 0 */
  noise: z.number().min(0).max(0.5).default(0),
});

/** MiniCity, the embedded procedural benchmark (docs/minicity.md); the defaults are the demo's. */
const minicitySchema = z.strictObject({
  /** Target style gap k (0 = source-like). @default 0.6 */
  targetGap: z.number().nonnegative().default(0.6),
  /** Source and target training images each. @default 1000 */
  trainImages: posInt.default(1000),
  /** Source and target validation images each. @default 200 */
  valImages: posInt.default(200),
  /** Image size [H, W]. @default [64, 128] */
  size: size2.default([64, 128]),
  /**
   * The target style: a shift preset's name (camera, camera_dark, night, fog, overexposed, colour_cast,
   * sensor, busy_streets, night_busy_sensor; src/minicity/shifts.ts) or a JSON file of target style and
   * scene overrides (`plca demo --target-style`); null: the camera style at targetGap.
   */
  targetStyle: z.string().min(1).nullable().default(null),
});

const dataSchema = z.strictObject({
  source: domainSchema.prefault({ dataset: 'gtav', root: 'data/gtav', split: 'trainval' }),
  /** Unlabelled target training domain; null for a source-only run without target data. */
  target: domainSchema.nullable().prefault({ dataset: 'cityscapes', root: 'data/cityscapes', split: 'train' }),
  /** Validation set (target domain, labelled). */
  val: domainSchema.nullable().prefault({ dataset: 'cityscapes', root: 'data/cityscapes', split: 'val' }),
  /** Random short-side resize range [min, max] in px (reference LOADSIZE .. 1.3·LOADSIZE). */
  resizeShort: size2.default([760, 988]),
  /** Random crop [H, W]. @default [730, 730] */
  crop: size2.default([730, 730]),
  /** Random horizontal flip, p = 0.5. */
  flip: z.boolean().default(true),
  augment: augmentSchema.prefault({}),
  /** Evaluation input size [H, W]; logits are upsampled to the label size. @default [730, 1460] */
  evalSize: size2.default([730, 1460]),
  normalization: normalizationSchema.prefault({}),
  minicity: minicitySchema.prefault({}),
  /** Loader worker threads. */
  workers: nonNegInt.default(2),
  /**
   * Label ids that the dataset's mapping does not list (e.g. 200 in a Cityscapes labelIds PNG; ids the
   * mapping sends to ignore, such as Cityscapes void 0–6, are listed and fine): 'error' stops naming the
   * file, 'warn' reads them as ignore (255) with one warning per file, 'ignore' reads them as ignore
   * silently. `plca data check` lists every such file. @default 'error'
   */
  unknownLabels: z.enum(['error', 'warn', 'ignore']).default('error'),
  /**
   * A label whose size differs from its image (a few GTAV pairs): 'error' stops naming both files;
   * 'resize' resizes the label to the image by nearest neighbour. `plca data check` lists every
   * such pair. @default 'error'
   */
  sizeMismatch: z.enum(['error', 'resize']).default('error'),
});

const modelSchema = z.strictObject({
  /** Registry name of the segmentor (src/models/registry.ts). */
  name: z.string().min(1).default('deeplabv2_resnet101'),
  /** Output classes: 19 for GTAV→Cityscapes, 16 for SYNTHIA→Cityscapes. */
  numClasses: posInt.default(19),
  /** Initial weights; random init when null. A plca checkpoint (file or run directory), or a PyTorch file
   *  (.pth/.pt, zip or legacy torch.save) loaded non-strictly by models/pretrained.ts: the reference's Caffe
   *  ImageNet init (DeepLab_resnet_pretrained_init-f81d91e8.pth) fills the backbone only, as the reference. */
  pretrained: z.string().min(1).nullable().default(null),
});

/** Loss weights of Eq. (14). */
const weightsSchema = z.strictObject({
  ce: z.number().nonnegative().default(1),
  /** β1 */
  lovasz: z.number().nonnegative().default(0.75),
  /** β2, for L^fass and L^cass alike (reference ASSO_W) */
  association: z.number().nonnegative().default(0.1),
  /** β3, for the source and the target LSR alike (reference LSR_W) */
  lsr: z.number().nonnegative().default(0.01),
});

/** Single objective switches; unset ones follow `mode`. */
const switchesSchema = z.strictObject({
  lovasz: z.boolean().optional(),
  fass: z.boolean().optional(),
  cass: z.boolean().optional(),
  lsr: z.boolean().optional(),
  spatialAgg: z.boolean().optional(),
  /** Sim-PLCA: maximise the associated similarities instead of the contrastive Eq. (4). */
  simAssociation: z.boolean().optional(),
  /** Forward the target batch in training mode (BN statistics) even when no target loss is on. */
  targetBnForward: z.boolean().optional(),
});

/**
 * The self-training control (issue 14; docs/minicity.md "Controls"): a target loss on the net's own
 * predictions, added to the mode's objective. 'pseudo_label': cross-entropy to the argmax on target
 * pixels whose softmax confidence is at least `threshold` (the labels carry no gradient);
 * 'entropy': the mean per-pixel entropy of the target softmax (entropy minimisation). Meant to
 * fine-tune a source-only net (`model.pretrained`), as the demo's self-training arm does.
 */
const selfTrainingSchema = z.strictObject({
  /** @default 'none' */
  loss: z.enum(['none', 'pseudo_label', 'entropy']).default('none'),
  /** Weight of the term in the total. @default 1 */
  weight: z.number().nonnegative().default(1),
  /** 'pseudo_label': the smallest softmax confidence of a pixel that is trained on. @default 0.9 */
  threshold: z.number().min(0).max(1).default(0.9),
});

const methodSchema = z.strictObject({
  mode: z.enum(METHOD_MODES).default('plca'),
  selfTraining: selfTrainingSchema.prefault({}),
  weights: weightsSchema.prefault({}),
  switches: switchesSchema.prefault({}),
  /** λ of the LSR term, Eq. (13) (reference LSR_THRES). */
  lsrLambda: z.number().positive().default(10),
  /** α of the target spatial aggregation, Eq. (7). */
  spatialAggAlpha: z.number().min(0).max(1).default(0.5),
  /**
   * Bilinear downsampling of features and logits before association (reference SCALE_FACTOR,
   * USE_DOWNSAMPLING): 1 associates on the full feature grid, 0.5 on half of it.
   */
  associationScale: z.number().positive().max(1).default(1),
  ignoreIndex: z.number().int().default(255),
  /**
   * Multiply β1 by `train.gradAccum`, as the reference does (LOV_W·ITER_SIZE inside a total
   * divided by ITER_SIZE, §4.3), so Lovász is summed over micro-batches while the other terms
   * are averaged. A no-op without accumulation.
   */
  lovaszAccumScaling: z.boolean().default(true),
  /**
   * Source-only warm-up: the association terms (L^fass, L^cass of Eq. (14); CE, Lovász and LSR stay
   * on) are off for this share of `train.maxIters` updates, so the cycles start from features that
   * already segment the source (docs/minicity.md, "Never worse than the start"). @default 0
   */
  associationWarmup: z.number().min(0).max(1).default(0),
  /**
   * After the warm-up, β2 rises linearly from β2/n to β2 over this share of `train.maxIters`
   * (n its updates). The weight of an update is a function of its index alone, so a resumed
   * run gets the same weights. @default 0 (full weight at once)
   */
  associationRamp: z.number().min(0).max(1).default(0),
});

const optimSchema = z.strictObject({
  lr: z.number().positive().default(2.5e-4),
  momentum: z.number().min(0).max(1).default(0.9),
  weightDecay: z.number().nonnegative().default(5e-4),
  /** Poly schedule lr·(1 − it/horizon)^power. */
  polyPower: z.number().nonnegative().default(0.9),
  /** LR multiplier for the classifier parameters (reference LR_MULT: 1). */
  classifierLrMult: z.number().positive().default(1),
  /** Parameter-name prefixes that make up the classifier (for classifierLrMult). */
  classifierPrefixes: z.array(z.string().min(1)).default(['classifier.']),
});

const trainSchema = z.strictObject({
  /** Optimiser updates to run. G→C: 28 epochs × 372 updates (§4.9). */
  maxIters: posInt.default(10416),
  /** Poly horizon in updates; may exceed maxIters (G→C: 30 epochs × 372), so the LR never reaches 0. */
  polyHorizon: posInt.default(11160),
  /** Source (and target) images per micro-batch. */
  batchSize: posInt.default(4),
  /** Micro-batches per update (reference ITER_SIZE). */
  gradAccum: posInt.default(2),
  /**
   * Recomputation (gradient checkpointing) of the backbone's residual blocks: `off` keeps every
   * activation for the backward pass; `blocks` keeps each block's input and re-runs the block in
   * the backward pass (one forward more); `segments` keeps one input per ⌈√n⌉ blocks (least memory,
   * two forwards more); `auto` picks by the pixels a micro-batch's taped forwards see (N·H·W, the
   * target's too when the method uses it): off below 270k (a PLCA update at 321², source-only at
   * 513²), blocks below 2·600², segments from there (PLCA at the paper's 730² crop). Gradients are the same in every mode
   * (src/models/recompute.ts, docs/memory.md).
   */
  recompute: z.enum(['auto', 'off', 'blocks', 'segments']).default('auto'),
  seed: z.number().int().default(0),
  /** Updates between checkpoints (one is always written at the end). */
  checkpointInterval: posInt.default(1860),
  /** Updates between validations (null: only at the end, if a validator is given). */
  valInterval: posInt.nullable().default(372),
  /** Updates between JSONL step records. */
  logInterval: posInt.default(37),
  /** Collapse warning threshold on the feature cover ratio (docs/design/minicity-prototype.md §3.4). */
  collapseCoverRatio: z.number().min(0).max(1).default(0.1),
  collapseGuard: z.strictObject({
    /**
     * Watch label-free collapse signals while the association terms are on, and on a collapse roll
     * back to the last healthy checkpoint with a smaller β2 (docs/minicity.md, "Never worse than
     * the start"). @default false
     */
    enabled: z.boolean().default(false),
    /** Updates per check; a healthy check ends with a checkpoint (the rollback targets). @default 20 */
    window: posInt.default(20),
    /** Collapsed when the window's mean feature cover ratio falls below this. @default 0.1 */
    coverRatio: z.number().min(0).max(1).default(0.1),
    /** Collapsed when the target batches' predictions use at most this many classes (≥ 0.5 % of pixels each), on average. @default 2 */
    maxClasses: nonNegInt.default(2),
    /**
     * A slow decline: a window's mean feature cover ratio below this share of the run's best window
     * mean rolls back to the best window's checkpoint (0: off). In the logged updates of healthy full
     * MiniCity runs the cover ratio stayed above 0.78 of its best; night_busy_sensor's decline (target
     * mIoU 32.3 → 20.5) reached 0.57 (docs/minicity.md). @default 0.7
     */
    coverDrop: z.number().min(0).max(1).default(0.7),
    /** β2 is multiplied by this at each rollback. @default 0.5 */
    weightFactor: z.number().min(0).max(1).default(0.5),
    /** After this many rollbacks the next collapse turns the association off for the rest of the run (source-only). @default 2 */
    maxRollbacks: nonNegInt.default(2),
  }).prefault({}),
});

const runtimeSchema = z.strictObject({
  backend: z.enum(['auto', 'wasm', 'cpu', 'tensorflow']).default('auto'),
  /** wasm threads; all cores when null. */
  threads: posInt.nullable().default(null),
});

const debugSchema = z.strictObject({
  /** Poison one loss term with NaN at this (0-based) update, to exercise NaN detection. */
  injectNanAtStep: nonNegInt.nullable().default(null),
  injectNanTerm: z.string().min(1).default('ce'),
  /** Fail an allocation in this (0-based) update, after its first forward, to exercise the out-of-memory path. */
  injectOomAtStep: nonNegInt.nullable().default(null),
});

export const ConfigSchema = z.strictObject({
  /** Free-form run name, used for the output directory. */
  name: z.string().min(1).default('plca'),
  model: modelSchema.prefault({}),
  data: dataSchema.prefault({}),
  method: methodSchema.prefault({}),
  optim: optimSchema.prefault({}),
  train: trainSchema.prefault({}),
  runtime: runtimeSchema.prefault({}),
  debug: debugSchema.prefault({}),
});

/** What a config file or `--set` gives: every field optional. */
export type UserConfig = z.input<typeof ConfigSchema>;
/** The schema's complete output; `method.switches` is completed by `resolveConfig`. */
export type ParsedConfig = z.output<typeof ConfigSchema>;
export type MethodMode = (typeof METHOD_MODES)[number];
export type DatasetName = (typeof DATASET_NAMES)[number];
export type ObjectiveSwitches = Required<z.output<typeof switchesSchema>>;
export type ResolvedConfig = Omit<ParsedConfig, 'method'> & {
  method: Omit<ParsedConfig['method'], 'switches'> & { switches: ObjectiveSwitches };
};
