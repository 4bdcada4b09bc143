import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listInputImages, outputFiles, outputStem, overlayLabels, refuseOverwrite } from './predict_io.js';

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

  it('names outputs after the input file alone, extension included, so they never collide', () => {
    expect(['/x/a.png', '/y/a.jpg', '/x/b.png', '/x/c.d.JPEG'].map(outputStem)).toEqual(['a_png', 'a_jpg', 'b_png', 'c.d_JPEG']);
    expect(outputFiles('/out', '/in/street.png')).toEqual({ label: '/out/street_png_label.png', overlay: '/out/street_png_overlay.png' });
  });

  it('refuses to replace earlier results unless told to', () => {
    const out = join(dir, 'out');
    mkdirSync(out);
    const inputs = ['/in/a.png', '/in/b.png'];
    expect(() => refuseOverwrite(out, inputs, false)).not.toThrow();
    writeFileSync(join(out, 'b_png_overlay.png'), '');
    expect(() => refuseOverwrite(out, inputs, false)).toThrow(expect.objectContaining({
      code: 'PLCA_INVALID_ARGUMENT', message: `${out} already holds predictions: 1 of the 4 files this run writes exist (b_png_overlay.png)`,
      hint: 'add --overwrite to replace them, or choose another --out',
    }));
    expect(() => refuseOverwrite(out, inputs, true)).not.toThrow();
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
