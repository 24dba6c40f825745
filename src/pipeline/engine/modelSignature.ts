import type { InferenceSession } from 'onnxruntime-node';

/** What the pipeline needs to know about a Wav2Lip-family ONNX export, read from the session, not hard-coded. */
export interface ModelSignature {
  melInput: string;
  faceInput: string;
  output: string;
  /** Face crop size S (the model takes [B,6,S,S]). */
  faceSize: number;
  /** A fixed batch size baked into the export (some larger exports only take 1), or null when dynamic. */
  fixedBatch: number | null;
}

export const DEFAULT_FACE_SIZE = 96;

type Metadata = InferenceSession.ValueMetadata;

function shapeOf(meta: Metadata): ReadonlyArray<number | string> {
  return meta.isTensor ? meta.shape : [];
}

/**
 * Identifies the inputs by shape: the face input has 6 channels ([B,6,S,S]), the mel input is [B,1,80,16].
 * Falls back to the widely used names (`video_frames`, `mel_spectrogram`) when shapes are symbolic.
 */
export function resolveModelSignature(inputs: readonly Metadata[], outputs: readonly Metadata[]): ModelSignature {
  if (inputs.length !== 2) throw new Error(`expected a model with 2 inputs (mel spectrogram and face frames), found ${inputs.length}`);
  if (outputs.length < 1) throw new Error('the model has no outputs');
  const face =
    inputs.find((m) => shapeOf(m)[1] === 6) ?? inputs.find((m) => /video|face|frame|img/i.test(m.name));
  const mel = inputs.find((m) => m !== face);
  if (!face || !mel) throw new Error(`cannot tell which input takes the face frames: ${inputs.map((m) => m.name).join(', ')}`);
  const faceShape = shapeOf(face);
  const sizeDim = faceShape[2] ?? faceShape[3];
  const faceSize = typeof sizeDim === 'number' && sizeDim > 0 ? sizeDim : DEFAULT_FACE_SIZE;
  const batchDims = [faceShape[0], shapeOf(mel)[0]].filter((d): d is number => typeof d === 'number' && d > 0);
  return {
    melInput: mel.name,
    faceInput: face.name,
    output: outputs[0]!.name,
    faceSize,
    fixedBatch: batchDims.length > 0 ? Math.min(...batchDims) : null,
  };
}
