import { describe, expect, it } from 'vitest';
import {
  alignedEdgeWeight,
  alignmentForCrop,
  applyAffine,
  composeAffine,
  ffhqTemplate,
  fitSimilarity,
  invertAffine,
  sampleBilinear,
  warpAffine,
  type Affine,
} from '../../../src/pipeline/enhance/faceAlign.js';
import type { Point } from '../../../src/pipeline/face/types.js';

/** scale·rotation(θ) then translation. */
const similarity = (scale: number, degrees: number, tx: number, ty: number): Affine => {
  const r = (degrees * Math.PI) / 180;
  return { a: scale * Math.cos(r), b: -scale * Math.sin(r), c: tx, d: scale * Math.sin(r), e: scale * Math.cos(r), f: ty };
};
const close = (p: Point, q: Point, digits = 6) => {
  expect(p.x).toBeCloseTo(q.x, digits);
  expect(p.y).toBeCloseTo(q.y, digits);
};

describe('FFHQ template', () => {
  it('puts the eyes and the mouth where facexlib puts them at 512, and scales with the model size', () => {
    const [left, right, mouth] = ffhqTemplate(512);
    close(left, { x: 192.98, y: 239.95 }, 1);
    close(right, { x: 318.9, y: 240.19 }, 1);
    close(mouth, { x: 257.18, y: 371.28 }, 1);
    const [left256, , mouth256] = ffhqTemplate(256);
    close(left256, { x: left.x / 2, y: left.y / 2 });
    close(mouth256, { x: mouth.x / 2, y: mouth.y / 2 });
  });
});

describe('affine maths', () => {
  const known = similarity(1.7, 20, 12.5, -3);
  const from = [{ x: 10, y: 20 }, { x: 60, y: 22 }, { x: 35, y: 70 }];

  it('fitSimilarity recovers a rotation, scale and translation exactly from three points', () => {
    const fitted = fitSimilarity(from, from.map((p) => applyAffine(known, p)));
    for (const key of ['a', 'b', 'c', 'd', 'e', 'f'] as const) expect(fitted[key]).toBeCloseTo(known[key], 9);
  });

  it('fitSimilarity is the least-squares fit for points no similarity maps exactly (no shear, no reflection)', () => {
    const to = [{ x: 0, y: 0 }, { x: 10, y: 0 }, { x: 5, y: 12 }];
    const m = fitSimilarity([{ x: 0, y: 0 }, { x: 10, y: 0 }, { x: 5, y: 8 }], to);
    expect(m.a).toBeCloseTo(m.e, 12);
    expect(m.b).toBeCloseTo(-m.d, 12);
    const mirrored = fitSimilarity(from, from.map((p) => ({ x: -p.x, y: p.y })));
    expect(mirrored.a * mirrored.e - mirrored.b * mirrored.d).toBeGreaterThanOrEqual(0);
  });

  it('invertAffine undoes the transform and composeAffine applies the right one first', () => {
    const inv = invertAffine(known);
    for (const p of from) close(applyAffine(inv, applyAffine(known, p)), p, 9);
    const shift: Affine = { a: 1, b: 0, c: 5, d: 0, e: 1, f: 7 };
    for (const p of from) close(applyAffine(composeAffine(shift, known), p), applyAffine(shift, applyAffine(known, p)), 9);
  });
});

describe('alignmentForCrop', () => {
  it('maps the image-left eye, the image-right eye and the mouth (frame pixels) onto the template of the model size', () => {
    // Keypoints made from the template by a known similarity, so the fit is exact: crop coordinates → frame pixels.
    const size = 256;
    const crop = { x1: 100, y1: 40, width: 120, height: 150 };
    const cropSize = 96;
    const alignedToCrop = similarity(0.25, -15, 10, 14);
    const [l, r, m] = ffhqTemplate(size).map((p) => applyAffine(alignedToCrop, p));
    const toFrame = (p: Point) => ({ x: crop.x1 + (p.x * crop.width) / cropSize, y: crop.y1 + (p.y * crop.height) / cropSize });
    // BlazeFace's rightEye is the subject's right, on the image's left.
    const toAligned = alignmentForCrop({ rightEye: toFrame(l!), leftEye: toFrame(r!), mouth: toFrame(m!) }, crop, cropSize, size);
    const template = ffhqTemplate(size);
    close(applyAffine(toAligned, l!), template[0], 6);
    close(applyAffine(toAligned, r!), template[1], 6);
    close(applyAffine(toAligned, m!), template[2], 6);
    // Labels swapped (a mirrored detection): the eye further left still goes to the template's left eye.
    const swapped = alignmentForCrop({ rightEye: toFrame(r!), leftEye: toFrame(l!), mouth: toFrame(m!) }, crop, cropSize, size);
    close(applyAffine(swapped, l!), template[0], 6);
  });
});

describe('sampling and warping', () => {
  // 4×3 image, 2 planes: plane 0 = x index, plane 1 = 10·y index.
  const w = 4;
  const h = 3;
  const data = new Float32Array(2 * w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    data[y * w + x] = x;
    data[w * h + y * w + x] = 10 * y;
  }
  const src = { data, offset: 0, width: w, height: h, channels: 2 };

  it('samples bilinearly at pixel centres and clamps to the edge pixels', () => {
    expect(sampleBilinear(src, 0, 1.5, 0.5)).toBeCloseTo(1, 9);
    expect(sampleBilinear(src, 0, 2, 0.5)).toBeCloseTo(1.5, 9);
    expect(sampleBilinear(src, 1, 1.5, 1.25)).toBeCloseTo(7.5, 9);
    expect(sampleBilinear(src, 0, -5, 0.5)).toBe(0);
    expect(sampleBilinear(src, 0, 50, 0.5)).toBe(3);
  });

  it('warpAffine maps each destination centre through the transform, remaps channels and rescales values', () => {
    const out = new Float32Array(2 * w * h);
    const dst = { data: out, offset: 0, width: w, height: h, channels: 2 };
    warpAffine(src, dst, { a: 1, b: 0, c: 1, d: 0, e: 1, f: 0 }, [1, 0], 2, -1);
    // Destination plane 0 reads source plane 1 (10·y), plane 1 reads plane 0 shifted by one pixel (x + 1, clamped).
    expect(out[2 * w + 1]).toBeCloseTo(2 * 20 - 1, 9);
    expect(out[w * h + 0]).toBeCloseTo(2 * 1 - 1, 9);
    expect(out[w * h + 3]).toBeCloseTo(2 * 3 - 1, 9);
  });

  it('alignedEdgeWeight is 0 outside and on the border of the aligned square, 1 inside the feather', () => {
    expect(alignedEdgeWeight(-1, 50, 100, 8)).toBe(0);
    expect(alignedEdgeWeight(0, 50, 100, 8)).toBe(0);
    expect(alignedEdgeWeight(50, 50, 100, 8)).toBe(1);
    expect(alignedEdgeWeight(4, 50, 100, 8)).toBeCloseTo(0.5, 9);
    expect(alignedEdgeWeight(50, 101, 100, 8)).toBe(0);
  });
});
