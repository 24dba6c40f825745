import { describe, expect, it } from 'vitest';
import { mouthFrame, mouthMaskWeights, mouthRegionWeight } from '../../../src/pipeline/composite/mouthMask.js';
import { pasteGeneratedFace } from '../../../src/pipeline/composite/paste.js';
import { horizontalWeights, verticalWeights } from '../../../src/pipeline/composite/pasteMask.js';
import type { Rect } from '../../../src/pipeline/composite/rect.js';
import { cropBoxForFace } from '../../../src/pipeline/face/index.js';
import { faceFromFixedBox } from '../../../src/pipeline/face/fixedBox.js';
import type { FaceDetection, Point } from '../../../src/pipeline/face/types.js';
import { createRgbImage } from '../../../src/pipeline/media/image.js';
import { faceAt } from '../engine/builtin/portrait.js';

/** Keypoints close to the test portrait's (FaceDetector; see s3fdLikeBox): eye distance 28 px, upright. */
const UPRIGHT: FaceDetection = {
  x: 110,
  y: 50,
  width: 60,
  height: 60,
  score: 0.9,
  keypoints: {
    rightEye: { x: 125, y: 64 },
    leftEye: { x: 153, y: 64 },
    nose: { x: 139, y: 79 },
    mouth: { x: 139, y: 92 },
    rightEar: { x: 112, y: 70 },
    leftEar: { x: 166, y: 70 },
  },
};
const PADS = { top: 0, bottom: 10, left: 0, right: 0 };
const FRAME = 320;

/** Weight of frame pixel (x, y) in a mask over `crop`; 0 outside the crop. */
function at(weights: Float32Array, crop: Rect, x: number, y: number): number {
  if (x < crop.x1 || x >= crop.x2 || y < crop.y1 || y >= crop.y2) return 0;
  return weights[(Math.floor(y) - crop.y1) * (crop.x2 - crop.x1) + (Math.floor(x) - crop.x1)]!;
}

