import type { FaceDetection } from '../../face/types.js';

/**
 * A face-aligned coordinate frame at the mouth. Local u runs along the eye line (image left → right), local v runs
 * down the face, perpendicular to it. Units are face-relative, so every shape parameter of the engine is independent
 * of resolution and head pose:
 *   u = 1 is the distance between the eyes; v = 1 is the distance from the eye line down to the mouth.
 * Measuring the two axes separately keeps the mouth the right shape when the head turns (the eye distance shrinks)
 * or nods (the eye–mouth distance shrinks).
 */
export interface MouthFrame {
  /** Origin: the mouth keypoint, in frame pixels. */
  cx: number;
  cy: number;
  /** Direction of the eye line (image-left eye → image-right eye). */
  cos: number;
  sin: number;
  /** Pixels per local unit along u and v. */
  sx: number;
  sy: number;
}

/** Pixel bounds [x0, x1) × [y0, y1), clipped to the image. */
export interface PixelBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** Faces smaller than this (eye distance, px) are too small for any visible mouth motion. */
export const MIN_EYE_DISTANCE_PX = 6;

/** Returns null for degenerate keypoints (too small, or a mouth that is not below the eyes). */
export function mouthFrame(face: FaceDetection): MouthFrame | null {
  const { rightEye, leftEye, mouth } = face.keypoints;
  const ex = leftEye.x - rightEye.x;
  const ey = leftEye.y - rightEye.y;
  const eyeDistance = Math.hypot(ex, ey);
  if (!(eyeDistance >= MIN_EYE_DISTANCE_PX)) return null;
  const cos = ex / eyeDistance;
  const sin = ey / eyeDistance;
  // Mouth below the eye line, measured perpendicular to it.
  const down = -(mouth.x - (rightEye.x + leftEye.x) / 2) * sin + (mouth.y - (rightEye.y + leftEye.y) / 2) * cos;
  if (!(down > 0.3 * eyeDistance)) return null;
  // Keypoints from a detector are noisy in profile views; keep the aspect within what real faces show.
  const sy = Math.min(Math.max(down, 0.6 * eyeDistance), 1.8 * eyeDistance);
  const sx = Math.max(eyeDistance, 0.45 * sy);
  return { cx: mouth.x, cy: mouth.y, cos, sin, sx, sy };
}

/** The same frame with its origin moved along v (local units), e.g. onto the measured lip line. */
export function shiftAlongV(frame: MouthFrame, dv: number): MouthFrame {
  return { ...frame, cx: frame.cx - dv * frame.sy * frame.sin, cy: frame.cy + dv * frame.sy * frame.cos };
}

export function toImage(frame: MouthFrame, u: number, v: number): { x: number; y: number } {
  const a = u * frame.sx;
  const b = v * frame.sy;
  return { x: frame.cx + a * frame.cos - b * frame.sin, y: frame.cy + a * frame.sin + b * frame.cos };
}

/** Bounding box of the local rectangle [u0, u1] × [v0, v1], padded by a pixel for bilinear footprints. */
export function localBox(frame: MouthFrame, u0: number, u1: number, v0: number, v1: number, image: { width: number; height: number }): PixelBox {
  const corners = [toImage(frame, u0, v0), toImage(frame, u1, v0), toImage(frame, u0, v1), toImage(frame, u1, v1)];
  const xs = corners.map((p) => p.x);
  const ys = corners.map((p) => p.y);
  return {
    x0: clampInt(Math.floor(Math.min(...xs)) - 1, 0, image.width),
    y0: clampInt(Math.floor(Math.min(...ys)) - 1, 0, image.height),
    x1: clampInt(Math.ceil(Math.max(...xs)) + 2, 0, image.width),
    y1: clampInt(Math.ceil(Math.max(...ys)) + 2, 0, image.height),
  };
}

function clampInt(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}
