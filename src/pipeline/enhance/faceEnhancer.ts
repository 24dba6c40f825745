/**
 * Face restoration of the generated face crop before it is pasted: each crop is aligned to the restorer's FFHQ
 * framing from the face's keypoints, restored (all crops of an engine batch together when the model allows), warped
 * back into the crop's own coordinates at up to the restorer's resolution, and blended with the generated face
 * (ENHANCER_BLEND). The crop keeps its place, size and channel order, so the paste (and its mask) stays as it is.
 */
import type { EnhancerConfig } from '../../config/index.js';
import type { ChannelOrder } from '../composite/crop.js';
import type { Rect } from '../composite/rect.js';
import { faceFromFixedBox } from '../face/fixedBox.js';
import type { FaceKeypoints } from '../face/types.js';
import { EnhancerModel, type EnhancerModelOptions } from './enhancerModel.js';
import { enhancerKind } from './enhancerSignature.js';
import { alignedEdgeWeight, alignmentForCrop, composeAffine, invertAffine, scaleAffine, warpAffine, type Affine, type Planes } from './faceAlign.js';

/** LIPSYNC_ENHANCER, ENHANCER_BLEND and CODEFORMER_FIDELITY. */
export type EnhancerSettings = EnhancerConfig;

/** A face crop in the generator's layout (3 planes of size², values in [0, 1], the generator's channel order). */
export interface EnhancedCrop {
  data: Float32Array;
  size: number;
}

export interface EnhanceTarget {
  /** The frame rectangle the generated crop covers. */
  rect: Rect;
  /** The face's keypoints in frame pixels (the eyes and mouth place the alignment). */
  keypoints: FaceKeypoints;
}

/** Fraction of the aligned image's side over which the restored face fades out towards its border. */
const EDGE_FEATHER = 1 / 16;

export class FaceEnhancer {
  /** How progress and reports name it, e.g. "GFPGAN-style 512 px". */
  readonly label: string;

  private constructor(
    readonly model: EnhancerModel,
    readonly settings: EnhancerSettings,
  ) {
    this.label = `${enhancerKind(model.signature)} ${model.signature.size} px`;
  }

  static async open(settings: EnhancerSettings, runtime: Omit<EnhancerModelOptions, 'modelPath'>): Promise<FaceEnhancer> {
    return new FaceEnhancer(await EnhancerModel.open({ ...runtime, modelPath: settings.modelPath }), settings);
  }

  /**
   * Restores the `targets.length` generated crops of `generated` (each 3 × faceSize², in `order`); returns one crop per
   * target, of the size its rectangle needs (between faceSize and the restorer's size).
   */
  async enhance(generated: Float32Array, faceSize: number, order: ChannelOrder, targets: readonly EnhanceTarget[]): Promise<EnhancedCrop[]> {
    const modelSize = this.model.signature.size;
    const cropStride = 3 * faceSize * faceSize;
    const modelStride = 3 * modelSize * modelSize;
    const inputs = new Float32Array(targets.length * modelStride);
    const alignments = targets.map((target, k) => {
      const crop = { x1: target.rect.x1, y1: target.rect.y1, width: target.rect.x2 - target.rect.x1, height: target.rect.y2 - target.rect.y1 };
      const toAligned = alignTarget(target, crop, faceSize, modelSize);
      const source: Planes = { data: generated, offset: k * cropStride, width: faceSize, height: faceSize, channels: 3 };
      writeAlignedInput(source, order, toAligned, { data: inputs, offset: k * modelStride, width: modelSize, height: modelSize, channels: 3 });
      return toAligned;
    });
    const restored = await this.model.run(inputs, targets.length, this.settings.fidelity);
    return targets.map((target, k) => {
      const size = Math.min(modelSize, Math.max(faceSize, target.rect.x2 - target.rect.x1, target.rect.y2 - target.rect.y1));
      const out = new Float32Array(3 * size * size);
      blendRestoredCrop(
        { data: generated, offset: k * cropStride, width: faceSize, height: faceSize, channels: 3 },
        { data: restored, offset: k * modelStride, width: modelSize, height: modelSize, channels: 3 },
        alignments[k]!,
        order,
        this.settings.blend,
        { data: out, offset: 0, width: size, height: size, channels: 3 },
      );
      return { data: out, size };
    });
  }

