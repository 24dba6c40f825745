import { describe, expect, it } from 'vitest';
import { GraphBuilder, DataType, float } from '../../src/pipeline/model/onnx/graph.js';
import { ModelProto } from '../../src/pipeline/model/onnx/proto.js';
import { mulberry32, uniformTensor } from '../../scripts/onnx/random.js';

/** Decoded with protobufjs' generic decoder, so this checks our hand-written framing against the schema. */
interface Decoded {
  irVersion: { toNumber(): number } | number;
  opsetImport: { domain: string; version: { toNumber(): number } | number }[];
  metadataProps: { key: string; value: string }[];
  graph: {
    name: string;
    node: { opType: string; input: string[]; output: string[]; attribute: { name: string; type: number; f?: number; ints?: unknown[] }[] }[];
    input: { name: string; type: { tensorType: { elemType: number; shape: { dim: { dimValue?: unknown; dimParam?: string }[] } } } }[];
    output: { name: string }[];
    initializer: { name: string; dataType: number; dims: unknown[]; rawData: Uint8Array }[];
  };
}

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(String(v)));

describe('ONNX graph writer', () => {
  it('produces a ModelProto that decodes back to what was built', () => {
    const g = new GraphBuilder('tiny');
    const x = g.input('x', ['batch', 4]);
    const w = g.initializer('w', [4, 300], () => uniformTensor(1, 'w', 1200, 1)); // > 127 bytes: multi-byte lengths
    const axes = g.constInt64('axes', [1]);
    const y = g.op('MatMul', [x, w], {}, 'y');
    const z = g.op('ReduceMean', [y], { axes: [1], keepdims: 0 }, 'z');
    const n = g.op('LeakyRelu', [z], { alpha: float(0.5) }, 'n');
    g.output(n, ['batch']);
    const bytes = g.serialize({ metadata: { hello: 'world' } });

    const model = ModelProto.toObject(ModelProto.decode(bytes), { defaults: false }) as unknown as Decoded;
    expect(num(model.irVersion)).toBe(8);
    expect(model.opsetImport.map((o) => num(o.version))).toEqual([17]);
    expect(model.metadataProps).toEqual([{ key: 'hello', value: 'world' }]);
    expect(model.graph.name).toBe('tiny');
    expect(model.graph.node.map((nd) => nd.opType)).toEqual(['MatMul', 'ReduceMean', 'LeakyRelu']);
    expect(model.graph.node[1]!.attribute.map((a) => [a.name, a.type, (a.ints ?? []).map(num)])).toEqual([
      ['axes', 7, [1]],
      ['keepdims', 2, []],
    ]);
    expect(model.graph.node[2]!.attribute[0]!.f).toBeCloseTo(0.5);
    expect(model.graph.input[0]!.type.tensorType.shape.dim.map((d) => d.dimParam ?? num(d.dimValue))).toEqual(['batch', 4]);
    expect(model.graph.output.map((o) => o.name)).toEqual(['n']);

    const [wInit, axesInit] = model.graph.initializer;
    expect(wInit!.name).toBe('w');
    expect(wInit!.dims.map(num)).toEqual([4, 300]);
    expect(wInit!.dataType).toBe(DataType.FLOAT);
    const raw = wInit!.rawData;
    expect(Array.from(new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength)))).toEqual(
      Array.from(uniformTensor(1, 'w', 1200, 1)),
    );
    expect(axesInit!.dataType).toBe(DataType.INT64);
    expect(Array.from(axesInit!.rawData)).toEqual([1, 0, 0, 0, 0, 0, 0, 0]);
    expect(axes).toBe('axes');
  });

  it('rejects dangling inputs, duplicate names and mis-sized data', () => {
    const g = new GraphBuilder('bad');
    g.input('x', [1]);
    expect(() => g.op('Relu', ['nope'])).toThrow(/unknown input/);
    expect(() => g.input('x', [1])).toThrow(/duplicate/);
    expect(() => g.initializer('c', [2, 2], new Float32Array(3))).toThrow(/values for shape/);
    g.initializer('lazy', [2], () => new Float32Array(3));
    expect(() => g.serialize()).toThrow(/expected 8/);
    expect(() => g.op('Relu', ['x'], { alpha: 0.5 })).toThrow(/float\(/);
  });

  it('generates deterministic weights per tensor name', () => {
    expect(uniformTensor(5, 'a', 16, 1)).toEqual(uniformTensor(5, 'a', 16, 1));
    expect(uniformTensor(5, 'a', 16, 1)).not.toEqual(uniformTensor(5, 'b', 16, 1));
    expect(uniformTensor(5, 'a', 16, 1)).not.toEqual(uniformTensor(6, 'a', 16, 1));
    const next = mulberry32(42);
    const values = Array.from({ length: 10_000 }, next);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    expect(values.reduce((a, b) => a + b, 0) / values.length).toBeCloseTo(0.5, 1);
  });
});
