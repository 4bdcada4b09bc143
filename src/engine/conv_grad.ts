// Conv2D gradients for any stride and dilation, NHWC, built from forward convolutions only.
// Why: tfjs-core's Conv2D gradient asserts dilation 1 (DeepLab's atrous layers and ASPP need
// more), and wasm has no Conv2DBackpropFilter while its Conv2DBackpropInput is a scalar loop;
// the forward Conv2D is XNNPACK on wasm (docs/design/engine.md, "Ways that were checked to work").
// When plca's own wasm kernels are installed (kernels/conv.ts), both gradients are one GEMM
// each instead; the composition remains for the other backends and the shapes they skip.
import * as tf from '@tensorflow/tfjs-core';
import { PlcaError } from '../util/errors.js';
import { convGeometry, type ConvGeometry } from './conv_geometry.js';
import { CONV_FILTER_GRAD, CONV_INPUT_GRAD, inputGradSupported, ownKernels, type ConvGradAttrs } from './kernels/conv.js';

export { convGeometry, type ConvGeometry };

type Pad4 = [[number, number], [number, number], [number, number], [number, number]];

/** True when plca's wasm kernels are installed and the wasm backend computes these float32 tensors. */
function useOwnKernels(a: tf.Tensor, b: tf.Tensor): boolean {
  return ownKernels() !== undefined && tf.getBackend() === 'wasm' && a.dtype === 'float32' && b.dtype === 'float32';
}

