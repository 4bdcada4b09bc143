/**
 * A small PNG codec that returns the *raw samples* of any PNG: palette indices for palette
 * images, 16-bit values for 16-bit images. pngjs always expands palettes to RGBA, which loses
 * the label id wherever two ids share a colour (GTAV's "license plate" id 34 and "car" id 26
 * are both (0, 0, 142) in the Cityscapes palette), so labels cannot be read through it.
 * Pure JS plus node:zlib; runs in worker threads.
 */
import { inflateSync, deflateSync } from 'node:zlib';

/** Raw decoded samples, row-major, interleaved. */
export interface RawPng {
  width: number;
  height: number;
  /** Samples per pixel: 1 grey/palette, 2 grey+alpha, 3 RGB, 4 RGBA. */
  channels: 1 | 2 | 3 | 4;
  bitDepth: 1 | 2 | 4 | 8 | 16;
  /** PNG colour type: 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA. */
  colorType: 0 | 2 | 3 | 4 | 6;
  /** Uint16Array for 16-bit images, otherwise Uint8Array (bit depths < 8 are unpacked). */
  data: Uint8Array | Uint16Array;
  /** RGB triples of the PLTE chunk (palette images only). */
  palette?: Uint8Array;
}

/** Thrown for any undecodable input; image_io turns it into PLCA_IMAGE_CORRUPT with the file name. */
export class PngFormatError extends Error {}

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];
const CHANNELS: Record<number, 1 | 2 | 3 | 4> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
const ADAM7: [number, number, number, number][] = [
  [0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2],
];

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf: Uint8Array, start: number, end: number): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

interface Header { width: number; height: number; bitDepth: number; colorType: number; interlace: number }

/** Walks the chunks, checking lengths and CRCs; returns the header, palette and joined IDAT data. */
function readChunks(buf: Buffer): { hdr: Header; palette?: Uint8Array; idat: Buffer } {
  if (buf.length < 8 || SIGNATURE.some((b, i) => buf[i] !== b)) throw new PngFormatError('not a PNG (bad signature)');
  let pos = 8;
  let hdr: Header | undefined;
  let palette: Uint8Array | undefined;
  const idat: Buffer[] = [];
  for (;;) {
    if (pos + 12 > buf.length) throw new PngFormatError('truncated (no IEND chunk)');
    const len = buf.readUInt32BE(pos);
    const type = buf.toString('latin1', pos + 4, pos + 8);
    if (pos + 12 + len > buf.length) throw new PngFormatError(`truncated inside chunk ${type}`);
    if (crc32(buf, pos + 4, pos + 8 + len) !== buf.readUInt32BE(pos + 8 + len)) {
      throw new PngFormatError(`CRC mismatch in chunk ${type} at byte ${pos}`);
    }
    const body = buf.subarray(pos + 8, pos + 8 + len);
    pos += 12 + len;
    if (type === 'IHDR') {
      hdr = { width: body.readUInt32BE(0), height: body.readUInt32BE(4), bitDepth: body[8], colorType: body[9], interlace: body[12] };
    } else if (type === 'PLTE') {
      palette = new Uint8Array(body);
    } else if (type === 'IDAT') {
      idat.push(body);
    } else if (type === 'IEND') {
      break;
    }
  }
  if (!hdr) throw new PngFormatError('missing IHDR chunk');
  return { hdr, palette, idat: Buffer.concat(idat) };
}

function validateHeader(h: Header, palette?: Uint8Array): void {
  if (!(h.colorType in CHANNELS)) throw new PngFormatError(`unknown colour type ${h.colorType}`);
  if (!DEPTHS[h.colorType].includes(h.bitDepth)) {
    throw new PngFormatError(`bit depth ${h.bitDepth} invalid for colour type ${h.colorType}`);
  }
  if (h.width === 0 || h.height === 0) throw new PngFormatError(`empty image ${h.width}x${h.height}`);
  if (h.interlace > 1) throw new PngFormatError(`unknown interlace method ${h.interlace}`);
  if (h.colorType === 3 && !palette) throw new PngFormatError('palette image without PLTE chunk');
}

