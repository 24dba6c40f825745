import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EnhancerFormatError, ModelMissingError } from '../../../src/errors.js';
import type { ChannelOrder } from '../../../src/pipeline/composite/crop.js';
import { applyAffine, ffhqTemplate, type Affine } from '../../../src/pipeline/enhance/faceAlign.js';
import { FaceEnhancer, writeAlignedInput, type EnhanceTarget, type EnhancedCrop } from '../../../src/pipeline/enhance/faceEnhancer.js';
import { alignmentForCrop } from '../../../src/pipeline/enhance/faceAlign.js';
import type { Point } from '../../../src/pipeline/face/types.js';
import { writeExportModel } from '../../support/exportModels.js';
import { writeEnhancerModel, type EnhancerModelShape } from '../../support/enhancerModels.js';
import { tempDir } from '../../support/media.js';

const S = 96;
const RECT = { x1: 40, y1: 30, x2: 200, y2: 190 };
const runtime = { device: 'cpu' as const, threads: 1 };

/** A face whose keypoints are the FFHQ template of a `modelSize` model under a rolled similarity (so the fit is exact). */
function target(modelSize: number, rollDegrees = 12): { target: EnhanceTarget; crop: [Point, Point, Point] } {
  const scale = (0.29 * 512) / modelSize;
  const r = (rollDegrees * Math.PI) / 180;
  const centre = { x: (256 * modelSize) / 512, y: (300 * modelSize) / 512 };
  const m: Affine = { a: scale * Math.cos(r), b: -scale * Math.sin(r), c: 0, d: scale * Math.sin(r), e: scale * Math.cos(r), f: 0 };
  const moved = applyAffine(m, centre);
  const alignedToCrop = { ...m, c: 48 - moved.x, f: 52 - moved.y };
  const crop = ffhqTemplate(modelSize).map((p) => applyAffine(alignedToCrop, p)) as [Point, Point, Point];
  const w = RECT.x2 - RECT.x1;
  const h = RECT.y2 - RECT.y1;
  const frame = (p: Point) => ({ x: RECT.x1 + (p.x * w) / S, y: RECT.y1 + (p.y * h) / S });
  const nose = frame({ x: 48, y: 50 });
  return {
    crop,
    target: { rect: RECT, keypoints: { rightEye: frame(crop[0]), leftEye: frame(crop[1]), mouth: frame(crop[2]), nose, rightEar: nose, leftEar: nose } },
  };
}

/** Generated crops, one per entry: planes filled with the given values (in the generator's channel order). */
function crops(...planes: Array<[number, number, number]>): Float32Array {
  const plane = S * S;
  const out = new Float32Array(planes.length * 3 * plane);
  planes.forEach((values, k) => values.forEach((v, c) => out.fill(v, (k * 3 + c) * plane, (k * 3 + c + 1) * plane)));
  return out;
}

/** The output crop's value of plane c at a point given in generated-crop (S) coordinates. */
const at = (crop: EnhancedCrop, c: number, p: Point) => crop.data[c * crop.size * crop.size + Math.floor((p.y * crop.size) / S) * crop.size + Math.floor((p.x * crop.size) / S)]!;
/** Between the nose and the mouth: inside the aligned square, away from the markers. */
const inside = (c: [Point, Point, Point]): Point => ({ x: (c[0].x + c[1].x + 2 * c[2].x) / 4, y: (c[0].y + c[1].y + 2 * c[2].y) / 4 });

