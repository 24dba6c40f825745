import type { InferenceSession } from 'onnxruntime-node';
import { ModelFormatError } from '../../errors.js';

/** Element types the engine can feed and read; everything else is refused when the model is opened. */
export type ModelElementType = 'float32' | 'float16';

/** What the pipeline needs to know about a Wav2Lip-family ONNX export, read from the session, not hard-coded. */
export interface ModelSignature {
  melInput: string;
  faceInput: string;
  /** The generated face ([B,3,S,S], or [B,3,1,S,S] for 5-D exports); the only output the engine fetches. */
  output: string;
  /** Face crop size S (the model takes [B,6,S,S]). */
  faceSize: number;
  /** A fixed batch size baked into the export (some larger exports only take 1, some 4), or null when dynamic. */
  fixedBatch: number | null;
  faceType: ModelElementType;
  melType: ModelElementType;
  outputType: ModelElementType;
  /** Other outputs of the export (features, attention maps…), never fetched. */
  extraOutputs: string[];
  /**
   * True for 5-D exports that keep the training-time frame axis: faces [B,6,T,S,S], mel [B,T,1,80,16], with
   * T = 1 (or symbolic). The data layout is the same as the 4-D one; only the dims given to onnxruntime differ.
   */
  timeAxis: boolean;
}

export const DEFAULT_FACE_SIZE = 96;
export const MEL_BANDS = 80;
export const MEL_STEPS = 16;

type Metadata = InferenceSession.ValueMetadata;
type Dims = ReadonlyArray<number | string>;

function shapeOf(meta: Metadata): Dims {
  return meta.isTensor ? meta.shape : [];
}

const fixed = (d: number | string | undefined): d is number => typeof d === 'number' && d > 0;
const showShape = (dims: Dims) => (dims.length === 0 ? 'an unknown shape' : `[${dims.map((d) => (fixed(d) ? d : typeof d === 'string' && d !== '' ? d : '?')).join(',')}]`);
const describe = (metas: readonly Metadata[]) => metas.map((m) => `${m.name} ${showShape(shapeOf(m))}`).join(', ');

function elementType(meta: Metadata, role: string): ModelElementType {
  if (!meta.isTensor) throw new ModelFormatError(`its ${role} "${meta.name}" is not a tensor`);
  if (meta.type === 'float32' || meta.type === 'float16') return meta.type;
  throw new ModelFormatError(`its ${role} "${meta.name}" holds ${meta.type} values; the engine feeds and reads float32 or float16 only`);
}

/** Every fixed dim of `dims` must equal the wanted one (symbolic dims and undefined wants pass). */
function matches(dims: Dims, wanted: ReadonlyArray<number | undefined>): boolean {
  return dims.length === wanted.length && wanted.every((w, k) => w === undefined || !fixed(dims[k]) || dims[k] === w);
}

/**
 * Identifies the inputs by shape: the face input has 6 channels ([B,6,S,S] or [B,6,T,S,S]), the mel input is
 * [B,1,80,16] (or [B,T,1,80,16]). Falls back to the widely used names (`video_frames`, `mel_spectrogram`) when
 * shapes are symbolic. Throws ModelFormatError, saying what is wrong, for anything the engine cannot run.
 */
