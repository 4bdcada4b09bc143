// Checks that a process using threaded wasm exits by itself once its work is done (the pthread
// workers must not keep the event loop alive): `npx tsx scripts/bench_engine_exit.ts` prints the
// engine info and returns without calling process.exit.
import * as tf from '@tensorflow/tfjs-core';
import { initEngine, conv2d } from '../src/engine/index.js';

const info = await initEngine({ backend: 'wasm', threads: 2 });
const y = conv2d(tf.ones([2, 32, 32, 16]) as tf.Tensor4D, tf.ones([3, 3, 16, 16]) as tf.Tensor4D, { pad: 1, dilation: 1 });
console.log(JSON.stringify({ ...info, sum: (await tf.sum(y).data())[0] }));
