import type { FaceDetection, FaceKeypoints, Point } from '../../../../src/pipeline/face/types.js';

/** Test helpers for the built-in engine: the real portrait, hand-placed keypoints, synthetic mel windows. */

/** Keypoints of the 320 px portrait, placed by hand (the face spans about x 110–175, y 10–95; the chin is at y ≈ 107). */
export const PORTRAIT_KEYPOINTS: FaceKeypoints = {
  rightEye: { x: 127, y: 62.5 },
  leftEye: { x: 155.5, y: 64.5 },
  nose: { x: 141, y: 79 },
  mouth: { x: 141, y: 92 },
  rightEar: { x: 115, y: 75 },
  leftEar: { x: 172, y: 72 },
};

/** A detection from keypoints, scaled by `scale` and rotated by `angle` (radians) about `pivot`, then shifted. */
export function faceAt(keypoints: FaceKeypoints, options: { scale?: number; angle?: number; dx?: number; dy?: number; pivot?: Point } = {}): FaceDetection {
  const { scale = 1, angle = 0, dx = 0, dy = 0, pivot = { x: 0, y: 0 } } = options;
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  const map = (p: Point): Point => {
    const x = (p.x - pivot.x) * scale;
    const y = (p.y - pivot.y) * scale;
    return { x: pivot.x + x * c - y * s + dx, y: pivot.y + x * s + y * c + dy };
  };
  const kp: FaceKeypoints = {
    rightEye: map(keypoints.rightEye),
    leftEye: map(keypoints.leftEye),
    nose: map(keypoints.nose),
    mouth: map(keypoints.mouth),
    rightEar: map(keypoints.rightEar),
    leftEar: map(keypoints.leftEar),
  };
  const xs = Object.values(kp).map((p) => p.x);
  const ys = Object.values(kp).map((p) => p.y);
  const x = Math.min(...xs);
  const y = Math.min(...ys) - 20 * scale;
  return { x, y, width: Math.max(...xs) - x, height: Math.max(...ys) + 25 * scale - y, score: 0.99, keypoints: kp };
}

/** An 80×16 mel window with every value set to `level` (−4 = silence, ~0 = loud speech). */
export function flatMel(level: number): Float32Array {
  return new Float32Array(80 * 16).fill(level);
}

/** A voiced-speech-like window: strong low and mid bands, falling off towards the top. */
export function speechMel(level: number): Float32Array {
  const mel = new Float32Array(80 * 16);
  for (let b = 0; b < 80; b++) mel.fill(Math.max(-4, level - (b / 80) * 3), b * 16, b * 16 + 16);
  return mel;
}
