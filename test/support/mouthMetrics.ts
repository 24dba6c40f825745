import type { FaceKeypoints } from '../../src/pipeline/face/types.js';
import type { RgbImage } from '../../src/pipeline/media/image.js';

/**
 * Measures lip-sync from rendered pixels only (never from an engine's internal state), so the same helpers judge any
 * engine and any decoded output video. Every measure compares an output frame with the template frame it was made
 * from: an open mouth shows up as new dark pixels in the mouth box.
 */

/** Pixel box [x0, x1) × [y0, y1). */
export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/**
 * The box where an opening mouth shows: one eye distance wide around the mouth keypoint, from a little above it to
 * well below (the jaw drops). Axis-aligned; good for heads rolled by up to ~20°.
 */
export function mouthBox(kp: FaceKeypoints, width: number, height: number): Box {
  const eye = Math.hypot(kp.leftEye.x - kp.rightEye.x, kp.leftEye.y - kp.rightEye.y);
  return clampBox(
    {
      x0: Math.floor(kp.mouth.x - 0.55 * eye),
      x1: Math.ceil(kp.mouth.x + 0.55 * eye),
      y0: Math.floor(kp.mouth.y - 0.3 * eye),
      y1: Math.ceil(kp.mouth.y + 0.45 * eye),
    },
    width,
    height,
  );
}

/**
 * The lower face: everything a lip-sync engine may change (mouth, lips, chin, jaw below the nose), generously.
 * Pixels outside it must stay as they were.
 */
export function lowerFaceBox(kp: FaceKeypoints, width: number, height: number): Box {
  const eye = Math.hypot(kp.leftEye.x - kp.rightEye.x, kp.leftEye.y - kp.rightEye.y);
  const eyeY = (kp.leftEye.y + kp.rightEye.y) / 2;
  const drop = Math.max(kp.mouth.y - eyeY, 0.6 * eye);
  return clampBox(
    {
      x0: Math.floor(kp.mouth.x - 1.1 * eye),
      x1: Math.ceil(kp.mouth.x + 1.1 * eye),
      y0: Math.floor(kp.mouth.y - 0.6 * drop),
      y1: Math.ceil(kp.mouth.y + 1.45 * drop),
    },
    width,
    height,
  );
}

/**
 * Mouth opening as the mean darkening (luma levels, template − output, negative differences ignored) over the mouth
 * box. 0 for an unchanged frame; grows with both the area and the depth of the opened mouth. Codec noise adds a
 * small constant, which does not disturb correlations.
 */
export function mouthDarkening(output: RgbImage, template: RgbImage, box: Box): number {
  let sum = 0;
  forEachPixel(box, output.width, (i) => {
    const d = luma(template.data, i) - luma(output.data, i);
    if (d > 0) sum += d;
  });
  return sum / area(box);
}

/**
 * Vertical extent (pixels) of the opening: the number of box rows in which at least a fifth of the pixels got darker
 * by more than `threshold` levels.
 */
export function darkRowExtent(output: RgbImage, template: RgbImage, box: Box, threshold = 40): number {
  let rows = 0;
  for (let y = box.y0; y < box.y1; y++) {
    let dark = 0;
    for (let x = box.x0; x < box.x1; x++) {
      const i = (y * output.width + x) * 3;
      if (luma(template.data, i) - luma(output.data, i) > threshold) dark++;
    }
    if (dark * 5 >= box.x1 - box.x0) rows++;
  }
  return rows;
}

/**
 * Size (pixels) of the opening: the number of box columns and of box rows holding at least `minPixels` pixels that got
 * darker by more than `threshold` levels. { width: 0, height: 0 } for a closed mouth. Axis-aligned, like mouthBox.
 */
export function openingExtent(output: RgbImage, template: RgbImage, box: Box, threshold = 30, minPixels = 2): { width: number; height: number } {
  const cols = new Uint32Array(Math.max(0, box.x1 - box.x0));
  let height = 0;
  for (let y = box.y0; y < box.y1; y++) {
    let dark = 0;
    for (let x = box.x0; x < box.x1; x++) {
      const i = (y * output.width + x) * 3;
      if (luma(template.data, i) - luma(output.data, i) > threshold) {
        dark++;
        cols[x - box.x0]!++;
      }
    }
    if (dark >= minPixels) height++;
  }
  return { width: cols.filter((n) => n >= minPixels).length, height };
}

/** Mean absolute difference per channel value over a box (levels): ~0 when the region returned to the template. */
export function meanAbsDiff(a: RgbImage, b: RgbImage, box: Box): number {
  let sum = 0;
  forEachPixel(box, a.width, (i) => {
    sum += Math.abs(a.data[i]! - b.data[i]!) + Math.abs(a.data[i + 1]! - b.data[i + 1]!) + Math.abs(a.data[i + 2]! - b.data[i + 2]!);
  });
  return sum / (3 * area(box));
}

/**
 * Number of pixels outside `box` that differ between two images of the same size by more than `tolerance` levels in
 * any channel (0: byte-exact; a few levels for frames that went through a video codec).
 */
export function changedOutside(a: RgbImage, b: RgbImage, box: Box, tolerance = 0): number {
  let changed = 0;
  for (let y = 0; y < a.height; y++) {
    for (let x = 0; x < a.width; x++) {
      if (x >= box.x0 && x < box.x1 && y >= box.y0 && y < box.y1) continue;
      const i = (y * a.width + x) * 3;
      const d = Math.max(Math.abs(a.data[i]! - b.data[i]!), Math.abs(a.data[i + 1]! - b.data[i + 1]!), Math.abs(a.data[i + 2]! - b.data[i + 2]!));
      if (d > tolerance) changed++;
    }
  }
  return changed;
}

/** Centroid of the pixels that differ by more than `threshold` (summed over channels), or null when none do. */
export function changeCentroid(a: RgbImage, b: RgbImage, threshold = 12): { x: number; y: number; count: number } | null {
  let sx = 0;
  let sy = 0;
  let count = 0;
  for (let y = 0; y < a.height; y++) {
    for (let x = 0; x < a.width; x++) {
      const i = (y * a.width + x) * 3;
      const d = Math.abs(a.data[i]! - b.data[i]!) + Math.abs(a.data[i + 1]! - b.data[i + 1]!) + Math.abs(a.data[i + 2]! - b.data[i + 2]!);
      if (d > threshold) {
        sx += x;
        sy += y;
        count++;
      }
    }
  }
  return count ? { x: sx / count, y: sy / count, count } : null;
}

/** Correlation helpers live with the other media test helpers. */
export { bestLag, pearson } from './media.js';

function luma(d: Uint8Array, i: number): number {
  return 0.299 * d[i]! + 0.587 * d[i + 1]! + 0.114 * d[i + 2]!;
}

function area(box: Box): number {
  return Math.max(1, (box.x1 - box.x0) * (box.y1 - box.y0));
}

function forEachPixel(box: Box, width: number, fn: (i: number) => void): void {
  for (let y = box.y0; y < box.y1; y++) for (let x = box.x0; x < box.x1; x++) fn((y * width + x) * 3);
}

function clampBox(b: Box, width: number, height: number): Box {
  return {
    x0: Math.max(0, Math.min(width, b.x0)),
    x1: Math.max(0, Math.min(width, b.x1)),
    y0: Math.max(0, Math.min(height, b.y0)),
    y1: Math.max(0, Math.min(height, b.y1)),
  };
}
