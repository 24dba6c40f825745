import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildArchModel, WAV2LIP_REFERENCE_PARAMETERS, writeArchModel } from '../../scripts/make-arch-model.js';
import { writeTestModel } from '../../scripts/make-test-model.js';
import { mulberry32 } from '../../scripts/onnx/random.js';
import {
  testModelMelBrightness,
  testModelMouthBox,
  testModelMouthMask,
} from '../../src/pipeline/engine/testModel.js';

const S = 96;
const PLANE = S * S;
const MEL = 80 * 16;

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lipsync-models-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function melBatch(means: readonly number[]): ort.Tensor {
  const data = new Float32Array(means.length * MEL);
  means.forEach((m, b) => data.fill(m, b * MEL, (b + 1) * MEL));
  return new ort.Tensor('float32', data, [means.length, 1, 80, 16]);
}

function randomVideo(batch: number, size = S, seed = 7): ort.Tensor {
  const next = mulberry32(seed);
  const data = Float32Array.from({ length: batch * 6 * size * size }, next);
  return new ort.Tensor('float32', data, [batch, 6, size, size]);
}

function tensorShape(meta: ort.InferenceSession.ValueMetadata | undefined): ReadonlyArray<number | string> {
  if (meta === undefined || !meta.isTensor) throw new Error('expected tensor metadata');
  return meta.shape;
}

describe('test model (make-test-model)', () => {
  let session: ort.InferenceSession;

  beforeAll(async () => {
    const path = join(dir, 'test.onnx');
    await writeTestModel(path);
    session = await ort.InferenceSession.create(path);
  });

  afterAll(async () => {
    await session?.release();
  });

  it('has the Wav2Lip signature with a dynamic batch', () => {
    expect(session.inputNames).toEqual(['mel_spectrogram', 'video_frames']);
    expect(session.outputNames).toEqual(['output']);
    expect(tensorShape(session.inputMetadata[0])).toEqual(['batch', 1, 80, 16]);
    expect(tensorShape(session.inputMetadata[1])).toEqual(['batch', 6, 96, 96]);
    expect(tensorShape(session.outputMetadata[0])).toEqual(['batch', 3, 96, 96]);
  });

  it('copies the reference crop and paints a mel-driven mouth, per frame', async () => {
    const means = [-4, 0, 4];
    const video = randomVideo(3);
    const result = await session.run({ mel_spectrogram: melBatch(means), video_frames: video });
    const out = result.output!;
    expect(out.dims).toEqual([3, 3, S, S]);
    const o = out.data as Float32Array;
    const v = video.data as Float32Array;
    const mask = testModelMouthMask(S);
    const box = testModelMouthBox(S);

    const mouthMeans: number[] = [];
    for (let b = 0; b < 3; b += 1) {
      const e = testModelMelBrightness(means[b]!);
      let mouthSum = 0;
      for (let c = 0; c < 3; c += 1) {
        const outPlane = (b * 3 + c) * PLANE;
        const refPlane = (b * 6 + 3 + c) * PLANE;
        let worstUpper = 0;
        let worstBlend = 0;
        for (let p = 0; p < PLANE; p += 1) {
          const ref = v[refPlane + p]!;
          const got = o[outPlane + p]!;
          if (p < PLANE / 2) worstUpper = Math.max(worstUpper, Math.abs(got - ref));
          const m = mask[p]!;
          worstBlend = Math.max(worstBlend, Math.abs(got - ((1 - m) * ref + m * e)));
        }
        expect(worstUpper).toBeLessThanOrEqual(1e-6);
        expect(worstBlend).toBeLessThanOrEqual(1e-5);
        // The mouth centre is fully inside the mask core: exactly the mel brightness.
        expect(o[outPlane + 72 * S + 48]).toBeCloseTo(e, 6);
        for (let r = box.top; r < box.bottom; r += 1) {
          for (let col = box.left; col < box.right; col += 1) mouthSum += o[outPlane + r * S + col]!;
        }
      }
      mouthMeans.push(mouthSum / (3 * (box.bottom - box.top) * (box.right - box.left)));
    }
    expect([0, 1, 2].map((b) => o[b * 3 * PLANE + 72 * S + 48])).toEqual([
      expect.closeTo(0, 6),
      expect.closeTo(0.5, 6),
      expect.closeTo(1, 6),
    ]);
    expect(mouthMeans[0]!).toBeLessThan(mouthMeans[1]!);
    expect(mouthMeans[1]!).toBeLessThan(mouthMeans[2]!);
  });

  it('treats frames in a batch independently', async () => {
    // Same face, different audio windows: only the audio decides the mouth.
    const one = randomVideo(1);
    const video = new Float32Array(2 * 6 * PLANE);
    video.set(one.data as Float32Array, 0);
    video.set(one.data as Float32Array, 6 * PLANE);
    const mel = melBatch([-1, 2]);
    const both = await session.run({ mel_spectrogram: mel, video_frames: new ort.Tensor('float32', video, [2, 6, S, S]) });
    const o = both.output!.data as Float32Array;
    const centre = 72 * S + 48;
    expect(o[centre]).toBeCloseTo(testModelMelBrightness(-1), 6);
    expect(o[3 * PLANE + centre]).toBeCloseTo(testModelMelBrightness(2), 6);
    expect(o[centre]).not.toBeCloseTo(o[3 * PLANE + centre]!, 3);

    // The second frame alone gives the same result as inside the batch.
    const alone = await session.run({ mel_spectrogram: melBatch([2]), video_frames: one });
    expect(Array.from(alone.output!.data as Float32Array)).toEqual(Array.from(o.subarray(3 * PLANE)));
  });

  it('supports other crop sizes', async () => {
    const path = join(dir, 'test-64.onnx');
    await writeTestModel(path, { size: 64 });
    const s = await ort.InferenceSession.create(path);
    try {
      expect(tensorShape(s.inputMetadata[1])).toEqual(['batch', 6, 64, 64]);
      const result = await s.run({ mel_spectrogram: melBatch([4]), video_frames: randomVideo(1, 64) });
      expect(result.output!.dims).toEqual([1, 3, 64, 64]);
      expect((result.output!.data as Float32Array)[48 * 64 + 32]).toBeCloseTo(1, 6);
    } finally {
      await s.release();
    }
  });

  it('has a fixed batch of 1 with --fixed-batch', async () => {
    const path = join(dir, 'test-fixed.onnx');
    await writeTestModel(path, { fixedBatch: true });
    const s = await ort.InferenceSession.create(path);
    try {
      expect(tensorShape(s.inputMetadata[0])).toEqual([1, 1, 80, 16]);
      expect(tensorShape(s.inputMetadata[1])).toEqual([1, 6, 96, 96]);
      expect(tensorShape(s.outputMetadata[0])).toEqual([1, 3, 96, 96]);
      const result = await s.run({ mel_spectrogram: melBatch([0]), video_frames: randomVideo(1) });
      expect(result.output!.dims).toEqual([1, 3, 96, 96]);
      await expect(s.run({ mel_spectrogram: melBatch([0, 0]), video_frames: randomVideo(2) })).rejects.toThrow();
    } finally {
      await s.release();
    }
  });
});

