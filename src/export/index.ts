// Export of trained segmentors to stock TF.js GraphModels (model.json + weight shards).
export { exportModel, exportFromCheckpoint, EXPORT_FORMATS } from './export_model.js';
export type { ExportOptions, ExportFromCheckpointOptions, ExportResult, ExportFormat } from './export_model.js';
export { exportedModelHandler } from './node_io.js';
export { DEFAULT_SHARD_BYTES } from './write.js';
export type { GraphModelJson } from './write.js';
