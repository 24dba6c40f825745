/**
 * A safe unpickler for the subset of Python's pickle format that a PyTorch state dict needs.
 *
 * Nothing in a pickle is ever executed: GLOBAL / STACK_GLOBAL resolve only names on a fixed allow-list, and each
 * allowed "callable" is a TypeScript function that builds a plain value (a Map, an array, a TorchTensorRef). Any other
 * global — os.system, builtins.eval, subprocess.Popen … — is refused with a PickleRefusedGlobalError before anything
 * is called. All work is bounded by the input: every declared length is checked against the bytes that remain, so a
 * string declaring 4 GB inside a 1 KB pickle is refused as truncated instead of being allocated.
 */

export type TorchDType =
  | 'float32'
  | 'float16'
  | 'bfloat16'
  | 'float64'
  | 'int64'
  | 'int32'
  | 'int16'
  | 'int8'
  | 'uint8'
  | 'bool';

/** Bytes per element of each dtype. */
export const TORCH_DTYPE_SIZE: Readonly<Record<TorchDType, number>> = {
  float32: 4,
  float16: 2,
  bfloat16: 2,
  float64: 8,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
};

/** The torch.*Storage classes a checkpoint may name, and the dtype of each. */
const STORAGE_TYPES: Readonly<Record<string, TorchDType>> = {
  FloatStorage: 'float32',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  DoubleStorage: 'float64',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
};

/** One storage of the checkpoint, as its persistent id declares it (no bytes read). */
export class TorchStorageRef {
  constructor(
    /** The storage key: the zip entry name under data/, or the legacy root key. */
    readonly key: string,
    readonly dtype: TorchDType,
    /** Element count the checkpoint declares for this storage. */
    readonly numel: number,
    readonly location: string,
  ) {}

  get byteLength(): number {
    return this.numel * TORCH_DTYPE_SIZE[this.dtype];
  }
}

/** A tensor of the checkpoint: its geometry and storage reference; the values are read on request. */
export class TorchTensorRef {
  readonly dtype: TorchDType;

  constructor(
    readonly storage: TorchStorageRef,
    readonly storageOffset: number,
    readonly shape: readonly number[],
    readonly stride: readonly number[],
    readonly requiresGrad: boolean = false,
  ) {
    this.dtype = storage.dtype;
  }

  get numel(): number {
    let n = 1;
    for (const d of this.shape) n *= d;
    return n;
  }
}

/** A global the pickle named that is on the allow-list but was not (yet) called, e.g. torch.FloatStorage. */
export class PickleGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
}

export type PickleKey = string | number | bigint | boolean | null;
export type PickleValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | readonly PickleValue[]
  | Map<PickleKey, PickleValue>
  | TorchTensorRef
  | TorchStorageRef
  | PickleGlobal;

export class PickleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The pickle names a global that is not on the allow-list; nothing was executed. */
export class PickleRefusedGlobalError extends PickleError {
  constructor(
    readonly module: string,
    readonly globalName: string,
  ) {
    super(`refusing to load: the file asks to run ${module}.${globalName}; a model checkpoint never needs that`);
  }
}

export class PickleOpcodeError extends PickleError {
  constructor(
    readonly opcode: number,
    readonly offset: number,
  ) {
    super(`unsupported pickle opcode 0x${opcode.toString(16).padStart(2, '0')} at byte ${offset}`);
  }
}

/** The pickle ends before the opcode at `offset` is complete; `needed` is the byte count it would need. */
export class PickleTruncatedError extends PickleError {
  constructor(
    readonly offset: number,
    readonly needed: number,
  ) {
    super(`the pickle is truncated at byte ${offset} (it needs ${needed} bytes)`);
  }
}

/** A structurally wrong pickle: stack underflow, bad memo index, wrong argument types … */
export class PickleMalformedError extends PickleError {}

export interface UnpickleOptions {
  /** Resolves a BINPERSID persistent id; without it, BINPERSID is refused. */
  persistentLoad?: (pid: PickleValue) => PickleValue;
}

export interface UnpickleResult {
  value: PickleValue;
  /** Offset just after the STOP opcode. */
  end: number;
}

const MARK = Symbol('mark');
type StackItem = PickleValue | typeof MARK;

type Callable = (args: readonly PickleValue[]) => PickleValue;

function isMap(v: PickleValue): v is Map<PickleKey, PickleValue> {
  return v instanceof Map;
}