describe('architecture model (make-arch-model)', () => {
  it('has the Wav2Lip parameter count (within 2 % of 36.3 M)', () => {
    const { stats } = buildArchModel();
    // 36,298,035 counted like PyTorch: conv/deconv weights + biases and BatchNorm gamma + beta.
    expect(Math.abs(stats.parameters / WAV2LIP_REFERENCE_PARAMETERS - 1)).toBeLessThan(0.02);
    expect(stats.bufferElements).toBeGreaterThan(0);
  });

  it('loads in onnxruntime and produces finite [0, 1] frames for a batch', async () => {
    const path = join(dir, 'arch.onnx');
    const written = await writeArchModel(path, { seed: 3 });
    expect((await stat(path)).size).toBe(written.bytes);
    // Weights dominate the file: 4 bytes per stored float plus a little graph structure.
    expect(written.bytes).toBeGreaterThan(4 * (written.parameters + written.bufferElements));
    expect(written.bytes).toBeLessThan(4 * (written.parameters + written.bufferElements) + 1e6);

    const session = await ort.InferenceSession.create(path);
    try {
      expect(session.inputNames).toEqual(['mel_spectrogram', 'video_frames']);
      expect(session.outputNames).toEqual(['output']);
      expect(tensorShape(session.inputMetadata[1])).toEqual(['batch', 6, 96, 96]);
      expect(tensorShape(session.outputMetadata[0])).toEqual(['batch', 3, 96, 96]);

      const next = mulberry32(11);
      const mel = new ort.Tensor('float32', Float32Array.from({ length: 2 * MEL }, () => next() * 8 - 4), [2, 1, 80, 16]);
      const result = await session.run({ mel_spectrogram: mel, video_frames: randomVideo(2) });
      const out = result.output!;
      expect(out.dims).toEqual([2, 3, 96, 96]);
      const data = out.data as Float32Array;
      let min = Infinity;
      let max = -Infinity;
      for (const value of data) {
        if (!Number.isFinite(value)) throw new Error(`non-finite output ${value}`);
        min = Math.min(min, value);
        max = Math.max(max, value);
      }
      expect(min).toBeGreaterThanOrEqual(0);
      expect(max).toBeLessThanOrEqual(1);
      // Not saturated: the random weights keep activations in the sigmoid's useful range.
      expect(max - min).toBeGreaterThan(0.1);
    } finally {
      await session.release();
      await rm(path, { force: true });
    }
  });
});
