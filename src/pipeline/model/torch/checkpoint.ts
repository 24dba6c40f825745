/**
 * Opens a PyTorch checkpoint (.pth) without PyTorch and without executing anything in it, in either format:
 *
 * - zip (PyTorch >= 1.6): STORED entries `<prefix>/data.pkl` (the pickle) and `<prefix>/data/<key>` (one storage each);
 * - legacy (`_use_new_zipfile_serialization=False`, e.g. the published Wav2Lip checkpoints): consecutive pickles
 *   (magic number, protocol version, sys info, the object, the storage key list), then each storage in the key list's
 *   order as an int64 little-endian element count followed by its raw bytes.
 *
 * Opening reads the pickle and the small headers only; tensor bytes are read one tensor at a time by readFloat32, and
 * only the byte range that tensor covers. Storages nobody asks for (an optimizer's state) are never read.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { endianness } from 'node:os';
import { halfToFloat } from '../half.js';
import {
  PickleError,
  PickleRefusedGlobalError,
  PickleTruncatedError,
  TORCH_DTYPE_SIZE,
  TorchStorageRef,
  TorchTensorRef,
  storageTypeDType,
  unpickle,
  type PickleValue,
} from './pickle.js';
import { ZipFormatError, entryDataOffset, readAt, readZipDirectory, type ZipEntry } from './zip.js';

export { TorchStorageRef, TorchTensorRef, type TorchDType, type PickleKey, type PickleValue } from './pickle.js';

export interface TorchCheckpoint {
  readonly format: 'legacy' | 'zip';
  readonly fileBytes: number;
  /** The unpickled object; tensors are TorchTensorRef leaves (no tensor bytes read yet). */
  readonly root: PickleValue;
  /**
   * Reads ONE tensor's values as float32 (float16/bfloat16 widened exactly, float64 narrowed), row-major in its shape,
   * honouring stride and storage offset; reads only that tensor's byte range from disk. Refuses non-float dtypes.
   */
  readFloat32(tensor: TorchTensorRef): Promise<Float32Array>;
  close(): Promise<void>;
}

/** A file that is not a usable PyTorch checkpoint; the message is meant for an operator. */
export class CheckpointFormatError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CheckpointFormatError';
  }
}

const NOT_A_CHECKPOINT = 'this is not a PyTorch checkpoint (.pth) file';
const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
const LEGACY_PROTOCOL_VERSION = 1001;
/** No model state dict needs a larger pickle; a bigger one is refused rather than buffered. */
const MAX_PICKLE_BYTES = 256 * 1024 * 1024;
/** Largest tensor readFloat32 returns (1 GiB of float32). */
const MAX_TENSOR_ELEMENTS = 2 ** 28;

interface StorageLocation {
  /** File offset of the storage's first byte. */
  readonly offset: number;
  /** Bytes available for it in the file. */
  readonly byteLength: number;
}

class StorageRegistry {
  readonly byKey = new Map<string, TorchStorageRef>();