function toInt(v: PickleValue, what: string): number {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  throw new PickleMalformedError(`${what} must be an integer`);
}

function toIntTuple(v: PickleValue, what: string): number[] {
  if (!Array.isArray(v)) throw new PickleMalformedError(`${what} must be a tuple of integers`);
  return (v as readonly PickleValue[]).map((x) => {
    const n = toInt(x, what);
    if (n < 0) throw new PickleMalformedError(`${what} must not be negative`);
    return n;
  });
}

function rebuildTensor(args: readonly PickleValue[]): PickleValue {
  if (args.length < 6 || args.length > 7) {
    throw new PickleMalformedError(`_rebuild_tensor_v2 takes 6 or 7 arguments, got ${args.length}`);
  }
  const [storage, offset, size, stride, requiresGrad] = args;
  if (!(storage instanceof TorchStorageRef)) throw new PickleMalformedError('_rebuild_tensor_v2 needs a storage');
  const shape = toIntTuple(size!, 'tensor size');
  const strides = toIntTuple(stride!, 'tensor stride');
  if (shape.length !== strides.length) throw new PickleMalformedError('tensor size and stride differ in length');
  const storageOffset = toInt(offset!, 'storage offset');
  if (storageOffset < 0) throw new PickleMalformedError('storage offset must not be negative');
  return new TorchTensorRef(storage, storageOffset, shape, strides, requiresGrad === true);
}

function rebuildParameter(args: readonly PickleValue[]): PickleValue {
  const [data, requiresGrad] = args;
  if (!(data instanceof TorchTensorRef)) throw new PickleMalformedError('_rebuild_parameter needs a tensor');
  return new TorchTensorRef(data.storage, data.storageOffset, data.shape, data.stride, requiresGrad === true);
}

function orderedDict(args: readonly PickleValue[]): PickleValue {
  const map = new Map<PickleKey, PickleValue>();
  if (args.length > 0 && Array.isArray(args[0])) {
    for (const pair of args[0] as readonly PickleValue[]) {
      if (!Array.isArray(pair) || pair.length !== 2) throw new PickleMalformedError('OrderedDict items must be pairs');
      map.set(asKey((pair as PickleValue[])[0]!), (pair as PickleValue[])[1]!);
    }
  }
  return map;
}

/** module -> name -> callable (or undefined for a global that is only a marker, such as a storage type). */
function resolveGlobal(module: string, name: string): PickleGlobal {
  if (module === 'collections' && name === 'OrderedDict') return new PickleGlobal(module, name);
  if (module === 'torch._utils' && (name === '_rebuild_tensor_v2' || name === '_rebuild_parameter')) {
    return new PickleGlobal(module, name);
  }
  if (module === 'torch' && Object.hasOwn(STORAGE_TYPES, name)) return new PickleGlobal(module, name);
  throw new PickleRefusedGlobalError(module, name);
}

function callableOf(g: PickleGlobal): Callable {
  if (g.module === 'collections' && g.name === 'OrderedDict') return orderedDict;
  if (g.module === 'torch._utils' && g.name === '_rebuild_tensor_v2') return rebuildTensor;
  if (g.module === 'torch._utils' && g.name === '_rebuild_parameter') return rebuildParameter;
  throw new PickleMalformedError(`${g.module}.${g.name} cannot be called`);
}

/** The dtype of a torch.*Storage global, or undefined when the value is not one. */
export function storageTypeDType(v: PickleValue): TorchDType | undefined {
  if (v instanceof PickleGlobal && v.module === 'torch') return STORAGE_TYPES[v.name];
  return undefined;
}

function asKey(v: PickleValue): PickleKey {
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') {
    return v;
  }
  throw new PickleMalformedError('a dict key must be a str, int, float, bool or None');
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

/**
 * Unpickles one pickle starting at `start` of `bytes`; returns the value and the offset after STOP.
 * Throws PickleTruncatedError (with the byte count needed) when the pickle runs past the end of `bytes`.
 */
