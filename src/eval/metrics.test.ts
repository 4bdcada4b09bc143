import { describe, expect, it } from 'vitest';
import { CLASS_NAMES } from '../data/label_maps.js';
import { ConfusionMatrix, confusionMatrix } from './confusion_matrix.js';
import { computeMetrics, defaultClassNames, formatMetricsTable, metricsToJSON, PROTOCOL_CLASSES } from './metrics.js';

// Pairs (label, pred): (0,0) (0,1) (1,1) (1,1) (2,0) (255,2: ignored) (2,2) (0,2)
// → rows (truth) [1 1 1], [0 2 0], [1 0 1]; row sums 3 2 2, column sums 2 3 2, diagonal 1 2 1.
const LABELS = [0, 0, 1, 1, 2, 255, 2, 0];
const PREDS = [0, 1, 1, 1, 0, 2, 2, 2];

describe('computeMetrics (percentages)', () => {
  it('matches the hand-computed accuracy and IoU', () => {
    const m = computeMetrics(confusionMatrix(LABELS, PREDS, 3), ['a', 'b', 'c']);
    expect(m.pixelAccuracy).toBeCloseTo(400 / 7, 10);
    expect(m.perClassAccuracy).toEqual([100 * (1 / 3), 100, 50]);
    expect(m.perClassIoU[0]).toBeCloseTo(25, 10); // 1 / (3 + 2 − 1)
    expect(m.perClassIoU[1]).toBeCloseTo(200 / 3, 10); // 2 / (2 + 3 − 2)
    expect(m.perClassIoU[2]).toBeCloseTo(100 / 3, 10); // 1 / (2 + 2 − 1)
    expect(m.mIoU).toBeCloseTo((100 / 4 + 200 / 3 + 100 / 3) / 3, 10);
    expect(m.meanAccuracy).toBeCloseTo(1100 / 18, 10);
    expect(m.mIoU16).toBeUndefined();
  });

  it('leaves absent classes out of the means; a class only predicted has IoU 0', () => {
    const m = computeMetrics(confusionMatrix([...LABELS, 255], [...PREDS, 3], 5));
    expect(m.perClassIoU[3]).toBeNull(); // prediction at an ignored pixel does not count
    expect(m.perClassIoU[4]).toBeNull();
    expect(m.mIoU).toBeCloseTo((100 / 4 + 200 / 3 + 100 / 3) / 3, 10);
    const n = computeMetrics(confusionMatrix([0, 0], [0, 1], 2));
    expect(n.perClassIoU).toEqual([50, 0]);
    expect(n.perClassAccuracy).toEqual([50, null]);
    expect(computeMetrics(new ConfusionMatrix(2)).mIoU).toBeNull();
  });

  it('computes the 19-, 16- and 13-class mIoU of the paper\'s protocols', () => {
    // All 19 classes right once; wall(3) once taken for fence(4), terrain(9) three times for truck(14):
    // IoU wall = fence = 1/2, terrain = truck = 1/4, all others 1.
    const labels = [...CLASS_NAMES.keys(), 3, 9, 9, 9];
    const preds = [...CLASS_NAMES.keys(), 4, 14, 14, 14];
    const m = computeMetrics(confusionMatrix(labels, preds, 19), CLASS_NAMES);
    expect(m.perClassIoU[3]).toBe(50);
    expect(m.perClassIoU[14]).toBe(25);
    expect(m.mIoU).toBeCloseTo((1500 + 50 + 50 + 25 + 25) / 19, 10);
    expect(m.mIoU16).toBeCloseTo((1400 + 50 + 50) / 16, 10); // no terrain, truck, train
    expect(m.mIoU13).toBe(100); // no wall, fence, pole either
  });

  it('uses the SYNTHIA order for 16 classes, and accepts the reference\'s "pedestrian"', () => {
    expect(PROTOCOL_CLASSES[16]).toEqual(['road', 'sidewalk', 'building', 'wall', 'fence', 'pole', 'traffic light',
      'traffic sign', 'vegetation', 'sky', 'person', 'rider', 'car', 'bus', 'motorcycle', 'bicycle']);
    expect(PROTOCOL_CLASSES[13]).toEqual(PROTOCOL_CLASSES[16].filter((n) => !['wall', 'fence', 'pole'].includes(n)));
    const names = defaultClassNames(16).map((n) => (n === 'person' ? 'Pedestrian' : n));
    // wall (index 3) wrong once → IoU 1/2 in the 16-class mean only.
    const m = computeMetrics(confusionMatrix([...Array(16).keys(), 3], [...Array(16).keys(), 0], 16), names);
    expect(m.mIoU16).toBe(m.mIoU);
    expect(m.mIoU).toBeCloseTo((1400 + 50 + 50) / 16, 10); // road also 1/2: 1 / (1 + 2 − 1)
    expect(m.mIoU13).toBeCloseTo((1200 + 50) / 13, 10);
  });

  it('formats a table with class names and a JSON record', () => {
    const cm = confusionMatrix(LABELS, PREDS, 3);
    const m = computeMetrics(cm, ['road', 'sky', 'car']);
    const table = formatMetricsTable(m);
    expect(table).toMatch(/^class\s+IoU\s+acc$/m);
    expect(table).toMatch(/^road\s+25\.0\s+33\.3$/m);
    expect(table).toMatch(/^mIoU \(3\)\s+41\.7$/m);
    expect(table).toMatch(/^pixel accuracy\s+57\.1$/m);
    const json = JSON.parse(JSON.stringify(metricsToJSON(m, cm)));
    expect(json.perClass[1]).toEqual({ name: 'sky', iou: 100 * (2 / 3), accuracy: 100 });
    expect(json.confusionMatrix).toEqual([[1, 1, 1], [0, 2, 0], [1, 0, 1]]);
    expect(json.mIoU).toBeCloseTo(125 / 3, 10);
  });
});
