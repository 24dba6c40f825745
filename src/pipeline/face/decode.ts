/**
 * BlazeFace post-processing: score sigmoid, box + keypoint decoding against the SSD anchors, and MediaPipe's
 * weighted non-maximum suppression. Everything here works in coordinates normalised to the model input ([0, 1]).
 */
import type { Anchors } from './anchors.js';

/** Number of regression values per anchor: cx, cy, w, h, then 6 keypoints (x, y). */
export const BOX_VALUES = 16;
export const NUM_KEYPOINTS = 6;

/** A decoded candidate, normalised to the model input square. Keypoints are [x0, y0, x1, y1, ...] (12 values). */
export interface RawDetection {
  xMin: number;
  yMin: number;
  xMax: number;
  yMax: number;
  score: number;
  keypoints: Float32Array;
}

/** MediaPipe clamps logits to ±100 before the sigmoid (score_clipping_thresh). */
export function sigmoid(logit: number): number {
  const x = logit < -100 ? -100 : logit > 100 ? 100 : logit;
  return 1 / (1 + Math.exp(-x));
}

/** Logit whose sigmoid equals p, for cheap thresholding before calling exp. */
export function logit(p: number): number {
  return Math.log(p / (1 - p));
}

/**
 * Decodes every anchor whose score passes `threshold`. `scores` holds one logit per anchor and `boxes` 16 values per
 * anchor, both in anchor order. Regressions are in input pixels relative to the anchor centre (MediaPipe's
 * x_scale = y_scale = w_scale = h_scale = input size).
 */
export function decodeDetections(
  scores: ArrayLike<number>,
  boxes: ArrayLike<number>,
  anchors: Anchors,
  inputSize: number,
  threshold: number,
): RawDetection[] {
  if (scores.length < anchors.count || boxes.length < anchors.count * BOX_VALUES) {
    throw new RangeError(`model output too small for ${anchors.count} anchors`);
  }
  const minLogit = logit(threshold);
  const inv = 1 / inputSize;
  const out: RawDetection[] = [];
  for (let i = 0; i < anchors.count; i++) {
    const raw = scores[i]!;
    if (!(raw > minLogit)) continue;
    const score = sigmoid(raw);
    const ax = anchors.cx[i]!;
    const ay = anchors.cy[i]!;
    const aw = anchors.w[i]!;
    const ah = anchors.h[i]!;
    const b = i * BOX_VALUES;
    const cx = boxes[b]! * inv * aw + ax;
    const cy = boxes[b + 1]! * inv * ah + ay;
    const w = boxes[b + 2]! * inv * aw;
    const h = boxes[b + 3]! * inv * ah;
    if (!(w > 0 && h > 0)) continue;
    const keypoints = new Float32Array(NUM_KEYPOINTS * 2);
    for (let k = 0; k < NUM_KEYPOINTS; k++) {
      keypoints[2 * k] = boxes[b + 4 + 2 * k]! * inv * aw + ax;
      keypoints[2 * k + 1] = boxes[b + 5 + 2 * k]! * inv * ah + ay;
    }
    out.push({ xMin: cx - w / 2, yMin: cy - h / 2, xMax: cx + w / 2, yMax: cy + h / 2, score, keypoints });
  }
  return out;
}

export function iou(a: RawDetection, b: RawDetection): number {
  const ix = Math.min(a.xMax, b.xMax) - Math.max(a.xMin, b.xMin);
  const iy = Math.min(a.yMax, b.yMax) - Math.max(a.yMin, b.yMin);
  if (ix <= 0 || iy <= 0) return 0;
  const inter = ix * iy;
  const union = (a.xMax - a.xMin) * (a.yMax - a.yMin) + (b.xMax - b.xMin) * (b.yMax - b.yMin) - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * MediaPipe's weighted NMS (NonMaxSuppressionCalculator, algorithm WEIGHTED): take the best remaining candidate,
 * gather every remaining candidate overlapping it by more than `minSuppressionIou`, and emit their score-weighted mean
 * box and keypoints with the best candidate's score. Returns detections best first.
 */
export function weightedNms(candidates: readonly RawDetection[], minSuppressionIou = 0.3): RawDetection[] {
  let remaining = [...candidates].sort((a, b) => b.score - a.score);
  const out: RawDetection[] = [];
  while (remaining.length > 0) {
    const best = remaining[0]!;
    const rest: RawDetection[] = [];
    const cluster: RawDetection[] = [];
    for (const d of remaining) {
      if (d === best || iou(best, d) > minSuppressionIou) cluster.push(d);
      else rest.push(d);
    }
    if (cluster.length === 1) {
      out.push(best);
    } else {
      let total = 0;
      let xMin = 0;
      let yMin = 0;
      let xMax = 0;
      let yMax = 0;
      const keypoints = new Float32Array(best.keypoints.length);
      for (const d of cluster) {
        const w = d.score;
        total += w;
        xMin += d.xMin * w;
        yMin += d.yMin * w;
        xMax += d.xMax * w;
        yMax += d.yMax * w;
        for (let k = 0; k < keypoints.length; k++) keypoints[k]! += d.keypoints[k]! * w;
      }
      for (let k = 0; k < keypoints.length; k++) keypoints[k]! /= total;
      out.push({ xMin: xMin / total, yMin: yMin / total, xMax: xMax / total, yMax: yMax / total, score: best.score, keypoints });
    }
    remaining = rest;
  }
  return out;
}
