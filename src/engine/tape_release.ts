// Frees what the backward pass has finished with, as it goes. Why: tfjs-core's backward pass
// (tape.ts `backpropagateGradients`, run inside one `tidy('backward')`) keeps the gradient of every
// intermediate tensor and every op's saved inputs until the whole pass ends. At its end the heap
// holds all the activations the forward pass saved *and* a gradient for each of them: about twice
// what the pass needs. A DeepLab-V2 R101 step at 513² exhausted the 4 GB wasm heap that way.
//
// The tape is walked in reverse: once node i's gradient has run (and every one of its input
// gradients was taken), the gradients of node i's outputs and node i's saved tensors are never
// read again — each tensor is the output of exactly one node. So when node i−1's gradient starts,
// node i's are released. Guards:
// - only inside a top-level `gradients` call (gradientDepth 0: no outer tape may still record
//   these tensors as inputs; higher-order gradients keep tfjs's behaviour);
// - never the caller's `dy` or `xs`;
// - a gradient function may hand a tensor on unchanged (its dy as an input's gradient, one tensor
//   to two inputs, even a saved tensor): every tensor returned as an input gradient is counted,
//   and a node's own input gradients are never released with it. A tensor returned n ≥ 2 times
//   sits in n slots of the gradient map: each release takes one count, the last one frees it.
import * as tf from '@tensorflow/tfjs-core';

type Thunks = Record<string, () => tf.Tensor>;
interface TapeNode {
  outputs: tf.Tensor[];
  saved?: tf.Tensor[];
  gradient?: (dys: Array<tf.Tensor | null>) => Thunks;
}
interface EngineInternals {
  state: { gradientDepth: number; activeTape: TapeNode[] | null };
  addTapeNode(...args: unknown[]): void;
  gradients(f: () => tf.Tensor, xs: tf.Tensor[], dy?: tf.Tensor, allowNoGradients?: boolean): unknown;
}

/** The backward pass being released: its protected tensors and the node last run. */
interface Pass {
  keep: Set<tf.Tensor>;
  pending?: Pending;
}
/** A node whose gradient has run: its output gradients, saved tensors and input gradients. */
interface Pending { dys: Array<tf.Tensor | null>; saved: tf.Tensor[]; dxs: Set<tf.Tensor> }

let pass: Pass | undefined;
/** How many accumulated-gradient slots hold a tensor (times it was returned as an input gradient). */
const holders = new WeakMap<tf.Tensor, number>();
let installed = false;
let enabled = true;
let released = 0;

function drop(t: tf.Tensor | null | undefined, p: Pass, done: Pending, saved: boolean): void {
  if (!t || t.isDisposed || p.keep.has(t) || done.dxs.has(t)) return;
  const n = holders.get(t) ?? 0;
  if (saved ? n > 0 : n > 1) {
    if (!saved) holders.set(t, n - 1);
    return;
  }
  holders.delete(t);
  t.dispose();
  released++;
}

function releasePending(p: Pass, engine: EngineInternals): void {
  const done = p.pending;
  p.pending = undefined;
  if (!done) return;
  for (const dy of done.dys) drop(dy, p, done, false);
  if (engine.state.gradientDepth === 0) for (const s of done.saved) drop(s, p, done, true);
}

/**
 * Wraps the engine's `addTapeNode` (each node's gradient releases the node before it) and
 * `gradients` (marks a top-level backward pass and what it must keep). Idempotent.
 */
export function installTapeRelease(): void {
  if (installed) return;
  installed = true;
  const engine = tf.engine() as unknown as EngineInternals;
  const addTapeNode = engine.addTapeNode.bind(engine);
  engine.addTapeNode = (...args: unknown[]): void => {
    addTapeNode(...args);
    const tape = engine.state.activeTape;
    const node = tape?.[tape.length - 1];
    const grad = node?.gradient;
    if (!node || !grad) return;
    node.gradient = (dys) => {
      const p = pass;
      if (!p || !enabled) return grad(dys);
      releasePending(p, engine);
      const thunks = grad(dys);
      // A nested top-level pass inside `grad` (recomputation) ran with its own state; this node is
      // pending in the outer pass, released when the next node of that pass starts.
      const pending: Pending = { dys, saved: node.saved ?? [], dxs: new Set() };
      p.pending = pending;
      const counted: Thunks = {};
      for (const [name, thunk] of Object.entries(thunks)) {
        counted[name] = () => {
          const dx = thunk();
          holders.set(dx, (holders.get(dx) ?? 0) + 1);
          pending.dxs.add(dx);
          return dx;
        };
      }
      return counted;
    };
  };
  const gradients = engine.gradients.bind(engine);
  engine.gradients = (f, xs, dy, allowNoGradients) => {
    if (engine.state.gradientDepth > 0) return gradients(f, xs, dy, allowNoGradients);
    const outer = pass;
    pass = { keep: new Set([...xs, ...(dy ? [dy] : [])]) };
    try {
      return gradients(f, xs, dy, allowNoGradients);
    } finally {
      pass = outer;
    }
  };
}

/** Turns releasing on or off (for comparisons); returns the previous setting. */
export function setTapeRelease(on: boolean): boolean {
  const was = enabled;
  enabled = on;
  return was;
}

/** Tensors released early so far (for tests and benchmarks). */
export function tapeReleaseCount(): number {
  return released;
}