describe('FaceEnhancer with restorer-shaped models', () => {
  const { dir, cleanup } = tempDir();
  afterAll(cleanup);
  let n = 0;
  const open = async (shape: EnhancerModelShape, blend = 1, fidelity = 0.7) =>
    FaceEnhancer.open({ modelPath: await writeEnhancerModel(path.join(dir, `m${n++}.onnx`), shape), blend, fidelity }, runtime);
  const enhance = async (enhancer: FaceEnhancer, generated: Float32Array, targets: EnhanceTarget[], order: ChannelOrder = 'rgb') => {
    try {
      return await enhancer.enhance(generated, S, order, targets);
    } finally {
      await enhancer.dispose();
    }
  };

  it('aligns the crop FFHQ-style for a GFPGAN-shaped model (512): the restorer’s eye and mouth markers land on the face’s keypoints', async () => {
    const enhancer = await open({ fn: 'markers', size: 512 });
    expect(enhancer.model.signature).toMatchObject({ size: 512, fixedBatch: 1, imageInput: 'input', output: 'output', fidelity: null });
    expect(enhancer.label).toBe('GFPGAN-style 512 px');
    const { target: t, crop } = target(512);
    const [out] = await enhance(enhancer, crops([0.5, 0.5, 0.5]), [t]);
    expect(out!.size).toBe(160);
    for (const p of crop) for (let c = 0; c < 3; c++) expect(at(out!, c, p), `marker at ${p.x.toFixed(1)},${p.y.toFixed(1)}`).toBeGreaterThan(0.95);
    expect(at(out!, 0, inside(crop))).toBeLessThan(0.05);
  });

  it('feeds the restorer the crop in that alignment: a marker at the eye keypoint reaches the template eye', () => {
    const size = 256;
    const { target: t, crop } = target(size);
    const generated = crops([0, 0, 0]);
    const [eye] = crop;
    for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) if ((x + 0.5 - eye.x) ** 2 + (y + 0.5 - eye.y) ** 2 <= 4) generated[y * S + x] = 1;
    const w = RECT.x2 - RECT.x1;
    const toAligned = alignmentForCrop(t.keypoints, { x1: RECT.x1, y1: RECT.y1, width: w, height: RECT.y2 - RECT.y1 }, S, size);
    const input = new Float32Array(3 * size * size);
    writeAlignedInput({ data: generated, offset: 0, width: S, height: S, channels: 3 }, 'rgb', toAligned, { data: input, offset: 0, width: size, height: size, channels: 3 });
    const [left, right] = ffhqTemplate(size);
    const value = (p: Point, c = 0) => input[c * size * size + Math.floor(p.y) * size + Math.floor(p.x)]!;
    expect(value(left)).toBeGreaterThan(0.9);
    expect(value(left, 1)).toBe(-1);
    expect(value(right)).toBe(-1);
  });

  it('gives the restorer RGB and reads RGB back, whatever the generator’s channel order', async () => {
    const { target: t, crop } = target(128);
    // The model copies its red plane to all three: a red face turns white, a blue one black.
    const [rgb] = await enhance(await open({ fn: 'red', size: 128 }), crops([1, 0, 0]), [t], 'rgb');
    const [bgr, blue] = await enhance(await open({ fn: 'red', size: 128 }), crops([0, 0, 1], [1, 0, 0]), [t, t], 'bgr');
    for (let c = 0; c < 3; c++) {
      expect(at(rgb!, c, inside(crop))).toBeGreaterThan(0.99);
      expect(at(bgr!, c, inside(crop))).toBeGreaterThan(0.99);
      expect(at(blue!, c, inside(crop))).toBeLessThan(0.01);
    }
  });

  it('maps [0,1] pixels to [-1,1] and back (an inverting model turns 0.2 into 0.8), blended by ENHANCER_BLEND', async () => {
    const { target: t, crop } = target(128);
    const [full] = await enhance(await open({ fn: 'invert', size: 128 }), crops([0.2, 0.2, 0.2]), [t]);
    expect(at(full!, 1, inside(crop))).toBeCloseTo(0.8, 4);
    const [half] = await enhance(await open({ fn: 'invert', size: 128 }, 0.5), crops([0.2, 0.2, 0.2]), [t]);
    expect(at(half!, 1, inside(crop))).toBeCloseTo(0.5, 4);
    const [quarter] = await enhance(await open({ fn: 'invert', size: 128 }, 0.25), crops([0.2, 0.2, 0.2]), [t]);
    expect(at(quarter!, 1, inside(crop))).toBeCloseTo(0.35, 4);
  });

  it('feeds CodeFormer its fidelity w (CODEFORMER_FIDELITY), as a double [1] or a float scalar', async () => {
    const { target: t, crop } = target(128);
    const double = await open({ fn: 'fidelity', size: 128, fidelity: { type: 'double' }, names: { input: 'x' } }, 1, 0.7);
    expect(double.model.signature.fidelity).toEqual({ name: 'w', type: 'float64', dims: [1] });
    expect(double.label).toBe('CodeFormer-style 128 px');
    const [a] = await enhance(double, crops([0.1, 0.1, 0.1]), [t]);
    expect(at(a!, 0, inside(crop))).toBeCloseTo(0.7, 4);
    const float = await open({ fn: 'fidelity', size: 128, fidelity: { type: 'float', scalar: true, name: 'weight' } }, 1, 0.3);
    expect(float.model.signature.fidelity).toEqual({ name: 'weight', type: 'float32', dims: [] });
    const [b] = await enhance(float, crops([0.1, 0.1, 0.1]), [t]);
    expect(at(b!, 0, inside(crop))).toBeCloseTo(0.3, 4);
  });

  it('runs the faces of a batch together when the batch is dynamic, one by one when it is fixed at 1', async () => {
    const { target: t, crop } = target(128);
    // The model outputs the batch's mean: faces run together share it, faces run alone keep their own value.
    const together = await enhance(await open({ fn: 'batchMean', size: 128, batch: 'batch' }), crops([0.2, 0.2, 0.2], [0.6, 0.6, 0.6]), [t, t]);
    expect(together.map((c) => at(c, 0, inside(crop)))).toEqual([expect.closeTo(0.4, 4), expect.closeTo(0.4, 4)]);
    const alone = await enhance(await open({ fn: 'batchMean', size: 128, batch: 1 }), crops([0.2, 0.2, 0.2], [0.6, 0.6, 0.6]), [t, t]);
    expect(alone.map((c) => at(c, 0, inside(crop)))).toEqual([expect.closeTo(0.2, 4), expect.closeTo(0.6, 4)]);
    const fixed2 = await enhance(await open({ fn: 'batchMean', size: 128, batch: 2 }), crops([0.2, 0.2, 0.2], [0.6, 0.6, 0.6], [0.9, 0.9, 0.9]), [t, t, t]);
    // Fixed batch 2: the third face is padded with itself, so it stays 0.9.
    expect(fixed2.map((c) => at(c, 0, inside(crop)))).toEqual([expect.closeTo(0.4, 4), expect.closeTo(0.4, 4), expect.closeTo(0.9, 4)]);
  });

  it('reads the size of GPEN-BFR-shaped models (256), runs float16 exports, and assumes 512 when the size is symbolic', async () => {
    const gpen = await open({ fn: 'identity', size: 256 });
    expect(gpen.model.signature.size).toBe(256);
    await gpen.dispose();
    const { target: t, crop } = target(128);
    const [half] = await enhance(await open({ fn: 'invert', size: 128, elemType: 'float16' }), crops([0.2, 0.2, 0.2]), [t]);
    expect(at(half!, 0, inside(crop))).toBeCloseTo(0.8, 2);
    const symbolic = await open({ fn: 'identity', size: 512, symbolicSize: true, batch: 'batch' });
    expect(symbolic.model.signature).toMatchObject({ size: 512, fixedBatch: null });
    await symbolic.dispose();
  });

  it('refuses a lip-sync model and names a missing file with where to get one', async () => {
    const wav2lip = await writeExportModel(path.join(dir, 'wav2lip.onnx'), { size: 32 });
    const err = await FaceEnhancer.open({ modelPath: wav2lip, blend: 1, fidelity: 0.7 }, runtime).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EnhancerFormatError);
    expect((err as Error).message).toMatch(new RegExp(`^${wav2lip} is not a usable face-restoration model \\(LIPSYNC_ENHANCER\\): a face-restoration model takes one RGB image`));
    const missing = path.join(dir, 'absent.onnx');
    const gone = await FaceEnhancer.open({ modelPath: missing, blend: 1, fidelity: 0.7 }, runtime).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(ModelMissingError);
    expect((gone as Error).message).toMatch(/GFPGAN, GPEN-BFR, RestoreFormer or CodeFormer/);
  });
});

describe('FaceEnhancer with keypoints that place no face', () => {
  const { dir, cleanup } = tempDir();
  afterAll(cleanup);

  it('aligns by the crop’s proportions when both eyes sit on one point (no crash, the face still restored)', async () => {
    const enhancer = await FaceEnhancer.open({ modelPath: await writeEnhancerModel(path.join(dir, 'inv.onnx'), { fn: 'invert', size: 128 }), blend: 1, fidelity: 0.7 }, runtime);
    const p = { x: 120, y: 110 };
    const keypoints = { rightEye: p, leftEye: p, nose: p, mouth: p, rightEar: p, leftEar: p };
    try {
      const [out] = await enhancer.enhance(crops([0.2, 0.2, 0.2]), S, 'rgb', [{ rect: RECT, keypoints }]);
      // The mouth of a crop of S3FD proportions: its centre column, 73% of its height.
      expect(at(out!, 0, { x: S / 2, y: 0.73 * S })).toBeCloseTo(0.8, 4);
    } finally {
      await enhancer.dispose();
    }
  });
});
