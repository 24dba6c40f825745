/**
 * Writes PyTorch checkpoints (.pth) in both formats torch.save produces — zip (PyTorch >= 1.6) and legacy
 * (`_use_new_zipfile_serialization=False`) — for tests. It streams: each tensor's data may be given lazily and is
 * produced, converted and written one storage at a time, so full-size (hundreds of MB) checkpoints stay cheap.
 * The pickle is protocol 2, opcode for opcode what Python's pickler emits for these values (without the memo).
 *
 * Value model (PyValue):
 * - null, boolean, string, bigint (a Python int), number (an int when Number.isInteger, else a float);
 *   `{ float: x }` forces a float (1.0);
 * - arrays are lists, `{ tuple: [...] }` tuples, `{ bytes: Uint8Array }` bytes;
 * - a Map is a plain dict (keys string | number | bigint), `{ ordered: Map, metadata? }` an OrderedDict (metadata is
 *   set as its `_metadata` attribute through BUILD, like a state dict's);
 * - `tensor(spec)` / `parameter(spec)` / `view(storage, geometry)` are tensors;
 * - `{ global: [module, name], args: [...] }` calls any global with args (GLOBAL + tuple + REDUCE) — hostile files.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { floatsToHalves } from '../../src/pipeline/model/half.js';

export type TensorDType = 'float32' | 'float16' | 'int64';
type TensorData = Float32Array | BigInt64Array;

/** float16 data is given as float32 values (converted with floatToHalf); int64 as a BigInt64Array. */
export interface TensorSpec {
  dtype: TensorDType;
  shape: number[];
  data: TensorData | (() => TensorData);
}

/** A storage several tensors can view. */
export interface StorageSpec {
  dtype: TensorDType;
  numel: number;
  data: TensorData | (() => TensorData);
}

export interface PyTensor {
  readonly kind: 'tensor';
  readonly storage: StorageSpec;
  readonly offset: number;
  readonly shape: number[];
  readonly stride: number[];
  readonly parameter: boolean;
  readonly requiresGrad: boolean;
}

export type PyKey = string | number | bigint;
export type PyValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | PyValue[]
  | { tuple: PyValue[] }
  | { float: number }
  | { bytes: Uint8Array }
  | Map<PyKey, PyValue>
  | { ordered: Map<PyKey, PyValue>; metadata?: PyValue }
  | { global: [string, string]; args: PyValue[] }
  | PyTensor;

function contiguousStride(shape: readonly number[]): number[] {
  const stride = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    stride[d] = s;
    s *= shape[d]!;
  }
  return stride;
}

function numelOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** A contiguous tensor with its own storage. */
export function tensor(spec: TensorSpec, requiresGrad = false): PyTensor {
  const storage: StorageSpec = { dtype: spec.dtype, numel: numelOf(spec.shape), data: spec.data };
  return { kind: 'tensor', storage, offset: 0, shape: spec.shape, stride: contiguousStride(spec.shape), parameter: false, requiresGrad };
}

/** An nn.Parameter (torch._utils._rebuild_parameter around the tensor). */
export function parameter(spec: TensorSpec, requiresGrad = true): PyTensor {
  return { ...tensor(spec, requiresGrad), parameter: true };
}

/** A view into a shared storage: any offset, shape and stride. */
export function view(storage: StorageSpec, geometry: { offset?: number; shape: number[]; stride?: number[] }): PyTensor {
  return {
    kind: 'tensor',
    storage,
    offset: geometry.offset ?? 0,
    shape: geometry.shape,
    stride: geometry.stride ?? contiguousStride(geometry.shape),
    parameter: false,
    requiresGrad: false,
  };
}

const STORAGE_CLASS: Record<TensorDType, string> = {
  float32: 'FloatStorage',
  float16: 'HalfStorage',
  int64: 'LongStorage',
};
const ELEMENT_SIZE: Record<TensorDType, number> = { float32: 4, float16: 2, int64: 8 };

/** Protocol-2 pickle bytes. */
class PickleBuilder {
  private chunks: Uint8Array[] = [];
  private length = 0;