export function unpickle(bytes: Uint8Array, start = 0, options: UnpickleOptions = {}): UnpickleResult {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = bytes.length;
  let pos = start;
  let stack: StackItem[] = [];
  const metastack: StackItem[][] = [];
  const memo = new Map<number, PickleValue>();

  const need = (n: number, at: number): void => {
    if (n > end - pos) throw new PickleTruncatedError(at, pos + n);
  };
  const u8 = (at: number): number => {
    need(1, at);
    return bytes[pos++]!;
  };
  const u16 = (at: number): number => {
    need(2, at);
    const v = view.getUint16(pos, true);
    pos += 2;
    return v;
  };
  const u32 = (at: number): number => {
    need(4, at);
    const v = view.getUint32(pos, true);
    pos += 4;
    return v;
  };
  const u64 = (at: number): number => {
    need(8, at);
    const v = view.getBigUint64(pos, true);
    pos += 8;
    // Any length beyond the remaining bytes is truncation; report it as such without converting huge values.
    if (v > BigInt(end - pos)) throw new PickleTruncatedError(at, Number.MAX_SAFE_INTEGER);
    return Number(v);
  };
  const take = (n: number, at: number): Uint8Array => {
    need(n, at);
    const out = bytes.subarray(pos, pos + n);
    pos += n;
    return out;
  };
  const line = (at: number): string => {
    const nl = bytes.indexOf(0x0a, pos);
    if (nl < 0) throw new PickleTruncatedError(at, end + 1);
    const s = latin1.decode(bytes.subarray(pos, nl));
    pos = nl + 1;
    return s;
  };
  const text = (raw: Uint8Array, at: number): string => {
    try {
      return utf8.decode(raw);
    } catch {
      throw new PickleMalformedError(`invalid UTF-8 in a string at byte ${at}`);
    }
  };
  const pop = (at: number): PickleValue => {
    const v = stack.pop();
    if (v === undefined || v === MARK) throw new PickleMalformedError(`stack underflow at byte ${at}`);
    return v;
  };
  const top = (at: number): PickleValue => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) throw new PickleMalformedError(`stack underflow at byte ${at}`);
    return v;
  };
  const popMark = (at: number): PickleValue[] => {
    const items = stack as PickleValue[];
    const prev = metastack.pop();
    if (prev === undefined) throw new PickleMalformedError(`no MARK before the opcode at byte ${at}`);
    stack = prev;
    return items;
  };
  const signedLE = (raw: Uint8Array): number | bigint => {
    if (raw.length === 0) return 0;
    let v = 0n;
    for (let k = raw.length - 1; k >= 0; k--) v = (v << 8n) | BigInt(raw[k]!);
    if (raw[raw.length - 1]! & 0x80) v -= 1n << BigInt(raw.length * 8);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };
  const setItems = (target: PickleValue, items: PickleValue[], at: number): void => {
    if (!isMap(target)) throw new PickleMalformedError(`SETITEM(S) on something that is not a dict at byte ${at}`);
    if (items.length % 2 !== 0) throw new PickleMalformedError(`odd number of SETITEMS values at byte ${at}`);
    for (let k = 0; k < items.length; k += 2) target.set(asKey(items[k]!), items[k + 1]!);
  };
  const appendItems = (target: PickleValue, items: PickleValue[], at: number): void => {
    if (!Array.isArray(target)) throw new PickleMalformedError(`APPEND(S) on something that is not a list at byte ${at}`);
    (target as PickleValue[]).push(...items);
  };

  for (;;) {
    const at = pos;
    const op = u8(at);
    switch (op) {
      case 0x80: // PROTO
        if (u8(at) > 5) throw new PickleMalformedError(`unsupported pickle protocol at byte ${at}`);
        break;
      case 0x95: // FRAME: an 8-byte frame length; the frame's opcodes follow inline.
        need(8, at);
        pos += 8;
        break;
      case 0x2e: // STOP
        {
          const value = pop(at);
          return { value, end: pos };
        }
      case 0x28: // MARK
        metastack.push(stack);
        stack = [];
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x74: {
        // TUPLE (popMark replaces `stack`, so pop before reading it)
        const items = popMark(at);
        stack.push(items);
        break;
      }
      case 0x85: // TUPLE1
        stack.push([pop(at)]);
        break;
      case 0x86: {
        // TUPLE2
        const b = pop(at);
        const a = pop(at);
        stack.push([a, b]);
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop(at);
        const b = pop(at);
        const a = pop(at);
        stack.push([a, b, c]);
        break;
      }
      case 0x61: {
        // APPEND
        const v = pop(at);
        appendItems(top(at), [v], at);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark(at);
        appendItems(top(at), items, at);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop(at);
        const k = pop(at);
        setItems(top(at), [k, v], at);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark(at);
        setItems(top(at), items, at);
        break;
      }
      case 0x4a: // BININT
        need(4, at);
        stack.push(view.getInt32(pos, true));
        pos += 4;
        break;
      case 0x4b: // BININT1
        stack.push(u8(at));
        break;
      case 0x4d: // BININT2
        stack.push(u16(at));
        break;
      case 0x8a: // LONG1
        stack.push(signedLE(take(u8(at), at)));
        break;
      case 0x8b: {
        // LONG4
        need(4, at);
        const n = view.getInt32(pos, true);
        pos += 4;
        if (n < 0) throw new PickleMalformedError(`negative LONG4 length at byte ${at}`);
        stack.push(signedLE(take(n, at)));
        break;
      }
      case 0x47: // BINFLOAT (big-endian)
        need(8, at);
        stack.push(view.getFloat64(pos, false));
        pos += 8;
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(text(take(u8(at), at), at));
        break;
      case 0x58: // BINUNICODE
        stack.push(text(take(u32(at), at), at));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(text(take(u64(at), at), at));
        break;
      case 0x55: // SHORT_BINSTRING (Python 2 str; decoded as latin-1 like encoding='latin1')
        stack.push(latin1.decode(take(u8(at), at)));
        break;
      case 0x54: {
        // BINSTRING
        need(4, at);
        const n = view.getInt32(pos, true);
        pos += 4;
        if (n < 0) throw new PickleMalformedError(`negative BINSTRING length at byte ${at}`);
        stack.push(latin1.decode(take(n, at)));
        break;
      }
      case 0x43: // SHORT_BINBYTES
        stack.push(take(u8(at), at).slice());
        break;
      case 0x42: // BINBYTES
        stack.push(take(u32(at), at).slice());
        break;
      case 0x8e: // BINBYTES8
        stack.push(take(u64(at), at).slice());
        break;
      case 0x71: // BINPUT
        memo.set(u8(at), top(at));
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(at), top(at));
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top(at));
        break;
      case 0x68: // BINGET
      case 0x6a: {
        // LONG_BINGET
        const idx = op === 0x68 ? u8(at) : u32(at);
        if (!memo.has(idx)) throw new PickleMalformedError(`memo entry ${idx} is missing at byte ${at}`);
        stack.push(memo.get(idx)!);
        break;
      }
      case 0x63: {
        // GLOBAL
        const module = line(at);
        const name = line(at);
        stack.push(resolveGlobal(module, name));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop(at);
        const module = pop(at);
        if (typeof module !== 'string' || typeof name !== 'string') {
          throw new PickleMalformedError(`STACK_GLOBAL needs two strings at byte ${at}`);
        }
        stack.push(resolveGlobal(module, name));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop(at);
        const fn = pop(at);
        if (!(fn instanceof PickleGlobal)) throw new PickleMalformedError(`REDUCE on a non-callable at byte ${at}`);
        if (!Array.isArray(args)) throw new PickleMalformedError(`REDUCE arguments must be a tuple at byte ${at}`);
        stack.push(callableOf(fn)(args as readonly PickleValue[]));
        break;
      }
      case 0x81: {
        // NEWOBJ: cls.__new__(cls, *args); only OrderedDict is constructible.
        const args = pop(at);
        const cls = pop(at);
        if (!(cls instanceof PickleGlobal) || cls.module !== 'collections' || cls.name !== 'OrderedDict') {
          throw new PickleMalformedError(`NEWOBJ on an unsupported class at byte ${at}`);
        }
        if (!Array.isArray(args)) throw new PickleMalformedError(`NEWOBJ arguments must be a tuple at byte ${at}`);
        stack.push(new Map());
        break;
      }
      case 0x62: {
        // BUILD: only OrderedDict state (its _metadata attribute) is accepted, and ignored.
        pop(at);
        const target = top(at);
        if (!isMap(target)) throw new PickleMalformedError(`BUILD on an unsupported object at byte ${at}`);
        break;
      }
      case 0x51: {
        // BINPERSID
        const pid = pop(at);
        if (!options.persistentLoad) throw new PickleMalformedError(`unexpected persistent id at byte ${at}`);
        stack.push(options.persistentLoad(pid));
        break;
      }
      default:
        throw new PickleOpcodeError(op, at);
    }
  }
}