/** Undoes the per-row filters (PNG spec §9) of a sub-image starting at `src[off]`. Returns the end offset. */
function unfilter(src: Uint8Array, off: number, rows: number, stride: number, bpp: number, out: Uint8Array): number {
  for (let y = 0; y < rows; y++, off += stride + 1) {
    const f = src[off];
    const s = off + 1;
    const o = y * stride;
    const p = o - stride; // previous row in out
    if (f > 4) throw new PngFormatError(`unknown filter type ${f} in row ${y}`);
    // One loop per filter type: the per-byte branch costs ~2x on 2048x1024 images.
    if (f === 0 || (f === 2 && y === 0)) {
      out.set(src.subarray(s, s + stride), o);
    } else if (f === 1) {
      for (let x = 0; x < stride; x++) out[o + x] = src[s + x] + (x >= bpp ? out[o + x - bpp] : 0);
    } else if (f === 2) {
      for (let x = 0; x < stride; x++) out[o + x] = src[s + x] + out[p + x];
    } else if (f === 3) {
      for (let x = 0; x < stride; x++) {
        out[o + x] = src[s + x] + (((x >= bpp ? out[o + x - bpp] : 0) + (y > 0 ? out[p + x] : 0)) >> 1);
      }
    } else if (y === 0) {
      // Paeth with no previous row predicts from the left byte alone (Sub).
      for (let x = 0; x < stride; x++) out[o + x] = src[s + x] + (x >= bpp ? out[o + x - bpp] : 0);
    } else {
      for (let x = 0; x < bpp; x++) out[o + x] = src[s + x] + out[p + x]; // no left byte: predicts b
      for (let x = bpp; x < stride; x++) {
        const a = out[o + x - bpp];
        const b = out[p + x];
        const c = out[p + x - bpp];
        let pa = b - c, pb = a - c, pc = a + b - 2 * c;
        pa = pa < 0 ? -pa : pa;
        pb = pb < 0 ? -pb : pb;
        pc = pc < 0 ? -pc : pc;
        out[o + x] = src[s + x] + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
      }
    }
  }
  return off;
}

/** Unpacked bytes of one (sub-)image → samples, written at (x0 + i·dx, y0 + j·dy) of the full image. */
function scatter(
  bytes: Uint8Array, w: number, h: number, ch: number, depth: number,
  dst: Uint8Array | Uint16Array, fullW: number, x0: number, y0: number, dx: number, dy: number,
): void {
  const stride = Math.ceil((w * ch * depth) / 8);
  for (let j = 0; j < h; j++) {
    const row = j * stride;
    const base = ((y0 + j * dy) * fullW + x0) * ch;
    for (let i = 0; i < w * ch; i++) {
      let v: number;
      if (depth === 8) v = bytes[row + i];
      else if (depth === 16) v = (bytes[row + 2 * i] << 8) | bytes[row + 2 * i + 1];
      else {
        const bit = i * depth;
        v = (bytes[row + (bit >> 3)] >> (8 - depth - (bit & 7))) & ((1 << depth) - 1);
      }
      const px = Math.floor(i / ch);
      dst[base + px * dx * ch + (i % ch)] = v;
    }
  }
}

/**
 * Decodes a PNG buffer to raw samples. Throws PngFormatError on a bad signature, a CRC
 * mismatch, truncation, a bad zlib stream or too little pixel data.
 */
export function decodePng(buf: Buffer): RawPng {
  const { hdr, palette, idat } = readChunks(buf);
  validateHeader(hdr, palette);
  const { width, height, bitDepth, colorType } = hdr;
  const ch = CHANNELS[colorType];
  let raw: Uint8Array;
  try {
    raw = inflateSync(idat);
  } catch (e) {
    throw new PngFormatError(`bad compressed data (${(e as Error).message})`);
  }
  const bpp = Math.max(1, (ch * bitDepth) >> 3);
  const n = width * height * ch;
  const data = bitDepth === 16 ? new Uint16Array(n) : new Uint8Array(n);
  const passes: [number, number, number, number][] = hdr.interlace ? ADAM7 : [[0, 0, 1, 1]];
  let off = 0;
  for (const [x0, y0, dx, dy] of passes) {
    const w = Math.ceil((width - x0) / dx);
    const h = Math.ceil((height - y0) / dy);
    if (w <= 0 || h <= 0) continue;
    const stride = Math.ceil((w * ch * bitDepth) / 8);
    if (off + h * (stride + 1) > raw.length) {
      throw new PngFormatError(`pixel data too short: ${raw.length} bytes for ${width}x${height}`);
    }
    const bytes = new Uint8Array(h * stride);
    off = unfilter(raw, off, h, stride, bpp, bytes);
    if (dx === 1 && dy === 1 && bitDepth === 8) data.set(bytes);
    else scatter(bytes, w, h, ch, bitDepth, data, width, x0, y0, dx, dy);
  }
  return { width, height, channels: ch, bitDepth: bitDepth as RawPng['bitDepth'], colorType: colorType as RawPng['colorType'], data, palette };
}

