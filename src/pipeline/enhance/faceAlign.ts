/**
 * FFHQ-style face alignment for face-restoration models (GFPGAN, GPEN-BFR, RestoreFormer, CodeFormer), as small
 * pure functions: the restorers were trained on faces whose eyes and mouth sit at fixed places of the square image,
 * so a crop is warped there (a similarity transform fitted to the keypoints), restored, and warped back.
 *
 * Coordinates are continuous pixel coordinates: pixel (i, j) covers [j, j + 1) × [i, i + 1), its centre at (j + ½, i + ½).
 */
import type { Point } from '../face/types.js';

/** x' = a·x + b·y + c, y' = d·x + e·y + f. */
export interface Affine {
  a: number;
  b: number;
  c: number;
  d: number;
  e: number;
  f: number;
}

/**
 * The FFHQ 5-point template at 512 px as facexlib's FaceRestoreHelper uses it for GFPGAN/CodeFormer (left eye, right
 * eye, nose, left and right mouth corner; "left" = image left). Only the eyes and the mouth centre are used: BlazeFace
 * gives a mouth centre, not its corners, and its nose tip sits elsewhere than the template's nose.
 */
const FFHQ_512 = {
  leftEye: { x: 192.98138, y: 239.94708 },
  rightEye: { x: 318.90277, y: 240.1936 },
  mouthLeft: { x: 201.26117, y: 371.41043 },
  mouthRight: { x: 313.08905, y: 371.15118 },
} as const;

/** Image-left eye, image-right eye and mouth centre of the template, scaled to a `size`-pixel model. */
export function ffhqTemplate(size: number): [Point, Point, Point] {
  const s = size / 512;
  const t = FFHQ_512;
  return [
    { x: t.leftEye.x * s, y: t.leftEye.y * s },
    { x: t.rightEye.x * s, y: t.rightEye.y * s },
    { x: ((t.mouthLeft.x + t.mouthRight.x) / 2) * s, y: ((t.mouthLeft.y + t.mouthRight.y) / 2) * s },
  ];
}

/**
 * The least-squares similarity (rotation, uniform scale, translation; no reflection or shear) taking `from[i]` to
 * `to[i]` (Umeyama's closed form in 2-D; what cv2.estimateAffinePartial2D finds on clean points).
 */
export function fitSimilarity(from: readonly Point[], to: readonly Point[]): Affine {
  if (from.length !== to.length || from.length < 2) throw new RangeError('fitSimilarity needs at least two point pairs');
  const n = from.length;
  const mean = (ps: readonly Point[]) => ({ x: ps.reduce((s, p) => s + p.x, 0) / n, y: ps.reduce((s, p) => s + p.y, 0) / n });
  const fm = mean(from);
  const tm = mean(to);
  let dot = 0;
  let cross = 0;
  let norm = 0;
  for (let i = 0; i < n; i++) {
    const px = from[i]!.x - fm.x;
    const py = from[i]!.y - fm.y;
    const qx = to[i]!.x - tm.x;
    const qy = to[i]!.y - tm.y;
    dot += px * qx + py * qy;
    cross += px * qy - py * qx;
    norm += px * px + py * py;
  }
  if (norm === 0) throw new RangeError('fitSimilarity: the source points coincide');
  const a = dot / norm;
  const b = cross / norm;
  // [a -b; b a] is scale·rotation.
  return { a, b: -b, c: tm.x - (a * fm.x - b * fm.y), d: b, e: a, f: tm.y - (b * fm.x + a * fm.y) };
}

export function applyAffine(m: Affine, p: Point): Point {
  return { x: m.a * p.x + m.b * p.y + m.c, y: m.d * p.x + m.e * p.y + m.f };
}

export function invertAffine(m: Affine): Affine {
  const det = m.a * m.e - m.b * m.d;
  if (det === 0) throw new RangeError('invertAffine: the transform is singular');
  const a = m.e / det;
  const b = -m.b / det;
  const d = -m.d / det;
  const e = m.a / det;
  return { a, b, c: -(a * m.c + b * m.f), d, e, f: -(d * m.c + e * m.f) };
}

/** First `m`, then `n`. */
export function composeAffine(n: Affine, m: Affine): Affine {
  return {
    a: n.a * m.a + n.b * m.d,
    b: n.a * m.b + n.b * m.e,
    c: n.a * m.c + n.b * m.f + n.c,
    d: n.d * m.a + n.e * m.d,
    e: n.d * m.b + n.e * m.e,
    f: n.d * m.c + n.e * m.f + n.f,
  };
}

export function scaleAffine(sx: number, sy: number = sx): Affine {
  return { a: sx, b: 0, c: 0, d: 0, e: sy, f: 0 };
}

/**
 * The transform from a crop's own coordinates (a `cropSize`² model face covering the frame rectangle starting at
 * (x1, y1) of `width` × `height` pixels) to the aligned `modelSize`² image: the eyes and the mouth of `keypoints`
 * (frame pixels) land on the FFHQ template.
 */
