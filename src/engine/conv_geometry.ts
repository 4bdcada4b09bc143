// Geometry of one NHWC convolution (strides, dilations, explicit padding, output size), shared by
// the gradient composition (conv_grad.ts) and plca's own wasm kernels (kernels/conv.ts).
import * as tf from '@tensorflow/tfjs-core';
import { PlcaError } from '../util/errors.js';

/** Geometry of one NHWC convolution, as the gradients need it. */
export interface ConvGeometry {
  strideH: number; strideW: number; dilH: number; dilW: number;
  padTop: number; padBottom: number; padLeft: number; padRight: number;
  outH: number; outW: number;
}

function pair(v: number | [number, number] | number[]): [number, number] {
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

/** Geometry from the Conv2D kernel attributes (any of 'same' | 'valid' | explicit | number padding). */
export function convGeometry(
  xShape: number[], filterShape: number[], attrs: {
    strides: number | [number, number]; dilations?: number | [number, number];
    pad: tf.backend_util.ExplicitPadding | 'same' | 'valid' | number; dimRoundingMode?: 'floor' | 'round' | 'ceil';
    dataFormat?: 'NHWC' | 'NCHW';
  },
): ConvGeometry {
  if (attrs.dataFormat === 'NCHW') {
    throw new PlcaError('PLCA_INVALID_ARGUMENT', 'Error in conv2d gradient: dataFormat NCHW is not supported; plca is NHWC');
  }
  const [sh, sw] = pair(attrs.strides);
  const [dh, dw] = pair(attrs.dilations ?? 1);
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number], filterShape as [number, number, number, number],
    [sh, sw], [dh, dw], attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
  const p = info.padInfo;
  return {
    strideH: sh, strideW: sw, dilH: dh, dilW: dw,
    padTop: p.top, padBottom: p.bottom, padLeft: p.left, padRight: p.right, outH: info.outHeight, outW: info.outWidth,
  };
}