/** Reads only the IHDR: the image size without decoding (for cheap size checks). */
export function pngSize(buf: Buffer): { width: number; height: number } {
  if (buf.length < 24 || SIGNATURE.some((b, i) => buf[i] !== b)) throw new PngFormatError('not a PNG (bad signature)');
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

function chunk(type: string, body: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + body.length);
  out.writeUInt32BE(body.length, 0);
  out.write(type, 4, 'latin1');
  out.set(body, 8);
  out.writeUInt32BE(crc32(out, 4, 8 + body.length), 8 + body.length);
  return out;
}

/** Filters each row with the filter of least absolute sum (the libpng heuristic), or None. */
function filterRows(bytes: Uint8Array, height: number, stride: number, bpp: number, adaptive: boolean): Uint8Array {
  const out = new Uint8Array(height * (stride + 1));
  const cand = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const o = y * stride;
    let best = 0;
    let bestSum = Infinity;
    const dst = out.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let f = 0; f <= (adaptive ? 4 : 0); f++) {
      let sum = 0;
      for (let x = 0; x < stride; x++) {
        const a = x >= bpp ? bytes[o + x - bpp] : 0;
        const b = y > 0 ? bytes[o - stride + x] : 0;
        const c = y > 0 && x >= bpp ? bytes[o - stride + x - bpp] : 0;
        let pred = 0;
        if (f === 1) pred = a;
        else if (f === 2) pred = b;
        else if (f === 3) pred = (a + b) >> 1;
        else if (f === 4) {
          const pa = Math.abs(b - c), pb = Math.abs(a - c), pc = Math.abs(a + b - 2 * c);
          pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
        }
        const v = (bytes[o + x] - pred) & 0xff;
        cand[x] = v;
        sum += v < 128 ? v : 256 - v;
      }
      if (sum < bestSum) {
        bestSum = sum;
        best = f;
        dst.set(cand);
      }
    }
    out[y * (stride + 1)] = best;
  }
  return out;
}

/** What `encodePng` writes: 8-bit grey/RGB/RGBA, 16-bit grey/RGB, or 8-bit palette indices. */
export interface PngInput {
  width: number;
  height: number;
  channels: 1 | 3 | 4;
  bitDepth?: 8 | 16;
  data: Uint8Array | Uint16Array;
  /** RGB triples; makes a palette PNG whose 1-channel `data` are the indices. */
  palette?: Uint8Array;
}

/** Encodes a non-interlaced PNG. Adaptive row filters for photos, None for labels/palettes. */
export function encodePng(img: PngInput): Buffer {
  const depth = img.bitDepth ?? 8;
  const { width, height, channels } = img;
  const colorType = img.palette ? 3 : channels === 1 ? 0 : channels === 3 ? 2 : 6;
  const stride = width * channels * (depth / 8);
  let bytes: Uint8Array;
  if (depth === 16) {
    bytes = new Uint8Array(height * stride);
    for (let i = 0; i < img.data.length; i++) {
      bytes[2 * i] = img.data[i] >> 8;
      bytes[2 * i + 1] = img.data[i] & 0xff;
    }
  } else {
    bytes = img.data instanceof Uint8Array ? img.data : Uint8Array.from(img.data);
  }
  const filtered = filterRows(bytes, height, stride, Math.max(1, stride / width), !img.palette && channels > 1);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = depth;
  ihdr[9] = colorType;
  const parts = [Buffer.from(SIGNATURE), chunk('IHDR', ihdr)];
  if (img.palette) parts.push(chunk('PLTE', img.palette));
  parts.push(chunk('IDAT', deflateSync(filtered, { level: 6 })), chunk('IEND', new Uint8Array(0)));
  return Buffer.concat(parts);
}
