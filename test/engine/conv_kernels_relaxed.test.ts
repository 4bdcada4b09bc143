// plca's conv kernels in the relaxed-SIMD variant (skipped where the runtime cannot compile it).
import { describe, it } from 'vitest';
import { relaxedSimdSupported } from '../../src/engine/kernels/loader.js';
import { convKernelSuite } from './conv_kernels_suite.js';

if (await relaxedSimdSupported()) convKernelSuite('relaxed-simd');
else describe.skip('plca conv kernels (relaxed-simd): this runtime cannot compile relaxed SIMD', () => { it('skipped', () => {}); });