describe('mouthMaskWeights', () => {
  const crop = cropBoxForFace(UPRIGHT, PADS, FRAME, FRAME);
  const weights = mouthMaskWeights(UPRIGHT, crop);
  const { mouth, nose, rightEye, leftEye } = UPRIGHT.keypoints;
  const eyeDistance = leftEye.x - rightEye.x;

  it('has one weight per crop pixel, all in [0, 1]', () => {
    expect(weights.length).toBe((crop.x2 - crop.x1) * (crop.y2 - crop.y1));
    expect(Math.min(...weights)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...weights)).toBe(1);
  });

  it('covers the mouth and the jaw at full weight, down to the crop bottom', () => {
    expect(at(weights, crop, mouth.x, mouth.y)).toBe(1);
    for (let y = Math.ceil(mouth.y - 3); y < crop.y2; y++) expect(at(weights, crop, mouth.x, y), `row ${y}`).toBe(1);
    // Mouth corners and the jaw below them, down to the chin (~0.55 eye distances below the mouth).
    for (const dx of [-0.45, 0.45]) {
      for (let y = Math.ceil(mouth.y); y < mouth.y + 0.55 * eyeDistance; y++) expect(at(weights, crop, mouth.x + dx * eyeDistance, y)).toBe(1);
    }
  });

  it('keeps the eyes, the nose and the cheeks: zero there and everywhere above the nose', () => {
    expect(at(weights, crop, nose.x, nose.y)).toBe(0);
    expect(at(weights, crop, nose.x, nose.y + 2)).toBe(0);
    for (let y = crop.y1; y <= nose.y; y++) for (let x = crop.x1; x < crop.x2; x++) expect(at(weights, crop, x, y)).toBe(0);
    // Cheeks beside the nose and the mouth.
    for (const dx of [-1.05, 1.05]) {
      expect(at(weights, crop, mouth.x + dx * eyeDistance, (nose.y + mouth.y) / 2)).toBe(0);
      expect(at(weights, crop, mouth.x + dx * eyeDistance, mouth.y)).toBe(0);
    }
  });

  it('is zero on the crop borders except the bottom, and never above the box mask', () => {
    const w = crop.x2 - crop.x1;
    const h = crop.y2 - crop.y1;
    const boxX = horizontalWeights(w);
    const boxY = verticalWeights(h);
    for (let y = 0; y < h; y++) {
      expect(weights[y * w]).toBe(0);
      expect(weights[y * w + w - 1]).toBe(0);
      for (let x = 0; x < w; x++) expect(weights[y * w + x]!).toBeLessThanOrEqual(boxX[x]! * boxY[y]! + 1e-6);
    }
    for (let x = 0; x < w; x++) expect(weights[x]).toBe(0);
    // The box replaces far more of the crop than the mouth mask does.
    const sum = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0);
    let box = 0;
    for (let y = 0; y < h; y++) box += boxY[y]! * sum(boxX);
    expect(sum(weights)).toBeLessThan(0.6 * box);
  });

  it('is feathered: a smooth ramp from 0 to 1 at the sides and at the top, not a step', () => {
    const row = Array.from({ length: crop.x2 - crop.x1 }, (_, k) => at(weights, crop, crop.x1 + k, mouth.y + 4));
    const centre = Math.round(mouth.x) - crop.x1;
    for (let k = 1; k <= centre; k++) expect(row[k]!).toBeGreaterThanOrEqual(row[k - 1]!);
    for (let k = centre + 1; k < row.length; k++) expect(row[k]!).toBeLessThanOrEqual(row[k - 1]!);
    const ramp = row.filter((v) => v > 0 && v < 1);
    expect(ramp.length).toBeGreaterThanOrEqual(10);
    const steps = row.slice(1).map((v, k) => Math.abs(v - row[k]!));
    expect(Math.max(...steps)).toBeLessThan(0.25);

    const column = Array.from({ length: Math.ceil(mouth.y - nose.y) + 1 }, (_, k) => at(weights, crop, mouth.x, nose.y + k));
    for (let k = 1; k < column.length; k++) expect(column[k]!).toBeGreaterThanOrEqual(column[k - 1]!);
    expect(column.filter((v) => v > 0 && v < 1).length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...column.slice(1).map((v, k) => v - column[k]!))).toBeLessThan(0.5);
  });

  it('follows head roll: the mask of a rolled face is the upright mask turned with it', () => {
    for (const degrees of [-15, 11, 25]) {
      const rolled = faceAt(UPRIGHT.keypoints, { angle: (degrees * Math.PI) / 180, pivot: mouth });
      const upright = mouthFrame(UPRIGHT);
      const turned = mouthFrame(rolled);
      const a = (degrees * Math.PI) / 180;
      let differsFromUnturned = 0;
      for (let dy = -20; dy <= 40; dy += 1.5) {
        for (let dx = -40; dx <= 40; dx += 1.5) {
          const x = mouth.x + dx * Math.cos(a) - dy * Math.sin(a);
          const y = mouth.y + dx * Math.sin(a) + dy * Math.cos(a);
          const expected = mouthRegionWeight(upright, mouth.x + dx, mouth.y + dy);
          expect(mouthRegionWeight(turned, x, y)).toBeCloseTo(expected, 5);
          if (Math.abs(mouthRegionWeight(upright, x, y) - expected) > 0.5) differsFromUnturned++;
        }
      }
      // The turn matters: an axis-aligned mask would be wrong at many of these points.
      expect(differsFromUnturned).toBeGreaterThan(20);
    }
    // In a crop: a rolled face's mouth corners, along its own mouth line, both get full weight; the nose none.
    const rolled = faceAt(UPRIGHT.keypoints, { angle: (20 * Math.PI) / 180, pivot: mouth });
    const rolledCrop = cropBoxForFace(rolled, PADS, FRAME, FRAME);
    const rolledWeights = mouthMaskWeights(rolled, rolledCrop);
    const a = (20 * Math.PI) / 180;
    for (const d of [-0.45, 0.45]) {
      const x = mouth.x + d * eyeDistance * Math.cos(a);
      const y = mouth.y + d * eyeDistance * Math.sin(a);
      expect(at(rolledWeights, rolledCrop, x, y)).toBe(1);
    }
    expect(at(rolledWeights, rolledCrop, rolled.keypoints.nose.x, rolled.keypoints.nose.y)).toBe(0);
  });

  it('scales with the face: twice the face, twice the mask', () => {
    const big = (p: Point): Point => ({ x: 2 * p.x, y: 2 * p.y });
    const k = UPRIGHT.keypoints;
    const double: FaceDetection = {
      ...UPRIGHT,
      keypoints: { rightEye: big(k.rightEye), leftEye: big(k.leftEye), nose: big(k.nose), mouth: big(k.mouth), rightEar: big(k.rightEar), leftEar: big(k.leftEar) },
    };
    const one = mouthFrame(UPRIGHT);
    const two = mouthFrame(double);
    for (const [dx, dy] of [[10, 0], [20, 5], [0, -8], [25, 20], [-18, 12]] as const) {
      expect(mouthRegionWeight(two, 2 * (mouth.x + dx), 2 * (mouth.y + dy))).toBeCloseTo(mouthRegionWeight(one, mouth.x + dx, mouth.y + dy), 5);
    }
  });

  it('is sensible for a fixed --box, whose keypoints are synthesised', () => {
    const box = { x1: 104, y1: 36, x2: 180, y2: 132 };
    const face = faceFromFixedBox(box);
    const fixedCrop = cropBoxForFace(face, PADS, FRAME, FRAME);
    expect(fixedCrop).toEqual(box);
    const m = mouthMaskWeights(face, fixedCrop);
    const cx = (box.x1 + box.x2) / 2;
    // The synthesised mouth (73 % down) and the column below it to the box bottom at full weight.
    for (let y = Math.ceil(face.keypoints.mouth.y); y < box.y2; y++) expect(at(m, box, cx, y)).toBe(1);
    // Nothing above the synthesised nose; the box's lower corners are kept.
    for (let y = box.y1; y <= face.keypoints.nose.y; y++) for (let x = box.x1; x < box.x2; x++) expect(at(m, box, x, y)).toBe(0);
    expect(at(m, box, box.x1 + 3, box.y2 - 1)).toBe(0);
    expect(at(m, box, box.x2 - 4, box.y2 - 1)).toBe(0);
    const covered = Array.from(m).reduce((s, v) => s + v, 0) / m.length;
    expect(covered).toBeGreaterThan(0.1);
    expect(covered).toBeLessThan(0.35);
  });

  it('gives a mouth-sized mask even when the keypoints collapse into one point', () => {
    const p = { x: 64, y: 64 };
    const face: FaceDetection = { x: 32, y: 32, width: 64, height: 64, score: 1, fixedCrop: true, keypoints: { rightEye: p, leftEye: p, nose: p, mouth: p, rightEar: p, leftEar: p } };
    const m = mouthMaskWeights(face, { x1: 32, y1: 32, x2: 96, y2: 96 });
    expect(at(m, { x1: 32, y1: 32, x2: 96, y2: 96 }, 64, 86)).toBe(1);
    expect(Array.from(m).filter((v) => v === 1).length).toBeGreaterThan(100);
  });
});

describe('pasteGeneratedFace with mouth weights', () => {
  it('changes exactly the pixels with a non-zero weight, fully where it is 1', () => {
    const crop = cropBoxForFace(UPRIGHT, PADS, FRAME, FRAME);
    const img = createRgbImage(FRAME, FRAME);
    const S = 16;
    const weights = mouthMaskWeights(UPRIGHT, crop);
    pasteGeneratedFace(img, crop, new Float32Array(3 * S * S).fill(1), 0, S, 'rgb', weights);
    const wrong: string[] = [];
    for (let y = 0; y < FRAME; y++) {
      for (let x = 0; x < FRAME; x++) {
        const w = at(weights, crop, x, y);
        const v = img.data[(y * FRAME + x) * 3]!;
        if (v !== (w === 0 ? 0 : Math.floor(255 * w + 0.5))) wrong.push(`${x},${y}: ${v} for weight ${w}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(img.data.some((v) => v === 255)).toBe(true);
    expect(() => pasteGeneratedFace(img, crop, new Float32Array(3 * S * S), 0, S, 'rgb', new Float32Array(10))).toThrow(RangeError);
  });
});