  raw(bytes: Uint8Array | number[]): void {
    const b = bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes);
    this.chunks.push(b);
    this.length += b.length;
  }

  op(code: number): void {
    this.raw([code]);
  }

  int(v: number | bigint): void {
    if (typeof v === 'number' && v >= 0 && v < 256) return this.raw([0x4b, v]);
    if (typeof v === 'number' && v >= 0 && v < 65536) return this.raw([0x4d, v & 0xff, v >> 8]);
    if (typeof v === 'number' && v >= -(2 ** 31) && v < 2 ** 31) {
      const b = Buffer.alloc(5);
      b[0] = 0x4a;
      b.writeInt32LE(v, 1);
      return this.raw(b);
    }
    // LONG1: two's complement little-endian, as short as Python makes it.
    let x = BigInt(v);
    const bytes: number[] = [];
    if (x !== 0n) {
      for (;;) {
        bytes.push(Number(x & 0xffn));
        x >>= 8n;
        const top = bytes[bytes.length - 1]!;
        if ((x === 0n && (top & 0x80) === 0) || (x === -1n && (top & 0x80) !== 0)) break;
      }
    }
    this.raw([0x8a, bytes.length, ...bytes]);
  }

  float(v: number): void {
    const b = Buffer.alloc(9);
    b[0] = 0x47;
    b.writeDoubleBE(v, 1);
    this.raw(b);
  }

  str(s: string): void {
    const bytes = Buffer.from(s, 'utf8');
    const head = Buffer.alloc(5);
    head[0] = 0x58;
    head.writeUInt32LE(bytes.length, 1);
    this.raw(head);
    this.raw(bytes);
  }

  global(module: string, name: string): void {
    this.raw(Buffer.from(`c${module}\n${name}\n`, 'latin1'));
  }

  bytes(): Uint8Array {
    return Buffer.concat(this.chunks, this.length);
  }
}

interface StorageEntry {
  key: string;
  spec: StorageSpec;
}

/** Pickles `root` (protocol 2, ending in STOP), collecting the storages it references. */
function pickleRoot(root: PyValue, legacy: boolean, storages: Map<StorageSpec, StorageEntry>): Uint8Array {
  const p = new PickleBuilder();
  p.raw([0x80, 2]);
  const emptyOrderedDict = (): void => {
    p.global('collections', 'OrderedDict');
    p.op(0x29); // EMPTY_TUPLE
    p.op(0x52); // REDUCE
  };
  const tuple = (items: (() => void)[]): void => {
    if (items.length === 0) return p.op(0x29);
    if (items.length <= 3) {
      for (const f of items) f();
      return p.op([0x85, 0x86, 0x87][items.length - 1]!);
    }
    p.op(0x28); // MARK
    for (const f of items) f();
    p.op(0x74); // TUPLE
  };
  const setItems = (map: Map<PyKey, PyValue>): void => {
    if (map.size === 0) return;
    p.op(0x28);
    for (const [k, v] of map) {
      write(k);
      write(v);
    }
    p.op(0x75); // SETITEMS
  };
  const writeTensor = (t: PyTensor): void => {
    let entry = storages.get(t.storage);
    if (!entry) {
      entry = { key: legacy ? String(1000 + storages.size * 997) : String(storages.size), spec: t.storage };
      storages.set(t.storage, entry);
    }
    const e = entry;
    if (t.parameter) p.global('torch._utils', '_rebuild_parameter');
    p.global('torch._utils', '_rebuild_tensor_v2');
    tuple([
      () => {
        const pid: (() => void)[] = [
          () => p.str('storage'),
          () => p.global('torch', STORAGE_CLASS[e.spec.dtype]),
          () => p.str(e.key),
          () => p.str('cpu'),
          () => p.int(e.spec.numel),
        ];
        if (legacy) pid.push(() => p.op(0x4e));
        tuple(pid);
        p.op(0x51); // BINPERSID
      },
      () => p.int(t.offset),
      () => tuple(t.shape.map((d) => () => p.int(d))),
      () => tuple(t.stride.map((d) => () => p.int(d))),
      () => p.op(t.parameter ? 0x89 : t.requiresGrad ? 0x88 : 0x89),
      emptyOrderedDict,
    ]);
    p.op(0x52);
    if (t.parameter) {
      // (tensor, requires_grad, OrderedDict()): the tensor is already on the stack.
      tuple([() => undefined, () => p.op(t.requiresGrad ? 0x88 : 0x89), emptyOrderedDict]);
      p.op(0x52);
    }
  };
  const write = (v: PyValue): void => {
    if (v === null) return p.op(0x4e);
    if (v === true) return p.op(0x88);
    if (v === false) return p.op(0x89);
    if (typeof v === 'bigint') return p.int(v);
    if (typeof v === 'number') return Number.isInteger(v) && !Object.is(v, -0) ? p.int(v) : p.float(v);
    if (typeof v === 'string') return p.str(v);
    if (Array.isArray(v)) {
      p.op(0x5d); // EMPTY_LIST
      if (v.length > 0) {
        p.op(0x28);
        for (const x of v) write(x);
        p.op(0x65); // APPENDS
      }
      return;
    }
    if (v instanceof Map) {
      p.op(0x7d); // EMPTY_DICT
      return setItems(v);
    }
    if ('tuple' in v) return tuple(v.tuple.map((x) => () => write(x)));
    if ('float' in v) return p.float(v.float);
    if ('bytes' in v) {
      const head = Buffer.alloc(5);
      head[0] = 0x42; // BINBYTES
      head.writeUInt32LE(v.bytes.length, 1);
      p.raw(head);
      return p.raw(v.bytes);
    }
    if ('ordered' in v) {
      emptyOrderedDict();
      setItems(v.ordered);
      if (v.metadata !== undefined) {
        write(new Map<PyKey, PyValue>([['_metadata', v.metadata]]));
        p.op(0x62); // BUILD
      }
      return;
    }
    if ('global' in v) {
      p.global(v.global[0], v.global[1]);
      tuple(v.args.map((x) => () => write(x)));
      return p.op(0x52);
    }
    return writeTensor(v);
  };
  write(root);
  p.op(0x2e); // STOP
  return p.bytes();
}

