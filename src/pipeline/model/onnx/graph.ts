/**
 * A tiny ONNX graph builder and a streaming model writer.
 *
 * The writer never holds the whole model in memory: weights can be given lazily (a function producing the tensor's
 * data), and the file is assembled from independently encoded protobuf pieces. This works because a protobuf
 * message is just a concatenation of its fields, in any order: we encode the graph's small fields (nodes, inputs,
 * outputs) with protobufjs, then append each `initializer` field (tag, length, TensorProto) ourselves, generating
 * one weight tensor at a time. Lengths are known up front since raw_data is exactly numel × element size.
 */
import { open, rename, rm } from 'node:fs/promises';
import { endianness } from 'node:os';
import {
  AttributeType,
  DataType,
  FieldNumber,
  GraphProto,
  ModelProto,
  TensorProto,
  type Attribute,
  type Dimension,
  type Node,
  type OperatorSetId,
  type StringStringEntry,
  type TensorHeader,
  type ValueInfo,
} from './proto.js';

export { DataType } from './proto.js';

/** A tensor dimension: a fixed size or a symbolic name such as "batch". */
export type Dim = number | string;

/**
 * Node attribute values. Plain numbers are INT (the common case: kernel sizes, strides, axes); floats must be
 * wrapped with {@link float}/{@link floats} because a JS number cannot tell 1 from 1.0.
 */
export type AttrValue = number | number[] | string | FloatAttr | FloatsAttr;
interface FloatAttr {
  readonly float: number;
}
interface FloatsAttr {
  readonly floats: readonly number[];
}
export const float = (value: number): FloatAttr => ({ float: value });
export const floats = (values: readonly number[]): FloatsAttr => ({ floats: values });

/** Initializer data; FLOAT16 tensors are given as their raw IEEE half bits (see ../half.ts). */
type TensorData = Float32Array | Int32Array | BigInt64Array | Uint16Array;
const elementBytes: Record<DataType, number> = { [DataType.FLOAT]: 4, [DataType.INT32]: 4, [DataType.INT64]: 8, [DataType.FLOAT16]: 2, [DataType.DOUBLE]: 8 };

interface Initializer {
  header: TensorHeader;
  byteLength: number;
  /**
   * Either the data, or a function producing it when the writer reaches this tensor (keeps peak memory low). An
   * async producer (reading a checkpoint) only works with {@link GraphBuilder.writeModel}.
   */
  data: TensorData | LazyTensorData;
}

export type LazyTensorData = () => TensorData | Promise<TensorData>;

/** The pieces of an encoded model: fixed bytes, or the place where an initializer's raw data goes. */
type EncodedPiece = Uint8Array | Initializer;

export interface ModelOptions {
  /** Default opset 17: the last one where ReduceMean takes `axes` as an attribute. */
  opset?: number;
  /** Default 8, the IR version that shipped with opset 17 (ONNX 1.12). */
  irVersion?: number;
  producerName?: string;
  producerVersion?: string;
  docString?: string;
  metadata?: Record<string, string>;
}

export class GraphBuilder {
  private readonly nodes: Node[] = [];
  private readonly inputs: ValueInfo[] = [];
  private readonly outputs: ValueInfo[] = [];
  private readonly initializers: Initializer[] = [];
  private readonly names = new Set<string>();
  private nodeCount = 0;

  constructor(readonly name: string) {}

  /** Declares a graph input and returns its name. */
  input(name: string, dims: readonly Dim[], elemType: DataType = DataType.FLOAT): string {
    this.claim(name);
    this.inputs.push(valueInfo(name, dims, elemType));
    return name;
  }

  /** Declares an existing value (a node output) as a graph output. */
  output(name: string, dims: readonly Dim[], elemType: DataType = DataType.FLOAT): void {
    if (!this.names.has(name)) throw new Error(`graph output ${name} is not produced by any node`);
    this.outputs.push(valueInfo(name, dims, elemType));
  }

  /**
   * Adds a constant tensor. `data` may be a function so large weights are generated only while the file is
   * written; it must return exactly numel(dims) elements of the matching type.
   */
  initializer(
    name: string,
    dims: readonly number[],
    data: TensorData | LazyTensorData,
    dataType: DataType = DataType.FLOAT,
  ): string {
    this.claim(name);
    const numel = dims.reduce((a, b) => a * b, 1);
    if (typeof data !== 'function' && data.length !== numel) {
      throw new Error(`initializer ${name}: ${data.length} values for shape [${dims.join(',')}]`);
    }
    this.initializers.push({
      header: { dims: [...dims], dataType, name },
      byteLength: numel * elementBytes[dataType],
      data,
    });
    return name;
  }

