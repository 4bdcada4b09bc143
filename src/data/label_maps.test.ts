import { describe, it, expect } from 'vitest';
import {
  CLASS_NAMES, CITYSCAPES_LABELS, GTAV_LABELS, SYNTHIA_LABELS, SYNTHIA16_TRAIN_IDS, SYNTHIA13_TRAIN_IDS,
  PLCA_TO_TRAIN_ID, buildLut, mapLabels, parseIdMapping, plcaToInternalOrder, cityscapesPalette256,
} from './label_maps.js';
import { PlcaError } from '../util/errors.js';

// The reference's LABEL_TASK['GTAV2Cityscapes'] (data/label_map.py), name → PLCA index.
const PLCA_TASK: Record<string, number> = {
  sky: 0, building: 1, road: 2, sidewalk: 3, fence: 4, vegetation: 5, pole: 6, car: 7, 'traffic sign': 8,
  pedestrian: 9, bicycle: 10, motorcycle: 11, 'traffic light': 12, rider: 13, bus: 14, wall: 15, terrain: 16,
  truck: 17, train: 18,
};
const name = (n: string): string => (n === 'pedestrian' ? 'person' : n);

describe('label maps', () => {
  it('maps PLCA channels to train ids as the reference task table says', () => {
    for (const [n, k] of Object.entries(PLCA_TASK)) expect(CLASS_NAMES[PLCA_TO_TRAIN_ID[k]]).toBe(name(n));
    const p19 = plcaToInternalOrder(19);
    expect([...p19].sort((a, b) => a - b)).toEqual([...Array(19).keys()]);
    const p16 = plcaToInternalOrder(16);
    expect([...p16].sort((a, b) => a - b)).toEqual([...Array(16).keys()]);
    for (let k = 0; k < 16; k++) expect(SYNTHIA16_TRAIN_IDS[p16[k]]).toBe(PLCA_TO_TRAIN_ID[k]);
  });

  it('has the 16- and 13-class protocols in train-id order', () => {
    const names16 = Object.keys(PLCA_TASK).slice(0, 16).map(name);
    expect(SYNTHIA16_TRAIN_IDS.map((i) => CLASS_NAMES[i]).sort()).toEqual([...names16].sort());
    expect([...SYNTHIA16_TRAIN_IDS]).toEqual([...SYNTHIA16_TRAIN_IDS].sort((a, b) => a - b));
    expect(SYNTHIA13_TRAIN_IDS.map((i) => CLASS_NAMES[i]).sort())
      .toEqual(names16.filter((n) => !['wall', 'fence', 'pole'].includes(n)).sort());
  });

  it('knows the raw id ranges of each dataset', () => {
    expect(Object.keys(CITYSCAPES_LABELS.table).length).toBe(35); // 0–33 and 255 (license plate as uint8)
    expect(GTAV_LABELS.table[34]).toBe(255);
    expect(GTAV_LABELS.table[26]).toBe(13);
    expect(Object.keys(SYNTHIA_LABELS.table).length).toBe(23);
    for (const ignored of [0, 13, 14, 16, 18, 20, 22]) expect(SYNTHIA_LABELS.table[ignored]).toBe(255);
    expect(new Set(Object.values(SYNTHIA_LABELS.table).filter((v) => v !== 255))).toEqual(new Set(SYNTHIA16_TRAIN_IDS));
  });

  it('maps through the LUT and counts unexpected ids', () => {
    const lut = buildLut(SYNTHIA_LABELS);
    const r = mapLabels(Uint16Array.from([3, 23, 1, 300, 300, 0]), lut);
    expect(Array.from(r.labels)).toEqual([0, 255, 10, 255, 255, 255]);
    expect(r.unexpectedPixels).toBe(3);
    expect(r.unexpectedValues).toEqual([23, 300]);
  });

  it('parses user id mappings and rejects bad ones naming the source', () => {
    expect(parseIdMapping({ 0: 'ignore', 5: 'traffic sign', 6: 18, 7: 255 }, 'm.json').table).toEqual({ 0: 255, 5: 7, 6: 18, 7: 255 });
    for (const bad of [[1, 2], { x: 1 }, { 1: 19 }, { 1: 'car ' }, null]) {
      expect(() => parseIdMapping(bad, 'm.json')).toThrow(PlcaError);
      expect(() => parseIdMapping(bad, 'm.json')).toThrow(/m\.json/);
    }
  });

  it('builds a 256-entry palette with ignore black', () => {
    const p = cityscapesPalette256();
    expect(p.length).toBe(768);
    expect(Array.from(p.subarray(0, 3))).toEqual([128, 64, 128]);
    expect(Array.from(p.subarray(765))).toEqual([0, 0, 0]);
  });
});