  async dispose(): Promise<void> {
    await this.model.dispose();
  }
}

/**
 * The alignment from the face's keypoints; keypoints that cannot place a face (both eyes on one point) are replaced by
 * where the crop's S3FD proportions put the eyes and mouth, as for a fixed box.
 */
function alignTarget(target: EnhanceTarget, crop: { x1: number; y1: number; width: number; height: number }, faceSize: number, modelSize: number): Affine {
  const { leftEye, rightEye } = target.keypoints;
  const usable = Math.hypot(leftEye.x - rightEye.x, leftEye.y - rightEye.y) >= 1;
  return alignmentForCrop(usable ? target.keypoints : faceFromFixedBox(target.rect).keypoints, crop, faceSize, modelSize);
}

/** The restorer's input: the crop warped into the aligned frame, as RGB in [-1, 1]. */
export function writeAlignedInput(crop: Planes, order: ChannelOrder, toAligned: Affine, out: Planes): void {
  warpAffine(crop, out, invertAffine(toAligned), order === 'bgr' ? [2, 1, 0] : [0, 1, 2], 2, -1);
}

/**
 * The crop at `out`'s size (in the crop's own coordinates and channel order, values in [0, 1]): the generated face,
 * resized, mixed with the restored face (RGB in [-1, 1], aligned by `toAligned`) by `blend`, fading out near the
 * aligned image's border; outside it the generated face stays.
 */
export function blendRestoredCrop(generated: Planes, restored: Planes, toAligned: Affine, order: ChannelOrder, blend: number, out: Planes): void {
  const cropSize = generated.width;
  const modelSize = restored.width;
  const size = out.width;
  // The generated face resized to the output size (bilinear, pixel centres), then the restored face over it.
  const outToCrop = scaleAffine(cropSize / size);
  warpAffine(generated, out, outToCrop, [0, 1, 2]);
  if (blend <= 0) return;
  const outToAligned = composeAffine(toAligned, outToCrop);
  const feather = modelSize * EDGE_FEATHER;
  const restoredPlane = modelSize * modelSize;
  const outPlane = size * size;
  // Output plane c holds the generator's channel c: R, G, B, or B, G, R for BGR models.
  const rgbOf = order === 'bgr' ? [2, 1, 0] : [0, 1, 2];
  const { data } = restored;
  const maxIndex = modelSize - 1;
  for (let i = 0; i < size; i++) {
    const cy = i + 0.5;
    for (let j = 0; j < size; j++) {
      const cx = j + 0.5;
      const ax = outToAligned.a * cx + outToAligned.b * cy + outToAligned.c;
      const ay = outToAligned.d * cx + outToAligned.e * cy + outToAligned.f;
      const weight = blend * alignedEdgeWeight(ax, ay, modelSize, feather);
      if (weight === 0) continue;
      const fx = Math.min(Math.max(ax - 0.5, 0), maxIndex);
      const fy = Math.min(Math.max(ay - 0.5, 0), maxIndex);
      const x0 = Math.floor(fx);
      const y0 = Math.floor(fy);
      const dx = x0 < maxIndex ? 1 : 0;
      const dy = y0 < maxIndex ? modelSize : 0;
      const tx = fx - x0;
      const ty = fy - y0;
      const tap = restored.offset + y0 * modelSize + x0;
      const pix = out.offset + i * size + j;
      for (let c = 0; c < 3; c++) {
        const p = tap + rgbOf[c]! * restoredPlane;
        const top = data[p]! + (data[p + dx]! - data[p]!) * tx;
        const bottom = data[p + dy]! + (data[p + dy + dx]! - data[p + dy]!) * tx;
        const value = Math.min(1, Math.max(0, (top + (bottom - top) * ty + 1) / 2));
        const base = out.data[pix + c * outPlane]!;
        out.data[pix + c * outPlane] = base + (value - base) * weight;
      }
    }
  }
}