function runOwn(kernel: string, inputs: tf.NamedTensorMap, g: ConvGeometry, shape: number[]): tf.Tensor4D {
  const attrs: ConvGradAttrs = { ...g, shape };
  return tf.engine().runKernel(kernel, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}

/**
 * Pads (positive) or crops (negative) the two spatial axes of an NHWC tensor; returns the
 * cropped tensor and the remaining non-negative padding for a conv's explicit `pad`.
 */
function cropForPad(x: tf.Tensor4D, top: number, bottom: number, left: number, right: number): [tf.Tensor4D, Pad4] {
  const [n, h, w, c] = x.shape;
  const ct = Math.max(0, -top); const cb = Math.max(0, -bottom);
  const cl = Math.max(0, -left); const cr = Math.max(0, -right);
  const y = ct + cb + cl + cr === 0 ? x : tf.slice(x, [0, ct, cl, 0], [n, h - ct - cb, w - cl - cr, c]);
  return [y, [[0, 0], [Math.max(0, top), Math.max(0, bottom)], [Math.max(0, left), Math.max(0, right)], [0, 0]]];
}

/**
 * w[kh−1−i, kw−1−j] as an exchange-matrix product over the flattened kh·kw axis. Why: wasm's
 * Reverse is a scalar loop (docs/design/engine.md item 5), while this small product is XNNPACK.
 */
function flipSpatial(w: tf.Tensor4D): tf.Tensor4D {
  const [kh, kw, ci, co] = w.shape;
  const k = kh * kw;
  if (k === 1) return w;
  const j = new Float32Array(k * k);
  for (let i = 0; i < k; i++) j[i * k + (k - 1 - i)] = 1;
  const flat = tf.reshape(w, [k, ci * co]);
  return tf.reshape(tf.matMul(tf.tensor2d(j, [k, k]), flat), [kh, kw, ci, co]);
}

/**
 * ∂L/∂x of y = conv(x, w): a stride-1 "full" correlation of dy with the spatially flipped,
 * in/out-swapped filter at the same dilation; strided convs go through `stridedInputGrad`.
 */
export function convInputGrad(dy: tf.Tensor4D, w: tf.Tensor4D, xShape: number[], g: ConvGeometry): tf.Tensor4D {
  if (useOwnKernels(dy, w) && inputGradSupported(w.shape, g)) return runOwn(CONV_INPUT_GRAD, { dy, filter: w }, g, xShape);
  if (g.strideH > 1 || g.strideW > 1) return stridedInputGrad(dy, w, xShape, g);
  return tf.tidy(() => {
    const [kh, kw] = w.shape;
    const [, h, wd] = xShape;
    const wf = tf.transpose(flipSpatial(w), [0, 1, 3, 2]); // [kh, kw, Co, Ci]
    // Output length = oh + a + b − d(k−1) must equal the input length.
    const a = g.dilH * (kh - 1) - g.padTop;
    const b = h - g.outH - a + g.dilH * (kh - 1);
    const l = g.dilW * (kw - 1) - g.padLeft;
    const r = wd - g.outW - l + g.dilW * (kw - 1);
    const [src, pad] = cropForPad(dy, a, b, l, r);
    return tf.conv2d(src, wf as tf.Tensor4D, 1, pad, 'NHWC', [g.dilH, g.dilW]);
  });
}

/**
 * Input gradient of a strided (dilation-1) conv by phases, without zero-insertion (which would
 * multiply the work by sh·sw). In padded coordinates u = q·s + ρ, input row u receives
 * Σ_j dy[q − j]·w[ρ + s·j]. All s² phases run as ONE stride-1 conv of dy with a combined filter
 * F[a, b, :, (ρh·s + ρw)·Ci + c] = w[ρh + s(J−1−a), ρw + s(J−1−b), c, :] (zero where out of
 * range, J = ⌈k/s⌉); interleaving the phases (a depth-to-space) and cutting the padding finish.
 */
function stridedInputGrad(dy: tf.Tensor4D, w: tf.Tensor4D, xShape: number[], g: ConvGeometry): tf.Tensor4D {
  const s = g.strideH;
  if (g.strideW !== s) return zeroInsertInputGrad(dy, w, xShape, g);
  return tf.tidy(() => {
    const [kh, kw, ci, co] = w.shape;
    const [n, h, wd] = xShape;
    const jh = Math.ceil(kh / s);
    const jw = Math.ceil(kw / s);
    const qh = Math.ceil((g.padTop + h) / s);
    const qw = Math.ceil((g.padLeft + wd) / s);
    // Selection matrix [jh·jw·s·s, kh·kw] picking (and flipping) the taps of every phase.
    const sel = new Float32Array(jh * jw * s * s * kh * kw);
    for (let a = 0; a < jh; a++) for (let b = 0; b < jw; b++) for (let rh = 0; rh < s; rh++) for (let rw = 0; rw < s; rw++) {
      const th = rh + s * (jh - 1 - a);
      const tw = rw + s * (jw - 1 - b);
      if (th < kh && tw < kw) sel[(((a * jw + b) * s + rh) * s + rw) * kh * kw + th * kw + tw] = 1;
    }
    const picked = tf.matMul(tf.tensor2d(sel, [jh * jw * s * s, kh * kw]), tf.reshape(w, [kh * kw, ci * co]));
    const f = tf.reshape(tf.transpose(tf.reshape(picked, [jh * jw, s * s, ci, co]), [0, 3, 1, 2]), [jh, jw, co, s * s * ci]);
    // Top/left padding J−1 aligns dy[q − j]; bottom/right makes exactly qh × qw outputs.
    const [src, pad] = cropForPad(dy, jh - 1, qh - g.outH, jw - 1, qw - g.outW);
    const phases = tf.conv2d(src, f as tf.Tensor4D, 1, pad, 'NHWC', 1); // [N, qh, qw, s·s·Ci]
    // Interleave (a depth-to-space): channels are (ρh, ρw, c); one 4-D transpose moves ρh next to
    // the rows. Why not tf.depthToSpace: wasm's DepthToSpace is a scalar loop (~40× a transpose).
    const byRow = tf.transpose(tf.reshape(phases, [n * qh, qw, s, s * ci]), [0, 2, 1, 3]); // [N·qh, ρh, qw, (ρw, c)]
    const full = tf.reshape(byRow, [n, qh * s, qw * s, ci]); // row u = q·s + ρh, column q'·s + ρw
    return tf.slice(full, [0, g.padTop, g.padLeft, 0], [n, h, wd, ci]) as tf.Tensor4D;
  });
}

/** Fallback for unequal strides: stride-1 full correlation of the zero-inserted dy. */
function zeroInsertInputGrad(dy: tf.Tensor4D, w: tf.Tensor4D, xShape: number[], g: ConvGeometry): tf.Tensor4D {
  return tf.tidy(() => {
    const [kh, kw] = w.shape;
    const [, h, wd] = xShape;
    const [n, oh, ow, c] = dy.shape;
    const { strideH: sh, strideW: sw } = g;
    const r6 = tf.pad(tf.reshape(dy, [n, oh, 1, ow, 1, c]), [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]]);
    const up = tf.reshape(r6, [n, oh * sh, ow * sw, c]) as tf.Tensor4D; // trailing zeros included
    const wf = tf.transpose(flipSpatial(w), [0, 1, 3, 2]); // [kh, kw, Co, Ci]
    const a = kh - 1 - g.padTop;
    const l = kw - 1 - g.padLeft;
    const [src, pad] = cropForPad(up, a, h - oh * sh - a + kh - 1, l, wd - ow * sw - l + kw - 1);
    return tf.conv2d(src, wf as tf.Tensor4D, 1, pad, 'NHWC', 1);
  });
}

