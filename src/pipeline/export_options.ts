// How a trained model of a config is exported for an app (the demo's model, the web app's
// adapted model): the `labels` output at the config's eval size, and metadata that lets the app
// segment without plca's config — the input normalisation, the class names and their colours.
import type { ResolvedConfig } from '../config/schema.js';
import { CITYSCAPES_PALETTE } from '../data/label_maps.js';
import type { ExportOptions } from '../export/graph_model.js';
import { headClasses } from './classes.js';

export function exportOptionsFor(cfg: ResolvedConfig, metadata: Record<string, unknown> = {}): ExportOptions {
  const classes = headClasses(cfg.model.numClasses);
  return {
    inputSize: [cfg.data.evalSize[0], cfg.data.evalSize[1]], labels: true,
    metadata: {
      normalization: cfg.data.normalization, classNames: classes.names,
      classColors: classes.trainIds.map((t) => [...CITYSCAPES_PALETTE[t]]), config: cfg.name, ...metadata,
    },
  };
}
