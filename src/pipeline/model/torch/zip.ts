/**
 * A minimal reader of a zip's central directory (zip64 included) for PyTorch checkpoints, whose entries are STORED
 * (uncompressed). It reads only the end-of-central-directory records and the central directory; an entry's data
 * offset is found by reading its 30-byte local header (plus name and extra field) when that entry is first used.
 */
import type { FileHandle } from 'node:fs/promises';

export interface ZipEntry {
  readonly name: string;
  /** 0 = stored. */
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly crc32: number;
  readonly localHeaderOffset: number;
}

export class ZipFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ZipFormatError';
  }
}

/** Reads exactly `length` bytes at `position`, or fewer when the file ends first. */
export async function readAt(handle: FileHandle, position: number, length: number): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(out, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled === length ? out : out.subarray(0, filled);
}

const EOCD_SIG = 0x06054b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const ZIP64_EOCD_SIG = 0x06064b50;
const CENTRAL_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;

function u64(view: DataView, at: number): number {
  const v = view.getBigUint64(at, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ZipFormatError('a zip64 size or offset is implausibly large');
  return Number(v);
}

/** Lists the entries of the zip in `handle` (file size `fileSize`). */
export async function readZipDirectory(handle: FileHandle, fileSize: number): Promise<ZipEntry[]> {
  const tailLength = Math.min(fileSize, 22 + 0xffff);
  const tailStart = fileSize - tailLength;
  const tail = await readAt(handle, tailStart, tailLength);
  const tv = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  let eocd = -1;
  for (let k = tail.length - 22; k >= 0; k--) {
    if (tv.getUint32(k, true) === EOCD_SIG && k + 22 + tv.getUint16(k + 20, true) <= tail.length) {
      eocd = k;
      break;
    }
  }
  if (eocd < 0) throw new ZipFormatError('no end-of-central-directory record');
  let count = tv.getUint16(eocd + 10, true);
  let cdSize = tv.getUint32(eocd + 12, true);
  let cdOffset = tv.getUint32(eocd + 16, true);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || tv.getUint32(loc, true) !== ZIP64_LOCATOR_SIG) throw new ZipFormatError('zip64 locator missing');
    const z64Offset = u64(tv, loc + 8);
    const z64 = await readAt(handle, z64Offset, 56);
    const zv = new DataView(z64.buffer, z64.byteOffset, z64.byteLength);
    if (z64.length < 56 || zv.getUint32(0, true) !== ZIP64_EOCD_SIG) throw new ZipFormatError('zip64 record missing');
    count = u64(zv, 32);
    cdSize = u64(zv, 40);
    cdOffset = u64(zv, 48);
  }
  if (cdOffset + cdSize > fileSize) throw new ZipFormatError('the central directory lies beyond the end of the file');
  if (count * 46 > cdSize) throw new ZipFormatError('the central directory is too small for its entry count');
  const cd = await readAt(handle, cdOffset, cdSize);
  const cv = new DataView(cd.buffer, cd.byteOffset, cd.byteLength);
  const decoder = new TextDecoder('utf-8');
  const entries: ZipEntry[] = [];
  let p = 0;
  for (let e = 0; e < count; e++) {
    if (p + 46 > cd.length || cv.getUint32(p, true) !== CENTRAL_SIG) throw new ZipFormatError('bad central directory');
    const method = cv.getUint16(p + 10, true);
    const crc32 = cv.getUint32(p + 16, true);
    let compressedSize = cv.getUint32(p + 20, true);
    let size = cv.getUint32(p + 24, true);
    const nameLength = cv.getUint16(p + 28, true);
    const extraLength = cv.getUint16(p + 30, true);
    const commentLength = cv.getUint16(p + 32, true);
    let localHeaderOffset = cv.getUint32(p + 42, true);
    const recordEnd = p + 46 + nameLength + extraLength + commentLength;
    if (recordEnd > cd.length) throw new ZipFormatError('bad central directory');
    const name = decoder.decode(cd.subarray(p + 46, p + 46 + nameLength));
    // The zip64 extra field holds, in order, only the fields whose 32-bit value is saturated.
    let x = p + 46 + nameLength;
    const extraEnd = x + extraLength;
    while (x + 4 <= extraEnd) {
      const id = cv.getUint16(x, true);
      const len = cv.getUint16(x + 2, true);
      if (id === 0x0001) {
        let q = x + 4;
        const fieldEnd = Math.min(q + len, extraEnd);
        if (size === 0xffffffff && q + 8 <= fieldEnd) (size = u64(cv, q)), (q += 8);
        if (compressedSize === 0xffffffff && q + 8 <= fieldEnd) (compressedSize = u64(cv, q)), (q += 8);
        if (localHeaderOffset === 0xffffffff && q + 8 <= fieldEnd) localHeaderOffset = u64(cv, q);
      }
      x += 4 + len;
    }
    entries.push({ name, method, compressedSize, size, crc32, localHeaderOffset });
    p = recordEnd;
  }
  return entries;
}

/** The file offset of an entry's data, from its local header. */
export async function entryDataOffset(handle: FileHandle, entry: ZipEntry): Promise<number> {
  const header = await readAt(handle, entry.localHeaderOffset, 30);
  const hv = new DataView(header.buffer, header.byteOffset, header.byteLength);
  if (header.length < 30 || hv.getUint32(0, true) !== LOCAL_SIG) {
    throw new ZipFormatError(`the local header of ${entry.name} is missing`);
  }
  return entry.localHeaderOffset + 30 + hv.getUint16(26, true) + hv.getUint16(28, true);
}
