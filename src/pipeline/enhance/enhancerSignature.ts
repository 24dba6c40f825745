import type { InferenceSession } from 'onnxruntime-node';
import { EnhancerFormatError } from '../../errors.js';

/**
 * What the render needs to know about a face-restoration ONNX export, read from the session. The common exports all
 * take one RGB image [B,3,S,S] in [-1,1] and return the restored image the same way: GFPGAN 1.3/1.4 and RestoreFormer
 * (S = 512), GPEN-BFR (256 or 512); CodeFormer adds a fidelity input `w` (a double or float scalar, or [1]).
 */
export interface EnhancerSignature {
  imageInput: string;
  output: string;
  /** Side S of the aligned face the model takes and returns. */
  size: number;
  /** A batch baked into the export (most are fixed at 1), or null when dynamic. */
  fixedBatch: number | null;
  imageType: 'float32' | 'float16';
  outputType: 'float32' | 'float16';
  /** CodeFormer's fidelity input (0 = most restoration, 1 = closest to the input), when the model has one. */
  fidelity: { name: string; type: 'float64' | 'float32' | 'float16'; dims: number[] } | null;
}

/** The size the common exports use when theirs is symbolic (GFPGAN, RestoreFormer, CodeFormer, GPEN-BFR-512). */
export const DEFAULT_ENHANCER_SIZE = 512;

type Metadata = InferenceSession.ValueMetadata;
type Dims = ReadonlyArray<number | string>;

const shapeOf = (meta: Metadata): Dims => (meta.isTensor ? meta.shape : []);
const fixed = (d: number | string | undefined): d is number => typeof d === 'number' && d > 0;
const showShape = (dims: Dims) => `[${dims.map((d) => (fixed(d) ? d : typeof d === 'string' && d !== '' ? d : '?')).join(',')}]`;
const describe = (metas: readonly Metadata[]) => metas.map((m) => `${m.name} ${m.isTensor ? `${m.type} ` : ''}${showShape(shapeOf(m))}`).join(', ');

function floatType(meta: Metadata, role: string): 'float32' | 'float16' {
  if (meta.isTensor && (meta.type === 'float32' || meta.type === 'float16')) return meta.type;
  throw new EnhancerFormatError(`its ${role} ${meta.name} holds ${meta.isTensor ? meta.type : 'non-tensor'} values; expected float32 or float16`);
}

/** An image tensor [B,3,S,S] (symbolic dims allowed). */
const isImage = (meta: Metadata) => {
  const dims = shapeOf(meta);
  return dims.length === 4 && (!fixed(dims[1]) || dims[1] === 3);
};

/** A scalar, [1] or [B]-free single value: CodeFormer's `w`. */
const isScalar = (meta: Metadata) => {
  const dims = shapeOf(meta);
  return meta.isTensor && dims.length <= 1 && dims.every((d) => d === 1);
};

/**
 * Identifies the image input (4-D, 3 channels) and, for CodeFormer, the fidelity input (a single value); refuses, with
 * what the model looks like, anything else (a lip-sync model, a detector, a non-square or colour-less image).
 */
export function resolveEnhancerSignature(inputs: readonly Metadata[], outputs: readonly Metadata[]): EnhancerSignature {
  const images = inputs.filter(isImage);
  const scalars = inputs.filter((m) => !isImage(m) && isScalar(m));
  if (images.length !== 1 || scalars.length + 1 !== inputs.length || scalars.length > 1) {
    throw new EnhancerFormatError(
      `a face-restoration model takes one RGB image [B,3,S,S] (and, like CodeFormer, a fidelity value w); this one takes ${inputs.length ? describe(inputs) : 'nothing'}`,
    );
  }
  const image = images[0]!;
  const dims = shapeOf(image);
  const [height, width] = [dims[2], dims[3]];
  if (fixed(height) && fixed(width) && height !== width) {
    throw new EnhancerFormatError(`its image input ${image.name} takes ${width}×${height} images; only square faces (S×S) are supported`);
  }
  const outputImages = outputs.filter(isImage);
  const output = outputImages.length === 1 ? outputImages[0]! : (outputImages.find((m) => /out/i.test(m.name)) ?? outputImages[0]);
  if (!output) throw new EnhancerFormatError(`none of its outputs is an image [B,3,S,S]: ${describe(outputs)}`);
  const outDims = shapeOf(output);
  const sizeFrom = [height, width, outDims[2], outDims[3]].find(fixed);
  const size = sizeFrom ?? DEFAULT_ENHANCER_SIZE;
  if ([outDims[2], outDims[3]].some((d) => fixed(d) && d !== size)) {
    throw new EnhancerFormatError(`its output ${output.name} ${showShape(outDims)} is not the size of its input ${image.name} ${showShape(dims)}`);
  }
  const batches = [dims[0], outDims[0]].filter(fixed);
  if (new Set(batches).size > 1) throw new EnhancerFormatError(`its input and output disagree on the batch size: ${describe([image, output])}`);
  const scalar = scalars[0];
  let fidelity: EnhancerSignature['fidelity'] = null;
  if (scalar) {
    if (!scalar.isTensor || !['float64', 'float32', 'float16'].includes(scalar.type)) {
      throw new EnhancerFormatError(`its fidelity input ${scalar.name} holds ${scalar.isTensor ? scalar.type : 'non-tensor'} values; expected a double or float`);
    }
    fidelity = { name: scalar.name, type: scalar.type as 'float64' | 'float32' | 'float16', dims: shapeOf(scalar).map(() => 1) };
  }
  return {
    imageInput: image.name,
    output: output.name,
    size,
    fixedBatch: batches[0] ?? null,
    imageType: floatType(image, 'image input'),
    outputType: floatType(output, 'output'),
    fidelity,
  };
}

/** How reports and progress name the model: CodeFormer by its fidelity input, the others by what they do. */
export function enhancerKind(signature: EnhancerSignature): string {
  return signature.fidelity ? 'CodeFormer-style' : 'GFPGAN-style';
}