export function alignmentForCrop(
  keypoints: { leftEye: Point; rightEye: Point; mouth: Point },
  crop: { x1: number; y1: number; width: number; height: number },
  cropSize: number,
  modelSize: number,
): Affine {
  const toCrop = (p: Point): Point => ({ x: ((p.x - crop.x1) * cropSize) / crop.width, y: ((p.y - crop.y1) * cropSize) / crop.height });
  // The template's "left eye" is the one on the image's left: BlazeFace's rightEye (the subject's right) normally,
  // but whichever is further left if the face is mirrored or rolled past 90°.
  const [first, second] = keypoints.rightEye.x <= keypoints.leftEye.x ? [keypoints.rightEye, keypoints.leftEye] : [keypoints.leftEye, keypoints.rightEye];
  return fitSimilarity([toCrop(first), toCrop(second), toCrop(keypoints.mouth)], ffhqTemplate(modelSize));
}

/** A planar image: `channels` planes of width × height float values, starting at `offset` of `data`. */
export interface Planes {
  data: Float32Array;
  offset: number;
  width: number;
  height: number;
  channels: number;
}

/**
 * Bilinear sample of plane `channel` at continuous position (x, y), clamped to the image's edge pixels (so the
 * area around a crop repeats its border rather than turning black).
 */
export function sampleBilinear(src: Planes, channel: number, x: number, y: number): number {
  const fx = Math.min(Math.max(x - 0.5, 0), src.width - 1);
  const fy = Math.min(Math.max(y - 0.5, 0), src.height - 1);
  const x0 = Math.floor(fx);
  const y0 = Math.floor(fy);
  const x1 = Math.min(x0 + 1, src.width - 1);
  const y1 = Math.min(y0 + 1, src.height - 1);
  const tx = fx - x0;
  const ty = fy - y0;
  const base = src.offset + channel * src.width * src.height;
  const row0 = base + y0 * src.width;
  const row1 = base + y1 * src.width;
  const top = src.data[row0 + x0]! + (src.data[row0 + x1]! - src.data[row0 + x0]!) * tx;
  const bottom = src.data[row1 + x0]! + (src.data[row1 + x1]! - src.data[row1 + x0]!) * tx;
  return top + (bottom - top) * ty;
}

/**
 * Fills `dst` (planes of its width × height) by inverse mapping: each destination pixel centre goes through
 * `dstToSrc` and is sampled bilinearly from `src`. `channelMap[c]` is the source plane of destination plane c, and
 * each value becomes `value * scale + bias` (e.g. [0,1] → [-1,1]).
 */
export function warpAffine(src: Planes, dst: Planes, dstToSrc: Affine, channelMap: readonly number[], scale = 1, bias = 0): void {
  const dstPlane = dst.width * dst.height;
  const srcPlane = src.width * src.height;
  const bases = channelMap.map((c) => src.offset + c * srcPlane);
  const { data } = src;
  const maxX = src.width - 1;
  const maxY = src.height - 1;
  for (let i = 0; i < dst.height; i++) {
    const cy = i + 0.5;
    for (let j = 0; j < dst.width; j++) {
      const cx = j + 0.5;
      // The same arithmetic as sampleBilinear, the taps computed once for every channel.
      const fx = Math.min(Math.max(dstToSrc.a * cx + dstToSrc.b * cy + dstToSrc.c - 0.5, 0), maxX);
      const fy = Math.min(Math.max(dstToSrc.d * cx + dstToSrc.e * cy + dstToSrc.f - 0.5, 0), maxY);
      const x0 = Math.floor(fx);
      const y0 = Math.floor(fy);
      const dx = x0 < maxX ? 1 : 0;
      const dy = y0 < maxY ? src.width : 0;
      const tx = fx - x0;
      const ty = fy - y0;
      const tap = y0 * src.width + x0;
      const pix = dst.offset + i * dst.width + j;
      for (let c = 0; c < dst.channels; c++) {
        const p = bases[c]! + tap;
        const top = data[p]! + (data[p + dx]! - data[p]!) * tx;
        const bottom = data[p + dy]! + (data[p + dy + dx]! - data[p + dy]!) * tx;
        dst.data[pix + c * dstPlane] = (top + (bottom - top) * ty) * scale + bias;
      }
    }
  }
}

/**
 * How much of the restored image to use at continuous position (x, y) of the aligned `size`² image: 1 well inside,
 * ramping to 0 at its border over `feather` pixels, 0 outside (restorers draw their frame's edges poorly, and the
 * parts of the crop the aligned square does not cover keep the generated face).
 */
export function alignedEdgeWeight(x: number, y: number, size: number, feather: number): number {
  const edge = Math.min(x, y, size - x, size - y);
  if (edge <= 0) return 0;
  if (edge >= feather) return 1;
  const t = edge / feather;
  return t * t * (3 - 2 * t);
}
