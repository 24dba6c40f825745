/**
 * Tiny ONNX graphs with the signatures of the common face-restoration exports, whose output is a known function of
 * the input so tests can check alignment, colour order, value range, blending and batching exactly:
 *
 *   GFPGAN 1.3/1.4, RestoreFormer, GPEN-BFR: input [B,3,S,S] → output [B,3,S,S] (RGB, values in [-1,1])
 *   CodeFormer: the same plus a fidelity input `w` (double or float, shape [] or [1])
 */
import { DataType, GraphBuilder, type Dim } from '../../src/pipeline/model/onnx/graph.js';
import { ffhqTemplate } from '../../src/pipeline/enhance/faceAlign.js';

export type EnhancerFunction =
  /** out = -x: a colour inversion (v → 1 − v in [0,1]). */
  | 'invert'
  | 'identity'
  /** out = the red plane in all three planes (grey = the input's red). */
  | 'red'
  /** out = the mean over the batch (frames run together share it, frames run alone keep their own). */
  | 'batchMean'
  /** out = 2·w − 1 everywhere (CodeFormer only): the picture shows the fidelity it was given. */
  | 'fidelity'
  /** out = white disks (radius S/32) at the template's eyes and mouth on black, whatever the input. */
  | 'markers';

export interface EnhancerModelShape {
  fn: EnhancerFunction;
  /** Default 512. */
  size?: number;
  /** Fixed batch or a symbolic name; default 1 (as most exports). */
  batch?: Dim;
  /** Symbolic height and width (the size then comes from nowhere: the engine assumes 512). */
  symbolicSize?: boolean;
  elemType?: 'float32' | 'float16';
  /** CodeFormer's fidelity input. */
  fidelity?: { name?: string; type: 'double' | 'float'; scalar?: boolean };
  names?: { input?: string; output?: string };
}

export function buildEnhancerModel(shape: EnhancerModelShape): GraphBuilder {
  const size = shape.size ?? 512;
  const batch = shape.batch ?? 1;
  const half = shape.elemType === 'float16';
  const elem = half ? DataType.FLOAT16 : DataType.FLOAT;
  const g = new GraphBuilder('enhancer_like');
  const side: Dim = shape.symbolicSize ? 'size' : size;
  const dims: Dim[] = [batch, 3, side, side];
  const input = g.input(shape.names?.input ?? 'input', dims, elem);
  const x = half ? g.op('Cast', [input], { to: DataType.FLOAT }) : input;
  let w: string | undefined;
  if (shape.fidelity) {
    const type = shape.fidelity.type === 'double' ? DataType.DOUBLE : DataType.FLOAT;
    const raw = g.input(shape.fidelity.name ?? 'w', shape.fidelity.scalar ? [] : [1], type);
    w = g.op('Cast', [raw], { to: DataType.FLOAT });
  }
  const zero = g.op('Mul', [x, g.constFloat('zero', [], [0])]);
  let out: string;
  switch (shape.fn) {
    case 'invert':
      out = g.op('Neg', [x]);
      break;
    case 'identity':
      out = g.op('Identity', [x]);
      break;
    case 'red':
      out = g.op('Gather', [x, g.constInt64('red', [0, 0, 0])], { axis: 1 });
      break;
    case 'batchMean':
      out = g.op('Add', [zero, g.op('ReduceMean', [x], { axes: [0], keepdims: 1 })]);
      break;
    case 'fidelity':
      if (!w) throw new Error('the fidelity function needs a fidelity input');
      out = g.op('Add', [zero, g.op('Sub', [g.op('Mul', [w, g.constFloat('two', [], [2])]), g.constFloat('one', [], [1])])]);
      break;
    case 'markers':
      out = g.op('Add', [zero, g.constFloat('markers', [1, 3, size, size], markerImage(size))]);
      break;
  }
  // CodeFormer-style models must use w in every function, or onnxruntime drops the unused input.
  if (w && shape.fn !== 'fidelity') out = g.op('Add', [out, g.op('Mul', [w, g.constFloat('nothing', [], [0])])]);
  const named = half ? g.op('Cast', [out], { to: DataType.FLOAT16 }, shape.names?.output ?? 'output') : g.op('Identity', [out], {}, shape.names?.output ?? 'output');
  g.output(named, dims, elem);
  return g;
}

/** −1 everywhere, +1 in disks of radius size/32 around the template's eyes and mouth (all three planes). */
export function markerImage(size: number): Float32Array {
  const plane = size * size;
  const data = new Float32Array(3 * plane).fill(-1);
  const radius = size / 32;
  for (const p of ffhqTemplate(size)) {
    for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) {
      if ((x + 0.5 - p.x) ** 2 + (y + 0.5 - p.y) ** 2 <= radius * radius) for (let c = 0; c < 3; c++) data[c * plane + y * size + x] = 1;
    }
  }
  return data;
}

export async function writeEnhancerModel(path: string, shape: EnhancerModelShape): Promise<string> {
  await buildEnhancerModel(shape).writeModel(path);
  return path;
}
