// plca's conv kernels in the SIMD128 variant (the fallback where relaxed SIMD is unavailable),
// and the engine fixtures through them.
import { convKernelSuite } from './conv_kernels_suite.js';
import { fixtureSuite } from './fixture_suite.js';

process.env.PLCA_KERNELS = 'simd128';
convKernelSuite('simd128');
fixtureSuite('wasm');
