/**
 * Tiny ONNX graphs shaped like real Wav2Lip exports (float16, fixed batch N, extra outputs, 5-D with a time axis,
 * other face sizes), whose generated face is a known function of the inputs so tests can check it exactly:
 *
 *   face output = reference crop (face input channels 3..5) + mean(mel window of the same frame)
 */
import { DataType, GraphBuilder, type Dim } from '../../src/pipeline/model/onnx/graph.js';

export interface ExportShape {
  /** Face size S (default 96). */
  size?: number;
  /** A fixed batch size, or a symbolic name (default 'batch'). */
  batch?: Dim;
  elemType?: 'float32' | 'float16';
  /** 5-D inputs [B,6,T,S,S] / [B,T,1,80,16] and output [B,3,T,S,S] with this T (a number or a symbolic name). */
  time?: Dim;
  /** Adds two outputs before the face: audio_embedding [B,1,1,1] and face_embedding [B,1,1,1]. */
  extraOutputs?: boolean;
  names?: { mel?: string; face?: string; output?: string };
}

export function buildExportModel(shape: ExportShape = {}): GraphBuilder {
  const size = shape.size ?? 96;
  const batch = shape.batch ?? 'batch';
  const half = shape.elemType === 'float16';
  const elem = half ? DataType.FLOAT16 : DataType.FLOAT;
  const fiveD = shape.time !== undefined;
  const t = shape.time ?? 1;
  const g = new GraphBuilder('export_like');
  const melDims: Dim[] = fiveD ? [batch, t, 1, 80, 16] : [batch, 1, 80, 16];
  const faceDims: Dim[] = fiveD ? [batch, 6, t, size, size] : [batch, 6, size, size];
  const outDims: Dim[] = fiveD ? [batch, 3, t, size, size] : [batch, 3, size, size];
  const toFloat = (x: string) => (half ? g.op('Cast', [x], { to: DataType.FLOAT }) : x);
  const toElem = (x: string, name: string) => (half ? g.op('Cast', [x], { to: DataType.FLOAT16 }, name) : g.op('Identity', [x], {}, name));

  const mel = toFloat(g.input(shape.names?.mel ?? 'mel_spectrogram', melDims, elem));
  const face = toFloat(g.input(shape.names?.face ?? 'video_frames', faceDims, elem));
  const ref = g.op('Slice', [face, g.constInt64('starts', [3]), g.constInt64('ends', [6]), g.constInt64('axes', [1])]);
  const melMean = g.op('ReduceMean', [mel], { axes: fiveD ? [1, 2, 3, 4] : [1, 2, 3], keepdims: 1 });
  if (shape.extraOutputs) {
    const faceMean = g.op('ReduceMean', [face], { axes: fiveD ? [1, 2, 3, 4] : [1, 2, 3], keepdims: 1 });
    const keep: Dim[] = fiveD ? [batch, 1, 1, 1, 1] : [batch, 1, 1, 1];
    g.output(toElem(melMean, 'audio_embedding'), keep, elem);
    g.output(toElem(faceMean, 'face_embedding'), keep, elem);
  }
  const out = toElem(g.op('Add', [ref, melMean]), shape.names?.output ?? 'output');
  g.output(out, outDims, elem);
  return g;
}

export async function writeExportModel(path: string, shape: ExportShape = {}): Promise<string> {
  await buildExportModel(shape).writeModel(path);
  return path;
}

/** A graph that is ONNX but no lip-sync model: one image input [1,3,224,224], one output. */
export async function writeClassifierModel(path: string): Promise<string> {
  const g = new GraphBuilder('classifier');
  const x = g.input('image', [1, 3, 224, 224]);
  g.output(g.op('ReduceMean', [x], { axes: [2, 3], keepdims: 0 }, 'logits'), [1, 3]);
  await g.writeModel(path);
  return path;
}
