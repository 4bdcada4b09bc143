export { PlcaMethod } from './plca_method.js';
export type { MethodConfig, MethodBatches, MethodForward, MethodGradients, ForwardOptions } from './plca_method.js';
