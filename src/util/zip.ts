// Reading entries of a ZIP archive held in memory, for archives whose entries are stored
// (uncompressed), as torch.save writes them: no inflater is needed, and an entry's bytes are a
// subarray of the archive (no copy). ZIP64 records are read, since big archives use them.

/** A malformed archive; the message says what is wrong (and where, when it helps). */
export class ZipError extends Error {}

/** An entry that is compressed, so its bytes cannot be returned as they are. */
export class ZipCompressedError extends ZipError {
  constructor(readonly entry: string, readonly method: number) {
    super(`zip entry ${entry} is compressed (method ${method})`);
  }
}

export interface ZipEntry { name: string; method: number; compressedSize: number; size: number; localOffset: number }

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const EOCD = 0x06054b50;
const EOCD64_LOCATOR = 0x07064b50;
const EOCD64 = 0x06064b50;

/** Whether the bytes start with a local file header (checks the first 4 bytes only). */
export function isZip(buf: Uint8Array): boolean {
  return buf.length >= 4 && new DataView(buf.buffer, buf.byteOffset, 4).getUint32(0, true) === LOCAL_HEADER;
}

/** The central directory: entry names, methods, sizes, offsets (ZIP64 records included). */
export function readZipDirectory(buf: Uint8Array): Map<string, ZipEntry> {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let eocd = -1;
  // The end record is last, followed only by a comment of at most 65535 bytes.
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 65535); i--) {
    if (dv.getUint32(i, true) === EOCD) { eocd = i; break; }
  }
  if (eocd < 0) throw new ZipError('zip end-of-central-directory record not found (truncated file?)');
  let count = dv.getUint16(eocd + 10, true);
  let cdOffset = dv.getUint32(eocd + 16, true);
  if ((count === 0xffff || cdOffset === 0xffffffff) && eocd >= 20 && dv.getUint32(eocd - 20, true) === EOCD64_LOCATOR) {
    const z64 = Number(dv.getBigUint64(eocd - 12, true));
    if (z64 + 56 > buf.length || dv.getUint32(z64, true) !== EOCD64) throw new ZipError('bad ZIP64 end-of-central-directory record');
    count = Number(dv.getBigUint64(z64 + 32, true));
    cdOffset = Number(dv.getBigUint64(z64 + 48, true));
  }
  const entries = new Map<string, ZipEntry>();
  let p = cdOffset;
  for (let n = 0; n < count; n++) {
    if (p + 46 > buf.length || dv.getUint32(p, true) !== CENTRAL_HEADER) throw new ZipError(`bad zip central directory entry ${n} at offset ${p}`);
    const nameLen = dv.getUint16(p + 28, true);
    const extraLen = dv.getUint16(p + 30, true);
    const commentLen = dv.getUint16(p + 32, true);
    const e: ZipEntry = {
      name: Buffer.from(buf.subarray(p + 46, p + 46 + nameLen)).toString('utf8'), method: dv.getUint16(p + 10, true),
      compressedSize: dv.getUint32(p + 20, true), size: dv.getUint32(p + 24, true), localOffset: dv.getUint32(p + 42, true),
    };
    // ZIP64 extra field: the 64-bit values of the fields saturated above, in this order.
    for (let x = p + 46 + nameLen; x + 4 <= p + 46 + nameLen + extraLen;) {
      const id = dv.getUint16(x, true);
      const len = dv.getUint16(x + 2, true);
      if (id === 0x0001) {
        let y = x + 4;
        const next = () => { const v = Number(dv.getBigUint64(y, true)); y += 8; return v; };
        if (e.size === 0xffffffff) e.size = next();
        if (e.compressedSize === 0xffffffff) e.compressedSize = next();
        if (e.localOffset === 0xffffffff) e.localOffset = next();
      }
      x += 4 + len;
    }
    entries.set(e.name, e);
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/** A stored entry's bytes, a view into `buf`; throws ZipCompressedError for any other method. */
export function zipEntryData(buf: Uint8Array, e: ZipEntry): Uint8Array {
  if (e.method !== 0) throw new ZipCompressedError(e.name, e.method);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const h = e.localOffset;
  if (h + 30 > buf.length || dv.getUint32(h, true) !== LOCAL_HEADER) throw new ZipError(`bad local header of zip entry ${e.name}`);
  // The local header's name and extra lengths may differ from the central directory's.
  const start = h + 30 + dv.getUint16(h + 26, true) + dv.getUint16(h + 28, true);
  if (start + e.size > buf.length) throw new ZipError(`zip entry ${e.name} is truncated`);
  return buf.subarray(start, start + e.size);
}