/** The little-endian bytes of a storage (float16 converted from float32 values). */
function storageBytes(spec: StorageSpec): Uint8Array {
  const data = typeof spec.data === 'function' ? spec.data() : spec.data;
  if (data.length !== spec.numel) throw new Error(`storage data has ${data.length} values, expected ${spec.numel}`);
  if (spec.dtype === 'int64') {
    if (!(data instanceof BigInt64Array)) throw new Error('int64 data must be a BigInt64Array');
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  }
  if (!(data instanceof Float32Array)) throw new Error(`${spec.dtype} data must be a Float32Array`);
  const typed = spec.dtype === 'float16' ? floatsToHalves(data) : data;
  return new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
}

class Output {
  position = 0;
  constructor(readonly handle: FileHandle) {}

  async write(bytes: Uint8Array): Promise<void> {
    let done = 0;
    while (done < bytes.length) {
      const { bytesWritten } = await this.handle.write(bytes, done, bytes.length - done, this.position + done);
      done += bytesWritten;
    }
    this.position += bytes.length;
  }
}

function simplePickle(build: (p: PickleBuilder) => void): Uint8Array {
  const p = new PickleBuilder();
  p.raw([0x80, 2]);
  build(p);
  p.op(0x2e);
  return p.bytes();
}

async function writeLegacy(out: Output, main: Uint8Array, storages: StorageEntry[]): Promise<void> {
  await out.write(simplePickle((p) => p.int(0x1950a86a20f9469cfc6cn)));
  await out.write(simplePickle((p) => p.int(1001)));
  await out.write(
    simplePickle((p) => {
      p.op(0x7d);
      p.op(0x28);
      p.str('protocol_version');
      p.int(1001);
      p.str('little_endian');
      p.op(0x88);
      p.str('type_sizes');
      p.op(0x7d);
      p.op(0x28);
      for (const [k, v] of [['short', 2], ['int', 4], ['long', 8]] as const) {
        p.str(k);
        p.int(v);
      }
      p.op(0x75);
      p.op(0x75);
    }),
  );
  await out.write(main);
  // Like torch: the key list sorted as strings, the storages in that order.
  const sorted = [...storages].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  await out.write(
    simplePickle((p) => {
      p.op(0x5d);
      if (sorted.length > 0) {
        p.op(0x28);
        for (const s of sorted) p.str(s.key);
        p.op(0x65);
      }
    }),
  );
  for (const s of sorted) {
    const count = Buffer.alloc(8);
    count.writeBigInt64LE(BigInt(s.spec.numel));
    await out.write(count);
    await out.write(storageBytes(s.spec));
  }
}

