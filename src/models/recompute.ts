// Recomputation (gradient checkpointing) for the backbone's residual blocks.
//
// Why: TF.js's tape keeps every op's saved inputs until the whole backward pass ends, so a
// ResNet-101 forward at the paper's 730² crop keeps ~30 activations per block alive at once
// (several GB, beyond the 4 GB wasm heap). A checkpointed segment keeps only its input: its
// forward runs off the tape, and its gradient re-runs the forward under a tape of its own and
// back-propagates through that (Chen et al. 2016, "Training deep nets with sublinear memory cost").
//
// Batch norm: the replayed forward sees the same input, so it computes the same batch statistics
// (the kernels are deterministic); it runs with `replay = true`, which the caller turns into
// `updateStats: false`, so the running statistics move once per forward, as without recomputation.
import * as tf from '@tensorflow/tfjs-core';

/** `off`: plain tape; `blocks`: each residual block checkpointed; `segments`: runs of ⌈√n⌉ blocks
 *  checkpointed, each block inside again when the run is replayed (less memory, one forward more). */
export type RecomputeMode = 'off' | 'blocks' | 'segments';
/** A mode, or `auto`: chosen from the input's size (see `resolveRecompute`). */
export type RecomputeSetting = RecomputeMode | 'auto';
export const RECOMPUTE_SETTINGS = ['auto', 'off', 'blocks', 'segments'] as const;

/**
 * Pixels (N·H·W summed over the forwards one micro-batch records: both domains' tapes live until
 * the backward pass) from which `auto` checkpoints blocks, and segments. Measured with the engine
 * freeing the tape as the backward pass goes (engine/tape_release.ts), DeepLab-V2 R101, wasm,
 * without recomputation: 321² source 103k pixels → wasm heap 1.0 GB; 321² PLCA 206k → 2.0 GB;
 * 513² source 263k → 2.3 GB (peak RSS 2.5 GB). Below 270k the plain tape fits with room to spare
 * and saves the extra forward (a third more convolution work).
 */
export const AUTO_BLOCKS_PIXELS = 270_000;
export const AUTO_SEGMENTS_PIXELS = 2 * 600 * 600;

/** The mode `setting` means for `pixels` = N·H·W summed over the micro-batch's taped forwards. */
export function resolveRecompute(setting: RecomputeSetting | undefined, pixels: number): RecomputeMode {
  if (setting !== undefined && setting !== 'auto') return setting;
  return pixels >= AUTO_SEGMENTS_PIXELS ? 'segments' : pixels >= AUTO_BLOCKS_PIXELS ? 'blocks' : 'off';
}

interface EngineInternals { state: { activeTape: unknown }; isTapeOn(): boolean }
const engine = (): EngineInternals => tf.engine() as unknown as EngineInternals;

/** Whether ops are being recorded for a gradient right now (outside, recomputation is moot). */
export function recording(): boolean {
  return engine().isTapeOn();
}

/**
 * y = run(x) as one differentiable op over x and `vars`, keeping only x for the backward pass.
 * `run(x, replay)` must be a pure function of x and `vars` (replay = true on the recomputation).
 * Off the tape (inference, or inside another checkpoint's first forward) it is just run(x, false).
 */
export function checkpoint(run: (x: tf.Tensor4D, replay: boolean) => tf.Tensor4D, x: tf.Tensor4D, vars: tf.Variable[]): tf.Tensor4D {
  if (!recording()) return run(x, false);
  const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const xin = args[0] as tf.Tensor4D;
    const value = run(xin, false); // runs off the tape: its intermediates die with the engine's tidy
    save([xin]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => replayGrads(run, saved[0] as tf.Tensor4D, vars, dy),
    };
  });
  return f(x, ...vars) as tf.Tensor4D;
}

/**
 * Re-runs `run` from the saved input under a fresh tape and returns [dx, ...dvars]. TF.js keeps
 * one active tape: a nested `gradients` call (at gradient depth 0, i.e. during the outer backward
 * pass) replaces it and sets it to null at the end, so the outer tape is put back afterwards.
 * The saved input and the incoming dy are used once: they are freed here, not when the outer
 * backward pass ends (it would otherwise hold every block's input and output gradient to the end).
 */
function replayGrads(run: (x: tf.Tensor4D, replay: boolean) => tf.Tensor4D, x: tf.Tensor4D, vars: tf.Variable[], dy: tf.Tensor): tf.Tensor[] {
  const eng = engine();
  const outer = eng.state.activeTape;
  try {
    // the customGrad's gradFunc is not run under a tidy by the engine; this one frees the zeros
    return tf.tidy(() => {
      const { value, grads } = tf.engine().gradients(() => run(x, true), [x, ...vars], dy as tf.Tensor4D, true);
      value.dispose();
      return grads.map((g, i) => g ?? tf.zerosLike(i === 0 ? x : vars[i - 1]));
    });
  } finally {
    eng.state.activeTape = outer;
    x.dispose();
    dy.dispose();
  }
}
