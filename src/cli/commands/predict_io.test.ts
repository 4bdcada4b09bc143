import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listInputImages, outputStems, overlayLabels } from './predict_io.js';

const dir = mkdtempSync(join(tmpdir(), 'plca-predict-io-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('predict io', () => {
  it('lists a file, or a directory\'s images in name order, and rejects an empty one', () => {
    for (const f of ['b.PNG', 'a.jpg', 'c.jpeg', 'notes.txt']) writeFileSync(join(dir, f), '');
    mkdirSync(join(dir, 'sub.png'));
    expect(listInputImages(dir).map((f) => f.slice(dir.length + 1))).toEqual(['a.jpg', 'b.PNG', 'c.jpeg']);
    expect(listInputImages(join(dir, 'a.jpg'))).toEqual([join(dir, 'a.jpg')]);
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    expect(() => listInputImages(empty)).toThrow(expect.objectContaining({ code: 'PLCA_FILE_NOT_FOUND', message: expect.stringContaining(empty) }));
  });

  it('keeps output names unique', () => {
    expect(outputStems(['/x/a.png', '/y/a.jpg', '/x/b.png'])).toEqual(['a_png', 'a_jpg', 'b']);
  });

  it('blends label colours over the image and leaves ignore pixels alone', () => {
    const palette = new Uint8Array([200, 0, 0, 0, 100, 0]);
    const rgb = new Uint8Array([0, 0, 0, 100, 100, 100, 50, 60, 70]);
    const labels = new Uint8Array([0, 1, 255]);
    // (1 − 0.5)·image + 0.5·colour, per channel.
    expect([...overlayLabels(rgb, labels, palette)]).toEqual([100, 0, 0, 50, 100, 50, 50, 60, 70]);
    expect([...overlayLabels(rgb, labels, palette, 0)]).toEqual([...rgb]);
    expect(() => overlayLabels(rgb, new Uint8Array(2), palette)).toThrow(/overlay/);
  });
});
