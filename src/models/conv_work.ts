// The convolution work of a forward pass, counted from a model's plan at a given input size
// (no tensors). Benchmarks divide a training step's time by it (GFLOP/s); the PyTorch twin
// counts the same convolutions with forward hooks (scripts/bench_model_torch.py).
import { convOut, type ConvSpec } from './module.js';

/** One convolution of a forward pass: its shape and output grid, per image. */
export interface ConvWork {
  name: string;
  k: number;
  cin: number;
  cout: number;
  outH: number;
  outW: number;
  /** true for a convolution of the input image: a training step computes no input gradient for it */
  readsInput: boolean;
}

/** Appends `c` applied to an `h`×`w` input; returns its output grid. */
export function pushConv(out: ConvWork[], c: ConvSpec, h: number, w: number, readsInput = false): [number, number] {
  const outH = convOut(h, c.k, c.stride, c.pad, c.dilation);
  const outW = convOut(w, c.k, c.stride, c.pad, c.dilation);
  out.push({ name: c.name, k: c.k, cin: c.cin, cout: c.cout, outH, outW, readsInput });
  return [outH, outW];
}

/** Multiply-adds ×2 of one convolution for one image. */
export function convFlop(c: ConvWork): number {
  return 2 * c.outH * c.outW * c.k * c.k * c.cin * c.cout;
}

export interface ConvGflop {
  /** forward convolutions */ forward: number;
  /** forward + filter gradients + input gradients (none for the convolutions of the image) */ step: number;
}

/** GFLOP of the convolutions of a forward pass and of a training step, for `batch` images. */
export function convGflop(convs: ConvWork[], batch = 1): ConvGflop {
  let forward = 0;
  let step = 0;
  for (const c of convs) {
    const f = convFlop(c) * batch / 1e9;
    forward += f;
    step += c.readsInput ? 2 * f : 3 * f;
  }
  return { forward, step };
}
