import { describe, it, expect } from 'vitest';
import { deflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { decodePng, encodePng, pngSize, PngFormatError } from './png.js';

/** Deterministic pseudo-random bytes with some smoothness, so every filter type gets used. */
function testBytes(n: number, seed: number, max = 256): number[] {
  let s = seed >>> 0;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out.push(i % 7 < 3 ? (i * 3) % max : s % max);
  }
  return out;
}

function pngjsWrite(width: number, height: number, colorType: 0 | 2 | 4 | 6, bitDepth: 8 | 16, values: number[]): Buffer {
  const png = new PNG({ width, height, colorType, inputColorType: colorType, bitDepth, inputHasAlpha: colorType >= 4 });
  png.data = bitDepth === 16 ? Buffer.from(new Uint16Array(values).buffer) : Buffer.from(values);
  return PNG.sync.write(png, { colorType, inputColorType: colorType, bitDepth, inputHasAlpha: colorType >= 4 });
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** A PNG from an IHDR body and already filtered+compressed pixel data; independent of the codec under test. */
function pngFromParts(ihdr: Buffer, idat: Buffer, palette?: number[]): Buffer {
  const chunk = (type: string, body: Buffer): Buffer => {
    const b = Buffer.concat([Buffer.from(type, 'latin1'), body]);
    let c = 0xffffffff;
    for (const x of b) c = CRC_TABLE[(c ^ x) & 0xff] ^ (c >>> 8);
    const len = Buffer.alloc(4); len.writeUInt32BE(body.length);
    const crc = Buffer.alloc(4); crc.writeUInt32BE((c ^ 0xffffffff) >>> 0);
    return Buffer.concat([len, b, crc]);
  };
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr),
    ...(palette ? [chunk('PLTE', Buffer.from(palette))] : []),
    chunk('IDAT', idat), chunk('IEND', Buffer.alloc(0)),
  ]);
}

function ihdrOf(w: number, h: number, depth: number, colorType: number, interlace = 0): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0); ihdr.writeUInt32BE(h, 4); ihdr[8] = depth; ihdr[9] = colorType; ihdr[12] = interlace;
  return ihdr;
}

/** A PNG built by hand from rows of already-packed bytes, filter 0. */
function handPng(w: number, h: number, depth: number, colorType: number, passes: Uint8Array[][], palette?: number[], interlace = 0): Buffer {
  const raw = Buffer.concat(passes.flat().map((r) => Buffer.concat([Buffer.from([0]), Buffer.from(r)])));
  return pngFromParts(ihdrOf(w, h, depth, colorType, interlace), deflateSync(raw), palette);
}