  /** The persistent_load of both formats: ('storage', torch.XStorage, key, location, numel[, view_metadata]). */
  load(pid: PickleValue, legacy: boolean): PickleValue {
    if (!Array.isArray(pid) || pid[0] !== 'storage') {
      throw new CheckpointFormatError(`${NOT_A_CHECKPOINT}: it holds an unknown persistent object`);
    }
    const t = pid as readonly PickleValue[];
    const [, type, key, location, numel] = t;
    const dtype = storageTypeDType(type ?? null);
    if (dtype === undefined || typeof key !== 'string' || typeof numel !== 'number' || !Number.isSafeInteger(numel)) {
      throw new CheckpointFormatError(`${NOT_A_CHECKPOINT}: a storage reference is malformed`);
    }
    if (numel < 0) throw new CheckpointFormatError(`storage ${key} declares a negative size`);
    if (legacy && t.length > 5 && t[5] !== null) {
      throw new CheckpointFormatError(`storage ${key} is a storage view (PyTorch < 1.0 checkpoints); not supported`);
    }
    const known = this.byKey.get(key);
    if (known) {
      if (known.dtype !== dtype || known.numel !== numel) {
        throw new CheckpointFormatError(`storage ${key} is declared twice with different types or sizes`);
      }
      return known;
    }
    const ref = new TorchStorageRef(key, dtype, numel, typeof location === 'string' ? location : 'cpu');
    this.byKey.set(key, ref);
    return ref;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Unpickles the pickle at `offset`, reading as little of the file as it needs (growing the buffer on demand). */
async function unpickleAt(
  handle: FileHandle,
  fileBytes: number,
  offset: number,
  registry: () => StorageRegistry | undefined,
  legacy: boolean,
): Promise<{ value: PickleValue; end: number; registry: StorageRegistry | undefined }> {
  let length = Math.min(fileBytes - offset, 1 << 20);
  for (;;) {
    const bytes = await readAt(handle, offset, length);
    const reg = registry();
    try {
      const { value, end } = unpickle(bytes, 0, reg ? { persistentLoad: (pid) => reg.load(pid, legacy) } : {});
      return { value, end: offset + end, registry: reg };
    } catch (error) {
      if (!(error instanceof PickleTruncatedError)) throw wrapPickleError(error, offset);
      const needed = error.needed;
      if (offset + length >= fileBytes || offset + needed > fileBytes) {
        throw new CheckpointFormatError(
          `${NOT_A_CHECKPOINT}: it is truncated at byte ${Math.min(fileBytes, offset + error.offset)} (inside a pickle)`,
          { cause: error },
        );
      }
      const next = Math.min(fileBytes - offset, Math.max(length * 2, needed));
      if (next > MAX_PICKLE_BYTES) {
        throw new CheckpointFormatError(`the checkpoint's pickle is larger than ${MAX_PICKLE_BYTES >> 20} MB; refused`);
      }
      length = next;
    }
  }
}

function wrapPickleError(error: unknown, base: number): Error {
  if (error instanceof CheckpointFormatError) return error;
  if (error instanceof PickleError) {
    return new CheckpointFormatError(`${describe(error)} (pickle at byte ${base})`, { cause: error });
  }
  return error instanceof Error ? error : new Error(String(error));
}

function isPrefix(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return prefix.every((b, k) => bytes[k] === b);
}

class OpenCheckpoint implements TorchCheckpoint {
  private closed = false;

  constructor(
    readonly format: 'legacy' | 'zip',
    readonly fileBytes: number,
    readonly root: PickleValue,
    private readonly handle: FileHandle,
    private readonly storages: ReadonlyMap<string, TorchStorageRef>,
    private readonly locate: (storage: TorchStorageRef) => Promise<StorageLocation>,
  ) {}

  async readFloat32(tensor: TorchTensorRef): Promise<Float32Array> {
    if (this.closed) throw new Error('the checkpoint is closed');
    const { dtype, shape, stride, storageOffset, storage } = tensor;
    if (dtype !== 'float32' && dtype !== 'float16' && dtype !== 'bfloat16' && dtype !== 'float64') {
      throw new CheckpointFormatError(`this tensor holds ${dtype} values; readFloat32 reads only float tensors`);
    }
    if (this.storages.get(storage.key) !== storage) {
      throw new CheckpointFormatError(`storage ${storage.key} does not belong to this checkpoint`);
    }
    const numel = tensor.numel;
    if (numel === 0) return new Float32Array(0);
    if (numel > MAX_TENSOR_ELEMENTS) throw new CheckpointFormatError(`a tensor of ${numel} values is too large`);
    let last = storageOffset;
    for (let d = 0; d < shape.length; d++) last += (shape[d]! - 1) * stride[d]!;
    if (last >= storage.numel) {
      throw new CheckpointFormatError(`a tensor reaches past the end of its storage ${storage.key}`);
    }
    const size = TORCH_DTYPE_SIZE[dtype];
    const where = await this.locate(storage);
    const firstByte = storageOffset * size;
    const byteCount = (last - storageOffset + 1) * size;
    if (firstByte + byteCount > where.byteLength) {
      throw new CheckpointFormatError(`storage ${storage.key} is shorter in the file than it declares`);
    }
    const raw = await readAt(this.handle, where.offset + firstByte, byteCount);
    if (raw.length < byteCount) {
      throw new CheckpointFormatError(`storage ${storage.key} lies beyond the end of the file`);
    }
    if (endianness() !== 'LE') throw new Error('reading checkpoints needs a little-endian machine');
    const span = raw.length / size;
    let get: (k: number) => number;
    if (dtype === 'float32') {
      const a = new Float32Array(raw.buffer, 0, span);
      get = (k) => a[k]!;
    } else if (dtype === 'float64') {
      const a = new Float64Array(raw.buffer, 0, span);
      get = (k) => a[k]!;
    } else if (dtype === 'float16') {
      const a = new Uint16Array(raw.buffer, 0, span);
      get = (k) => halfToFloat(a[k]!);
    } else {
      const a = new Uint16Array(raw.buffer, 0, span);
      const u = new Uint32Array(1);
      const f = new Float32Array(u.buffer);
      get = (k) => {
        u[0] = a[k]! << 16;
        return f[0]!;
      };
    }
    const out = new Float32Array(numel);
    // Row-major walk over the shape, following the strides (relative to the span's first element).
    const rank = shape.length;
    let contiguous = true;
    for (let d = rank - 1, expect = 1; d >= 0; d--) {
      if (shape[d]! !== 1 && stride[d]! !== expect) contiguous = false;
      expect *= shape[d]!;
    }
    if (contiguous) {
      if (dtype === 'float32') out.set(new Float32Array(raw.buffer, 0, numel));
      else for (let k = 0; k < numel; k++) out[k] = get(k);
      return out;
    }
    const index = new Array<number>(rank).fill(0);
    let src = 0;
    for (let k = 0; k < numel; k++) {
      out[k] = get(src);
      for (let d = rank - 1; d >= 0; d--) {
        if (++index[d]! < shape[d]!) {
          src += stride[d]!;
          break;
        }
        src -= (shape[d]! - 1) * stride[d]!;
        index[d] = 0;
      }
    }
    return out;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close();
  }
}

async function openLegacy(handle: FileHandle, fileBytes: number): Promise<TorchCheckpoint> {
  let offset = 0;
  const header = await unpickleAt(handle, fileBytes, offset, () => undefined, true).catch((error: unknown) => {
    if (error instanceof CheckpointFormatError && /truncated/.test(error.message)) throw error;
    if (error instanceof CheckpointFormatError && error.cause instanceof PickleRefusedGlobalError) throw error;
    throw new CheckpointFormatError(NOT_A_CHECKPOINT, { cause: error });
  });
  if (header.value !== LEGACY_MAGIC) throw new CheckpointFormatError(`${NOT_A_CHECKPOINT} (wrong magic number)`);
  offset = header.end;
  const version = await unpickleAt(handle, fileBytes, offset, () => undefined, true);
  if (version.value !== LEGACY_PROTOCOL_VERSION) {
    throw new CheckpointFormatError(`unsupported legacy checkpoint protocol version ${String(version.value)}`);
  }
  const sysInfo = await unpickleAt(handle, fileBytes, version.end, () => undefined, true);
  if (sysInfo.value instanceof Map && sysInfo.value.get('little_endian') === false) {
    throw new CheckpointFormatError('this checkpoint was saved on a big-endian machine; not supported');
  }
  const main = await unpickleAt(handle, fileBytes, sysInfo.end, () => new StorageRegistry(), true);
  const registry = main.registry!;
  const keyList = await unpickleAt(handle, fileBytes, main.end, () => undefined, true);
  if (!Array.isArray(keyList.value) || !(keyList.value as readonly PickleValue[]).every((k) => typeof k === 'string')) {
    throw new CheckpointFormatError(`${NOT_A_CHECKPOINT}: the storage key list is malformed`);
  }
  const locations = new Map<string, StorageLocation>();
  let at = keyList.end;
  for (const key of keyList.value as readonly string[]) {
    const storage = registry.byKey.get(key);
    if (!storage) throw new CheckpointFormatError(`storage ${key} is listed but nothing in the checkpoint uses it`);
    if (locations.has(key)) throw new CheckpointFormatError(`storage ${key} is listed twice`);
    const head = await readAt(handle, at, 8);
    if (head.length < 8) {
      throw new CheckpointFormatError(
        `the checkpoint is truncated at byte ${fileBytes}: storage ${key} lies beyond the end of the file`,
      );
    }
    const count = new DataView(head.buffer).getBigInt64(0, true);
    if (count !== BigInt(storage.numel)) {
      throw new CheckpointFormatError(
        `storage ${key} holds ${count} values in the file but the checkpoint declares ${storage.numel}`,
      );
    }
    const byteLength = storage.byteLength;
    if (at + 8 + byteLength > fileBytes) {
      throw new CheckpointFormatError(
        `the checkpoint is truncated at byte ${fileBytes}: storage ${key} lies beyond the end of the file`,
      );
    }
    locations.set(key, { offset: at + 8, byteLength });
    at += 8 + byteLength;
  }
  for (const key of registry.byKey.keys()) {
    if (!locations.has(key)) throw new CheckpointFormatError(`storage ${key} is missing from the checkpoint`);
  }
  return new OpenCheckpoint('legacy', fileBytes, main.value, handle, registry.byKey, async (s) => locations.get(s.key)!);
}

async function openZip(handle: FileHandle, fileBytes: number): Promise<TorchCheckpoint> {
  let entries: ZipEntry[];
  try {
    entries = await readZipDirectory(handle, fileBytes);
  } catch (error) {
    if (!(error instanceof ZipFormatError)) throw error;
    throw new CheckpointFormatError(`${NOT_A_CHECKPOINT}: the zip is truncated or damaged (${error.message})`, {
      cause: error,
    });
  }
  const byName = new Map(entries.map((e) => [e.name, e]));
  const pkl = entries.find((e) => /^[^/]+\/data\.pkl$/.test(e.name));
  if (!pkl) throw new CheckpointFormatError(`${NOT_A_CHECKPOINT}: the zip has no data.pkl`);
  const prefix = pkl.name.slice(0, -'data.pkl'.length);
  const dataOf = async (entry: ZipEntry): Promise<number> => {
    if (entry.method !== 0) {
      throw new CheckpointFormatError(`zip entry ${entry.name} is compressed; PyTorch checkpoints store entries as is`);
    }
    let offset: number;
    try {
      offset = await entryDataOffset(handle, entry);
    } catch (error) {
      throw new CheckpointFormatError(`${NOT_A_CHECKPOINT}: ${describe(error)}`, { cause: error });
    }
    if (offset + entry.size > fileBytes) {
      throw new CheckpointFormatError(`zip entry ${entry.name} lies beyond the end of the file`);
    }
    return offset;
  };
  const byteorder = byName.get(`${prefix}byteorder`);
  if (byteorder && byteorder.size < 16) {
    const text = new TextDecoder().decode(await readAt(handle, await dataOf(byteorder), byteorder.size));
    if (text.trim() === 'big') throw new CheckpointFormatError('this checkpoint was saved big-endian; not supported');
  }
  if (pkl.size > MAX_PICKLE_BYTES) {
    throw new CheckpointFormatError(`the checkpoint's pickle is larger than ${MAX_PICKLE_BYTES >> 20} MB; refused`);
  }
  const pklOffset = await dataOf(pkl);
  const bytes = await readAt(handle, pklOffset, pkl.size);
  const registry = new StorageRegistry();
  let root: PickleValue;
  try {
    root = unpickle(bytes, 0, { persistentLoad: (pid) => registry.load(pid, false) }).value;
  } catch (error) {
    if (error instanceof PickleTruncatedError) {
      throw new CheckpointFormatError(`${NOT_A_CHECKPOINT}: data.pkl is truncated at byte ${error.offset}`, {
        cause: error,
      });
    }
    throw wrapPickleError(error, pklOffset);
  }
  for (const storage of registry.byKey.values()) {
    const entry = byName.get(`${prefix}data/${storage.key}`);
    if (!entry) throw new CheckpointFormatError(`storage ${storage.key} is missing from the checkpoint`);
    if (entry.size < storage.byteLength) {
      throw new CheckpointFormatError(`storage ${storage.key} is shorter in the file than the checkpoint declares`);
    }
    if (entry.localHeaderOffset + 30 + entry.size > fileBytes) {
      throw new CheckpointFormatError(`storage ${storage.key} lies beyond the end of the file`);
    }
  }
  const located = new Map<string, StorageLocation>();
  return new OpenCheckpoint('zip', fileBytes, root, handle, registry.byKey, async (s) => {
    let where = located.get(s.key);
    if (!where) {
      const entry = byName.get(`${prefix}data/${s.key}`)!;
      where = { offset: await dataOf(entry), byteLength: entry.size };
      located.set(s.key, where);
    }
    return where;
  });
}

/** Opens a checkpoint: reads its pickle and headers, not its tensors. Throws CheckpointFormatError for bad files. */
export async function openTorchCheckpoint(path: string): Promise<TorchCheckpoint> {
  const handle = await open(path, 'r');
  try {
    const fileBytes = (await handle.stat()).size;
    if (fileBytes === 0) throw new CheckpointFormatError(`${NOT_A_CHECKPOINT} (it is empty)`);
    const start = await readAt(handle, 0, Math.min(fileBytes, 4));
    if (isPrefix(start, [0x50, 0x4b, 0x03, 0x04]) && start.length === 4) return await openZip(handle, fileBytes);
    if (start[0] === 0x80) return await openLegacy(handle, fileBytes);
    throw new CheckpointFormatError(NOT_A_CHECKPOINT);
  } catch (error) {
    await handle.close();
    throw error;
  }
}
