import { describe, expect, it } from 'vitest';
import { CLASS_NAMES } from '../data/index.js';
import { PlcaError } from '../util/errors.js';
import { headClasses, headToTrainIds, labelsToHead, trainIdToHeadLut } from './classes.js';

describe('headClasses', () => {
  it('is the identity for 19 classes', () => {
    const c = headClasses(19);
    expect(c.identity).toBe(true);
    expect(c.names).toEqual([...CLASS_NAMES]);
    expect(Array.from(labelsToHead([0, 5, 18, 255, 19], c))).toEqual([0, 5, 18, 255, 255]);
  });

  it('maps train ids into the SYNTHIA 16 head and back; classes outside the head are ignored', () => {
    const c = headClasses(16);
    expect(c.identity).toBe(false);
    expect(c.names.slice(-3)).toEqual(['bus', 'motorcycle', 'bicycle']);
    // terrain 9, truck 14 and train 16 are not SYNTHIA classes
    expect(Array.from(labelsToHead([0, 8, 9, 10, 14, 15, 16, 17, 18, 255], c))).toEqual([0, 8, 255, 9, 255, 13, 255, 14, 15, 255]);
    expect(Array.from(headToTrainIds([0, 9, 13, 14, 15, 16], c))).toEqual([0, 10, 15, 17, 18, 255]);
  });

  it('maps MiniCity train ids to its 9 compact indices; the LUT takes the loss ignore index', () => {
    const c = headClasses(9);
    expect(c.names).toEqual(['road', 'sidewalk', 'building', 'pole', 'traffic sign', 'vegetation', 'sky', 'person', 'car']);
    const lut = trainIdToHeadLut(c, 250);
    expect([lut[0], lut[5], lut[13], lut[3], lut[255]]).toEqual([0, 3, 8, 250, 250]);
    const pred = Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(Array.from(labelsToHead(headToTrainIds(pred, c), c))).toEqual(Array.from(pred));
  });

  it('refuses a head size without a class set, naming it', () => {
    expect(() => headClasses(7)).toThrow(PlcaError);
    expect(() => headClasses(7)).toThrow(/model\.numClasses 7/);
  });
});