/**
 * ∂L/∂w of y = conv(x, w): one forward convolution of x with dy, batch and channel axes swapped
 * ([Ci, H, W, N] * [oh, ow, N, Co] → [Ci, kh, kw, Co]); stride and dilation exchange roles.
 */
export function convFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: number[], g: ConvGeometry): tf.Tensor4D {
  if (useOwnKernels(x, dy)) return runOwn(CONV_FILTER_GRAD, { x, dy }, g, filterShape);
  return tf.tidy(() => {
    const [kh, kw, ci, co] = filterShape;
    const [, h, wd] = x.shape;
    const xt = tf.transpose(x, [3, 1, 2, 0]); // [Ci, H, W, N]
    const dyt = tf.transpose(dy, [1, 2, 0, 3]); // [oh, ow, N, Co]
    // Bottom/right padding chosen so exactly kh × kw outputs come out (may be a crop).
    const b = g.dilH * (kh - 1) + g.strideH * (g.outH - 1) + 1 - h - g.padTop;
    const r = g.dilW * (kw - 1) + g.strideW * (g.outW - 1) + 1 - wd - g.padLeft;
    const [src, pad] = cropForPad(xt, g.padTop, b, g.padLeft, r);
    const out = tf.conv2d(src, dyt as tf.Tensor4D, [g.dilH, g.dilW], pad, 'NHWC', [g.strideH, g.strideW]);
    if (out.shape[1] !== kh || out.shape[2] !== kw || out.shape[0] !== ci || out.shape[3] !== co) {
      throw new PlcaError('PLCA_INTERNAL', `conv filter gradient has shape ${out.shape}, expected [${ci},${kh},${kw},${co}]`);
    }
    return tf.transpose(out, [1, 2, 0, 3]); // [kh, kw, Ci, Co]
  });
}

/** Replaces tfjs-core's Conv2D gradient (which asserts dilation 1) for every backend. */
export function registerConv2dGradient(): void {
  tf.registerGradient({
    kernelName: tf.Conv2D,
    inputsToSave: ['x', 'filter'],
    gradFunc: (dy, saved, attrs) => {
      const [x, w] = saved as [tf.Tensor4D, tf.Tensor4D];
      const g = convGeometry(x.shape, w.shape, attrs as unknown as tf.Conv2DAttrs);
      const d = dy as tf.Tensor4D;
      return {
        x: () => convInputGrad(d, w, x.shape, g),
        filter: () => convFilterGrad(x, d, w.shape, g),
      };
    },
  });
}