interface CentralRecord {
  name: Buffer;
  crc: number;
  size: number;
  offset: number;
}

async function writeZipEntry(out: Output, name: string, data: Uint8Array, records: CentralRecord[]): Promise<void> {
  const nameBytes = Buffer.from(name, 'utf8');
  const offset = out.position;
  // Like torch: an extra field pads the header so the data starts on a 64-byte boundary.
  const base = offset + 30 + nameBytes.length;
  let pad = (64 - ((base + 4) % 64)) % 64;
  const extra = Buffer.alloc(4 + pad);
  extra.writeUInt16LE(0x4246, 0); // 'FB'
  extra.writeUInt16LE(pad, 2);
  pad = extra.length;
  const header = Buffer.alloc(30);
  header.writeUInt32LE(0x04034b50, 0);
  header.writeUInt16LE(20, 4); // version needed
  header.writeUInt16LE(0, 6); // flags
  header.writeUInt16LE(0, 8); // stored
  header.writeUInt32LE(0, 10); // time, date
  const crc = crc32(data);
  header.writeUInt32LE(crc, 14);
  header.writeUInt32LE(data.length, 18);
  header.writeUInt32LE(data.length, 22);
  header.writeUInt16LE(nameBytes.length, 26);
  header.writeUInt16LE(pad, 28);
  await out.write(header);
  await out.write(nameBytes);
  await out.write(extra);
  await out.write(data);
  records.push({ name: nameBytes, crc, size: data.length, offset });
}

async function writeZipDirectory(out: Output, records: CentralRecord[]): Promise<void> {
  const start = out.position;
  for (const r of records) {
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(20, 4); // version made by
    c.writeUInt16LE(20, 6); // version needed
    c.writeUInt32LE(r.crc, 16);
    c.writeUInt32LE(r.size, 20);
    c.writeUInt32LE(r.size, 24);
    c.writeUInt16LE(r.name.length, 28);
    c.writeUInt32LE(r.offset, 42);
    await out.write(c);
    await out.write(r.name);
  }
  const size = out.position - start;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(records.length, 8);
  end.writeUInt16LE(records.length, 10);
  end.writeUInt32LE(size, 12);
  end.writeUInt32LE(start, 16);
  await out.write(end);
}

async function writeZip(out: Output, archive: string, main: Uint8Array, storages: StorageEntry[]): Promise<void> {
  const records: CentralRecord[] = [];
  await writeZipEntry(out, `${archive}/data.pkl`, main, records);
  for (const s of storages) await writeZipEntry(out, `${archive}/data/${s.key}`, storageBytes(s.spec), records);
  await writeZipEntry(out, `${archive}/version`, Buffer.from('3\n'), records);
  await writeZipDirectory(out, records);
}

/** Writes `root` as torch.save would, in the given format; tensor data is produced one storage at a time. */
export async function writeTorchCheckpoint(
  path: string,
  root: PyValue,
  options: { format: 'legacy' | 'zip'; archiveName?: string },
): Promise<void> {
  const legacy = options.format === 'legacy';
  const storages = new Map<StorageSpec, StorageEntry>();
  const main = pickleRoot(root, legacy, storages);
  const handle = await open(path, 'w');
  try {
    const out = new Output(handle);
    if (legacy) await writeLegacy(out, main, [...storages.values()]);
    else await writeZip(out, options.archiveName ?? 'archive', main, [...storages.values()]);
  } finally {
    await handle.close();
  }
}