  /** Shorthand for a float constant. */
  constFloat(name: string, dims: readonly number[], values: readonly number[] | Float32Array): string {
    return this.initializer(name, dims, Float32Array.from(values));
  }

  /** Shorthand for a 1-D int64 constant (Slice starts/ends/axes, Reshape shapes, ...). */
  constInt64(name: string, values: readonly number[]): string {
    return this.initializer(name, [values.length], BigInt64Array.from(values, BigInt), DataType.INT64);
  }

  /**
   * Appends a node and returns its output names. Outputs are named `${name}` (single output) or `${name}:k`;
   * the node name defaults to `${opType}_${n}`.
   */
  node(
    opType: string,
    inputs: readonly string[],
    attrs: Record<string, AttrValue> = {},
    opts: { name?: string; outputs?: number } = {},
  ): string[] {
    const name = opts.name ?? `${opType}_${this.nodeCount}`;
    this.nodeCount += 1;
    const count = opts.outputs ?? 1;
    const outputs = count === 1 ? [name] : Array.from({ length: count }, (_, k) => `${name}:${k}`);
    for (const input of inputs) {
      // '' marks an omitted optional input in ONNX.
      if (input !== '' && !this.names.has(input)) throw new Error(`node ${name}: unknown input ${input}`);
    }
    // Validate attributes before claiming output names, so a failed call leaves the builder unchanged.
    const attribute = Object.entries(attrs).map(([key, value]) => toAttribute(key, value));
    outputs.forEach((o) => this.claim(o));
    this.nodes.push({ input: [...inputs], output: outputs, name, opType, attribute });
    return outputs;
  }

  /** Single-output convenience wrapper around {@link node}. */
  op(opType: string, inputs: readonly string[], attrs: Record<string, AttrValue> = {}, name?: string): string {
    const [out] = this.node(opType, inputs, attrs, name === undefined ? {} : { name });
    return out!;
  }

  /** Number of elements over all initializers. */
  initializerElements(filter: (name: string) => boolean = () => true): number {
    let total = 0;
    for (const init of this.initializers) {
      if (filter(init.header.name)) total += init.byteLength / elementBytes[init.header.dataType];
    }
    return total;
  }

  /**
   * Encodes the model as a sequence of byte chunks whose concatenation is a valid ModelProto. Lazy initializers
   * are materialised one at a time as the iterator advances.
   */
  *encode(options: ModelOptions = {}): Generator<Uint8Array> {
    for (const piece of this.pieces(options)) {
      if (piece instanceof Uint8Array) {
        yield piece;
        continue;
      }
      const data = typeof piece.data === 'function' ? piece.data() : piece.data;
      if (data instanceof Promise) throw new Error(`initializer ${piece.header.name} is produced asynchronously: use writeModel`);
      yield initializerBytes(piece, data);
    }
  }

