/**
 * The `mouth` blend mode's mask: the generated face is pasted only around the mouth and jaw, so the original skin,
 * nose and cheeks stay as they were and no box edge shows (the `box` mode, pasteMask.ts, replaces the whole lower
 * half of the crop, which the model returns blurred and resampled twice).
 *
 * The mask lives in the face's own frame, from its keypoints: u runs along the eye line (so it turns with the head's
 * roll), v perpendicular to it, downwards, both from the mouth keypoint, in face units s — the unit the crop is made
 * of (s3fdLikeBox in ../face/index.ts: max(eye distance, 0.85 × eye-to-mouth distance)). Its top is a ramp between
 * the mouth and the nose (the nose is kept), its sides are feathered beyond the jaw and narrow towards the chin, and
 * it has no bottom edge: an opened jaw moves the chin down, so everything below the mouth, down to the crop's last
 * row, is pasted (as Wav2Lip and the box mode do). Within the crop it is multiplied by the box mask, so it is 0 on the
 * crop's borders and in its upper part, and never pastes where the box mode would not.
 */
import type { FaceDetection } from '../face/types.js';
import { DEFAULT_PASTE_MASK, horizontalWeights, verticalWeights } from './pasteMask.js';
import { rectHeight, rectWidth, type Rect } from './rect.js';

export interface MouthMaskShape {
  /** Half-width of full weight at the mouth's height, in face units (the mouth itself is ~0.45 wide each side). */
  halfWidth: number;
  /** How much that half-width narrows per face unit below the mouth: the jaw towards the chin. */
  taper: number;
  /** The narrowest the full-weight half-width gets, in face units (the chin). */
  minHalfWidth: number;
  /** Width of the side feather beyond the full-weight half-width, in face units. */
  sideFeather: number;
  /** Weight 0 above this fraction of the way from the mouth up to the nose… */
  topZero: number;
  /** …rising to 1 at this fraction (the upper lip). */
  topFull: number;
}

export const DEFAULT_MOUTH_MASK: MouthMaskShape = {
  halfWidth: 0.65,
  taper: 0.2,
  minHalfWidth: 0.4,
  sideFeather: 0.3,
  topZero: 0.75,
  topFull: 0.35,
};

/** Must match s3fdLikeBox's mouth weight, so the mask scales with the crop. */
const MOUTH_UNIT_WEIGHT = 0.85;
/** The mouth-to-nose distance used for the top ramp, clamped to this range of face units against odd keypoints. */
const NOSE_DISTANCE_RANGE = [0.25, 0.7] as const;

const MIN_UNIT_OF_CROP_HEIGHT = 0.25;

/** Where a face's mouth mask sits: its origin, axes and unit, in the face's coordinates. */
export interface MouthFrame {
  mouthX: number;
  mouthY: number;
  /** cos and sin of the head's roll (the eye line's angle to the image's x axis). */
  cos: number;
  sin: number;
  /** The face unit s in pixels. */
  unit: number;
  /** Distance from the mouth up to the nose, along the face's vertical, in pixels. */
  noseDistance: number;
}

/** `minUnit`: a floor for the face unit in pixels, against degenerate keypoints (all in one point). */
export function mouthFrame(face: FaceDetection, minUnit = 1): MouthFrame {
  const { rightEye, leftEye, mouth, nose } = face.keypoints;
  const ex = leftEye.x - rightEye.x;
  const ey = leftEye.y - rightEye.y;
  const eyeDistance = Math.hypot(ex, ey);
  const cos = eyeDistance > 0 ? ex / eyeDistance : 1;
  const sin = eyeDistance > 0 ? ey / eyeDistance : 0;
  const eyesX = (rightEye.x + leftEye.x) / 2;
  const eyesY = (rightEye.y + leftEye.y) / 2;
  const unit = Math.max(eyeDistance, MOUTH_UNIT_WEIGHT * Math.hypot(mouth.x - eyesX, mouth.y - eyesY), minUnit);
  // v of the nose (negative: above the mouth) in the rolled frame.
  const noseV = -(nose.x - mouth.x) * sin + (nose.y - mouth.y) * cos;
  const noseDistance = Math.min(NOSE_DISTANCE_RANGE[1] * unit, Math.max(NOSE_DISTANCE_RANGE[0] * unit, -noseV));
  return { mouthX: mouth.x, mouthY: mouth.y, cos, sin, unit, noseDistance };
}

function smoothstep(edge0: number, edge1: number, x: number): number {
  const t = Math.min(1, Math.max(0, (x - edge0) / (edge1 - edge0)));
  return t * t * (3 - 2 * t);
}

/** The mouth-and-jaw weight at (x, y) in the face's coordinates, before the crop is taken into account. */
export function mouthRegionWeight(frame: MouthFrame, x: number, y: number, shape: MouthMaskShape = DEFAULT_MOUTH_MASK): number {
  const dx = x - frame.mouthX;
  const dy = y - frame.mouthY;
  const u = dx * frame.cos + dy * frame.sin;
  const v = -dx * frame.sin + dy * frame.cos;
  const top = smoothstep(-shape.topZero * frame.noseDistance, -shape.topFull * frame.noseDistance, v);
  if (top === 0) return 0;
  const below = Math.max(0, v) / frame.unit;
  const halfWidth = Math.max(shape.minHalfWidth, shape.halfWidth - shape.taper * below) * frame.unit;
  return top * (1 - smoothstep(halfWidth, halfWidth + shape.sideFeather * frame.unit, Math.abs(u)));
}

/**
 * The blend weight of every pixel of `crop` (row-major, width × height of the crop) for `face`; face and crop in the
 * same coordinates. Pixel (x, y) of the crop is sampled at its centre. The face unit is at least a quarter of the crop's
 * height (a real crop is ~2.8 units high), so keypoints that collapse into one point still give a mouth-sized mask.
 */
export function mouthMaskWeights(face: FaceDetection, crop: Rect, shape: MouthMaskShape = DEFAULT_MOUTH_MASK): Float32Array {
  const w = rectWidth(crop);
  const h = rectHeight(crop);
  const out = new Float32Array(Math.max(0, w) * Math.max(0, h));
  if (w <= 0 || h <= 0) return out;
  const frame = mouthFrame(face, MIN_UNIT_OF_CROP_HEIGHT * h);
  const boxX = horizontalWeights(w, DEFAULT_PASTE_MASK);
  const boxY = verticalWeights(h, DEFAULT_PASTE_MASK);
  for (let y = 0; y < h; y++) {
    const wy = boxY[y]!;
    if (wy === 0) continue;
    for (let x = 0; x < w; x++) {
      const wx = boxX[x]!;
      if (wx === 0) continue;
      out[y * w + x] = wy * wx * mouthRegionWeight(frame, crop.x1 + x + 0.5, crop.y1 + y + 0.5, shape);
    }
  }
  return out;
}