export function resolveModelSignature(inputs: readonly Metadata[], outputs: readonly Metadata[]): ModelSignature {
  if (inputs.length !== 2) {
    throw new ModelFormatError(
      `a lip-sync model has 2 inputs (mel spectrogram and face frames), this one has ${inputs.length}${inputs.length ? `: ${describe(inputs)}` : ''}`,
    );
  }
  if (outputs.length < 1) throw new ModelFormatError('the model has no outputs');
  const face = inputs.find((m) => shapeOf(m)[1] === 6) ?? inputs.find((m) => /video|face|frame|img|image/i.test(m.name));
  const mel = inputs.find((m) => m !== face);
  if (!face || !mel) {
    throw new ModelFormatError(`cannot tell which input takes the face frames ([B,6,S,S]): ${describe(inputs)}`);
  }
  const faceShape = shapeOf(face);
  const melShape = shapeOf(mel);
  const timeAxis = faceShape.length === 5 || melShape.length === 5;
  if (faceShape.length !== 0 && faceShape.length !== 4 && faceShape.length !== 5) {
    throw new ModelFormatError(`its face input ${face.name} has ${faceShape.length} dimensions ${showShape(faceShape)}; expected [B,6,S,S]`);
  }
  if (faceShape.length > 0 && fixed(faceShape[1]) && faceShape[1] !== 6) {
    throw new ModelFormatError(`its face input ${face.name} has ${faceShape[1]} channels ${showShape(faceShape)}; expected 6 (masked crop + reference crop)`);
  }
  if (timeAxis) refuseMultiFrame(face, mel);
  const [height, width] = faceShape.length === 5 ? [faceShape[3], faceShape[4]] : [faceShape[2], faceShape[3]];
  if (fixed(height) && fixed(width) && height !== width) {
    throw new ModelFormatError(`its face input ${face.name} takes ${width}×${height} crops; only square crops (S×S) are supported`);
  }
  const sizeDim = fixed(height) ? height : width;
  const faceSize = fixed(sizeDim) ? sizeDim : (sizeFromOutputs(outputs) ?? DEFAULT_FACE_SIZE);

  const melWanted = melShape.length === 5 ? [undefined, 1, 1, MEL_BANDS, MEL_STEPS] : [undefined, 1, MEL_BANDS, MEL_STEPS];
  if (melShape.length !== 0 && !matches(melShape, melWanted)) {
    throw new ModelFormatError(`its audio input ${mel.name} has shape ${showShape(melShape)}; expected a mel window [B,1,80,16]`);
  }

  const output = pickOutput(outputs, faceSize);
  const outputShape = shapeOf(output);
  const batchDims = [faceShape[0], melShape[0], outputShape[0]].filter(fixed);
  if (new Set(batchDims).size > 1) {
    throw new ModelFormatError(`its inputs and output disagree on the batch size: ${describe([face, mel, output])}`);
  }
  return {
    melInput: mel.name,
    faceInput: face.name,
    output: output.name,
    faceSize,
    fixedBatch: batchDims[0] ?? null,
    faceType: elementType(face, 'face input'),
    melType: elementType(mel, 'audio input'),
    outputType: elementType(output, 'output'),
    extraOutputs: outputs.filter((m) => m !== output).map((m) => m.name),
    timeAxis,
  };
}

/** When the face input's size is symbolic, a single image-shaped output with a fixed size tells it. */
function sizeFromOutputs(outputs: readonly Metadata[]): number | undefined {
  const sizes = new Set(
    outputs
      .map(shapeOf)
      .filter((d) => d[1] === 3 && fixed(d[d.length - 1]) && d[d.length - 1] === d[d.length - 2])
      .map((d) => d[d.length - 1] as number),
  );
  return sizes.size === 1 ? [...sizes][0] : undefined;
}

/** 5-D exports: only one frame per window (T = 1) matches how the engine generates frames. */
function refuseMultiFrame(face: Metadata, mel: Metadata): void {
  const faceShape = shapeOf(face);
  const melShape = shapeOf(mel);
  const frames = [faceShape.length === 5 ? faceShape[2] : 1, melShape.length === 5 ? melShape[1] : 1].find((t) => fixed(t) && t !== 1);
  if (frames !== undefined) {
    throw new ModelFormatError(
      `it generates ${frames} frames per call (face input ${face.name} ${showShape(faceShape)}, audio input ${mel.name} ${showShape(melShape)}); ` +
        'the engine generates one frame at a time: re-export it with T = 1 (or with 4-D inputs [B,6,S,S] and [B,1,80,16])',
    );
  }
}

/** The output that is a face image: [B,3,S,S] (or [B,3,1,S,S]) by shape, then by name, then the only one. */
function pickOutput(outputs: readonly Metadata[], size: number): Metadata {
  const isFace = (dims: Dims) => matches(dims, [undefined, 3, size, size]) || matches(dims, [undefined, 3, 1, size, size]);
  const byShape = outputs.filter((m) => isFace(shapeOf(m)) && shapeOf(m).some(fixed));
  if (byShape.length === 1) return byShape[0]!;
  const candidates = byShape.length > 1 ? byShape : outputs.filter((m) => shapeOf(m).length === 0 || isFace(shapeOf(m)));
  const byName = candidates.find((m) => /^(output|out|pred|prediction|generated|gen|y)$/i.test(m.name)) ?? candidates.find((m) => /out|pred|gen|img|image|face/i.test(m.name));
  if (byName) return byName;
  if (candidates.length === 1) return candidates[0]!;
  throw new ModelFormatError(
    candidates.length === 0
      ? `none of its outputs is a face image [B,3,${size},${size}]: ${describe(outputs)}`
      : `cannot tell which output is the generated face: ${describe(candidates)}`,
  );
}