  private *pieces(options: ModelOptions): Generator<EncodedPiece> {
    const metadata: StringStringEntry[] = Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value }));
    const opsetImport: OperatorSetId[] = [{ domain: '', version: options.opset ?? 17 }];
    const modelHead = ModelProto.encode({
      irVersion: options.irVersion ?? 8,
      producerName: options.producerName ?? 'lipsync-bot',
      producerVersion: options.producerVersion ?? '0.1.0',
      ...(options.docString === undefined ? {} : { docString: options.docString }),
      opsetImport,
      metadataProps: metadata,
    }).finish();
    const graphHead = GraphProto.encode({
      name: this.name,
      node: this.nodes,
      input: this.inputs,
      output: this.outputs,
    }).finish();

    // Each initializer becomes: [graph.initializer tag][len][TensorProto header fields][raw_data tag][len][bytes].
    const tensorHeads = this.initializers.map((init) => {
      const head = TensorProto.encode(init.header).finish();
      const rawPrefix = concat(tag(FieldNumber.tensorRawData), varint(init.byteLength));
      const tensorLength = head.length + rawPrefix.length + init.byteLength;
      const fieldPrefix = concat(tag(FieldNumber.graphInitializer), varint(tensorLength), head, rawPrefix);
      return { fieldPrefix, fieldLength: fieldPrefix.length + init.byteLength };
    });
    const graphLength = graphHead.length + tensorHeads.reduce((sum, t) => sum + t.fieldLength, 0);

    yield modelHead;
    yield concat(tag(FieldNumber.modelGraph), varint(graphLength));
    yield graphHead;
    for (const [k, init] of this.initializers.entries()) {
      yield tensorHeads[k]!.fieldPrefix;
      yield init;
    }
  }

  /** The whole model in one buffer; fine for small models, use {@link writeModel} for big ones. */
  serialize(options: ModelOptions = {}): Uint8Array {
    return concat(...this.encode(options));
  }

  /**
   * Streams the model to `path`, one tensor at a time (lazy tensors may be async). Writes to a temporary sibling first and renames, so an
   * interrupted run never leaves a truncated model at `path`. Returns the file size in bytes.
   */
  async writeModel(path: string, options: ModelOptions = {}): Promise<number> {
    const tmp = `${path}.${process.pid}.tmp`;
    const file = await open(tmp, 'w');
    let size = 0;
    try {
      for (const piece of this.pieces(options)) {
        let chunk: Uint8Array;
        if (piece instanceof Uint8Array) chunk = piece;
        else chunk = initializerBytes(piece, typeof piece.data === 'function' ? await piece.data() : piece.data);
        let offset = 0;
        while (offset < chunk.length) {
          const { bytesWritten } = await file.write(chunk, offset, chunk.length - offset);
          offset += bytesWritten;
        }
        size += chunk.length;
      }
      await file.close();
      await rename(tmp, path);
      return size;
    } catch (error) {
      await file.close().catch(() => undefined);
      await rm(tmp, { force: true });
      throw error;
    }
  }

  private claim(name: string): void {
    if (this.names.has(name)) throw new Error(`duplicate value name ${name}`);
    this.names.add(name);
  }
}

function initializerBytes(init: Initializer, data: TensorData): Uint8Array {
  const bytes = littleEndianBytes(data);
  if (bytes.length !== init.byteLength) {
    throw new Error(`initializer ${init.header.name}: got ${bytes.length} bytes, expected ${init.byteLength}`);
  }
  return bytes;
}

function valueInfo(name: string, dims: readonly Dim[], elemType: DataType): ValueInfo {
  const dim: Dimension[] = dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name, type: { tensorType: { elemType, shape: { dim } } } };
}

function toAttribute(name: string, value: AttrValue): Attribute {
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new Error(`attribute ${name}: use float(${value}) for float attributes`);
    return { name, type: AttributeType.INT, i: value };
  }
  if (typeof value === 'string') return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) {
    if (!value.every(Number.isInteger)) throw new Error(`attribute ${name}: use floats([...]) for float lists`);
    return { name, type: AttributeType.INTS, ints: value };
  }
  if ('float' in value) return { name, type: AttributeType.FLOAT, f: value.float };
  if ('floats' in value) return { name, type: AttributeType.FLOATS, floats: [...value.floats] };
  throw new Error(`attribute ${name}: unsupported value`);
}

/** Protobuf field key for a length-delimited field (wire type 2). */
function tag(fieldNumber: number): Uint8Array {
  return varint(fieldNumber * 8 + 2);
}

/** Base-128 varint; plain arithmetic so lengths above 2^31 would still encode correctly. */
function varint(value: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`bad varint ${value}`);
  const bytes: number[] = [];
  let v = value;
  while (v >= 0x80) {
    bytes.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  bytes.push(v);
  return Uint8Array.from(bytes);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

const hostIsLittleEndian = endianness() === 'LE';

/** raw_data must be little-endian; on LE hosts (all we run on) this is a zero-copy view. */
function littleEndianBytes(data: TensorData): Uint8Array {
  if (hostIsLittleEndian) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new DataView(new ArrayBuffer(data.byteLength));
  data.forEach((v: number | bigint, k: number) => {
    if (typeof v === 'bigint') out.setBigInt64(k * 8, v, true);
    else if (data instanceof Uint16Array) out.setUint16(k * 2, v, true);
    else if (data instanceof Int32Array) out.setInt32(k * 4, v, true);
    else out.setFloat32(k * 4, v, true);
  });
  return new Uint8Array(out.buffer);
}