describe('decodePng', () => {
  it('decodes 8-bit RGB, grey, grey+alpha and RGBA written by pngjs exactly', () => {
    for (const [ct, ch] of [[2, 3], [0, 1], [4, 2], [6, 4]] as const) {
      const v = testBytes(37 * 23 * ch, ct + 1);
      const d = decodePng(pngjsWrite(37, 23, ct, 8, v));
      expect([d.width, d.height, d.channels, d.bitDepth, d.colorType]).toEqual([37, 23, ch, 8, ct]);
      expect(Array.from(d.data)).toEqual(v);
    }
  });

  it('keeps 16-bit samples (ids > 255 survive) as a Uint16Array', () => {
    const v = testBytes(19 * 11 * 3, 5, 65536);
    const d = decodePng(pngjsWrite(19, 11, 2, 16, v));
    expect(d.data).toBeInstanceOf(Uint16Array);
    expect(Array.from(d.data)).toEqual(v);
  });

  it('returns palette indices, not colours, even when two indices share a colour', () => {
    const palette = new Uint8Array(35 * 3);
    palette.set([0, 0, 142], 26 * 3);
    palette.set([0, 0, 142], 34 * 3); // GTAV license plate: same colour as car
    const idx = Uint8Array.from(testBytes(8 * 5, 9, 35));
    idx[0] = 26; idx[1] = 34;
    const buf = encodePng({ width: 8, height: 5, channels: 1, data: idx, palette });
    const d = decodePng(buf);
    expect(d.colorType).toBe(3);
    expect(Array.from(d.data)).toEqual(Array.from(idx));
    // pngjs (independent decoder) sees the colours of those indices.
    const p = PNG.sync.read(buf);
    for (let i = 0; i < idx.length; i++) expect(Array.from(p.data.subarray(4 * i, 4 * i + 3))).toEqual(Array.from(palette.subarray(3 * idx[i], 3 * idx[i] + 3)));
  });

  it('undoes every filter type, in the first row and later rows (spec formulas, hand-filtered)', () => {
    for (const levels of [256, 6]) expectFiltersUndone(Uint8Array.from(testBytes(9 * 10 * 3, 6, levels))); // 6 levels: Paeth ties (b − c = −2(a − c)) occur
  });

  function expectFiltersUndone(img: Uint8Array): void {
    const w = 9, h = 10, bpp = 3, stride = w * bpp;
    const paeth = (a: number, b: number, c: number): number => {
      const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
      return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    };
    const rows: Uint8Array[] = [];
    const types: number[] = [];
    for (let y = 0; y < h; y++) {
      const f = y < 5 ? 4 - y : y % 5; // row 0 is Paeth, then Avg, Up, Sub, None; then all again
      types.push(f);
      const r = new Uint8Array(stride + 1);
      r[0] = f;
      for (let x = 0; x < stride; x++) {
        const a = x >= bpp ? img[y * stride + x - bpp] : 0;
        const b = y > 0 ? img[(y - 1) * stride + x] : 0;
        const c = x >= bpp && y > 0 ? img[(y - 1) * stride + x - bpp] : 0;
        const pred = [0, a, b, (a + b) >> 1, paeth(a, b, c)][f];
        r[x + 1] = (img[y * stride + x] - pred) & 0xff;
      }
      rows.push(r);
    }
    expect(new Set(types)).toEqual(new Set([0, 1, 2, 3, 4]));
    const buf = pngFromParts(ihdrOf(w, h, 8, 2), deflateSync(Buffer.concat(rows)));
    expect(Array.from(decodePng(buf).data)).toEqual(Array.from(img));
    expect(Array.from(PNG.sync.read(buf).data.filter((_, i) => i % 4 !== 3))).toEqual(Array.from(img));
  }

  it('unpacks 2-bit grey and 4-bit palette rows', () => {
    // 5 pixels of 2 bits: 3,0,1,2,3 -> 11 00 01 10 | 11 000000
    const g = decodePng(handPng(5, 1, 2, 0, [[Uint8Array.from([0b11000110, 0b11000000])]]));
    expect(Array.from(g.data)).toEqual([3, 0, 1, 2, 3]);
    const p = decodePng(handPng(3, 2, 4, 3, [[Uint8Array.from([0x12, 0x30]), Uint8Array.from([0xf0, 0x10])]], new Array(48).fill(7)));
    expect(Array.from(p.data)).toEqual([1, 2, 3, 15, 0, 1]);
  });

  it('de-interlaces Adam7', () => {
    const w = 11, h = 9;
    const img = Uint8Array.from(testBytes(w * h, 3));
    const starts = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]];
    const passes = starts.map(([x0, y0, dx, dy]) => {
      const rows: Uint8Array[] = [];
      for (let y = y0; y < h; y += dy) {
        const r: number[] = [];
        for (let x = x0; x < w; x += dx) r.push(img[y * w + x]);
        if (r.length) rows.push(Uint8Array.from(r));
      }
      return rows;
    });
    expect(Array.from(decodePng(handPng(w, h, 8, 0, passes, undefined, 1)).data)).toEqual(Array.from(img));
  });

  it('rejects a bad signature, a CRC mismatch and truncation with a reason', () => {
    const good = pngjsWrite(16, 16, 2, 8, testBytes(16 * 16 * 3, 1));
    expect(() => decodePng(Buffer.from('GIF89a....'))).toThrow(/signature/);
    const flipped = Buffer.from(good); flipped[60] ^= 0xff;
    expect(() => decodePng(flipped)).toThrow(PngFormatError);
    expect(() => decodePng(flipped)).toThrow(/CRC/);
    expect(() => decodePng(good.subarray(0, good.length - 30))).toThrow(/truncated/);
    expect(() => decodePng(good.subarray(0, good.length - 12))).toThrow(/IEND/);
  });

  it('reads the size from the header', () => {
    expect(pngSize(pngjsWrite(7, 3, 0, 8, testBytes(21, 2)))).toEqual({ width: 7, height: 3 });
  });
});

describe('encodePng', () => {
  it('round-trips RGB 8-bit through pngjs and itself', () => {
    const v = Uint8Array.from(testBytes(33 * 17 * 3, 4));
    const buf = encodePng({ width: 33, height: 17, channels: 3, data: v });
    const p = PNG.sync.read(buf);
    for (let i = 0; i < 33 * 17; i++) expect(Array.from(p.data.subarray(4 * i, 4 * i + 3))).toEqual(Array.from(v.subarray(3 * i, 3 * i + 3)));
    expect(Array.from(decodePng(buf).data)).toEqual(Array.from(v));
  });

  it('round-trips 16-bit RGB', () => {
    const v = Uint16Array.from(testBytes(9 * 4 * 3, 8, 65536));
    expect(Array.from(decodePng(encodePng({ width: 9, height: 4, channels: 3, bitDepth: 16, data: v })).data)).toEqual(Array.from(v));
  });
});
