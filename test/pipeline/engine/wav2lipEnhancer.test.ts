import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineFrame } from '../../../src/pipeline/engine/types.js';
import { Wav2LipOnnxEngine } from '../../../src/pipeline/engine/wav2lipOnnx.js';
import { faceFromFixedBox } from '../../../src/pipeline/face/fixedBox.js';
import { cloneRgbImage, type RgbImage } from '../../../src/pipeline/media/image.js';
import { emptyTimings } from '../../../src/pipeline/render/stageTimings.js';
import { writeEnhancerModel, type EnhancerModelShape } from '../../support/enhancerModels.js';
import { writeExportModel } from '../../support/exportModels.js';
import { noiseImage, solidImage } from '../../support/images.js';
import { tempDir } from '../../support/media.js';

const W = 256;
const RECT = { x1: 64, y1: 56, x2: 192, y2: 200 };
// A fixed crop: the crop is exactly RECT, the keypoints at S3FD proportions inside it.
const FACE = faceFromFixedBox(RECT);
const CONTEXT = { fps: 25, width: W, height: W, facePads: { top: 0, bottom: 0, left: 0, right: 0 } };
const px = (img: RgbImage, x: number, y: number, c = 0) => img.data[(Math.floor(y) * W + Math.floor(x)) * 3 + c]!;

describe('Wav2LipOnnxEngine with a face restorer (LIPSYNC_ENHANCER)', () => {
  const { dir, cleanup } = tempDir();
  afterAll(cleanup);
  let lipsync = '';
  let n = 0;
  beforeAll(async () => {
    // With a silent mel window this generator returns its reference crop: the generated face is the frame's own.
    lipsync = await writeExportModel(path.join(dir, 'wav2lip.onnx'), { size: 96 });
  });

  async function render(image: RgbImage, frames: number, enhancer?: { shape: EnhancerModelShape; blend: number; fidelity?: number }) {
    const settings = enhancer && {
      modelPath: await writeEnhancerModel(path.join(dir, `e${n++}.onnx`), enhancer.shape),
      blend: enhancer.blend,
      fidelity: enhancer.fidelity ?? 0.7,
    };
    const engine = await Wav2LipOnnxEngine.create({ modelPath: lipsync, device: 'cpu', batchSize: 4, threads: 1, channelOrder: 'bgr', ...(settings ? { enhancer: settings } : {}) });
    const timings = emptyTimings();
    const clip = engine.startClip({ ...CONTEXT, timings });
    const batch: EngineFrame[] = Array.from({ length: frames }, (_, index) => ({ index, image: cloneRgbImage(image), face: FACE, mel: new Float32Array(80 * 16) }));
    await clip.synthesize(batch);
    await engine.dispose();
    return { engine, timings, frames: batch.map((f) => f.image) };
  }

  it('restores the lower face only: an inverting restorer turns grey 100 into 155 at the mouth, and nothing above it or outside the crop changes', async () => {
    const image = noiseImage(W, W, 3);
    const plain = await render(image, 2);
    const grey = await render(solidImage(W, W, [100, 100, 100]), 2, { shape: { fn: 'invert', size: 128, batch: 'batch' }, blend: 1 });
    const { mouth, rightEye } = FACE.keypoints;
    for (const img of grey.frames) for (let c = 0; c < 3; c++) expect(Math.abs(px(img, mouth.x, mouth.y, c) - 155), `channel ${c}`).toBeLessThanOrEqual(2);
    expect(px(grey.frames[0]!, rightEye.x, rightEye.y)).toBe(100);
    const enhanced = await render(image, 2, { shape: { fn: 'invert', size: 128, batch: 'batch' }, blend: 1 });
    expect(enhanced.engine.enhancer).toBe('GFPGAN-style 128 px');
    expect(enhanced.timings.enhance).toBeGreaterThan(0);
    let changed = 0;
    enhanced.frames.forEach((img, k) => {
      for (let y = 0; y < W; y++) for (let x = 0; x < W; x++) for (let c = 0; c < 3; c++) {
        const i = (y * W + x) * 3 + c;
        if (img.data[i] === plain.frames[k]!.data[i]) continue;
        changed++;
        const inCrop = x >= RECT.x1 && x < RECT.x2 && y >= RECT.y1 && y < RECT.y2;
        if (!inCrop || y < (rightEye.y + mouth.y) / 2) throw new Error(`pixel ${x},${y} changed outside the lower face`);
      }
    });
    expect(changed).toBeGreaterThan(1000);
  });

  it('ENHANCER_BLEND 0 leaves the render exactly as without a restorer; 0.5 goes half way', async () => {
    const image = noiseImage(W, W, 5);
    const plain = await render(image, 3);
    const off = await render(image, 3, { shape: { fn: 'invert', size: 128 }, blend: 0 });
    expect(off.engine.enhancer).toBeNull();
    off.frames.forEach((img, k) => expect(Buffer.compare(img.data, plain.frames[k]!.data)).toBe(0));
    const half = await render(solidImage(W, W, [100, 100, 100]), 1, { shape: { fn: 'invert', size: 128 }, blend: 0.5 });
    const { mouth } = FACE.keypoints;
    expect(Math.abs(px(half.frames[0]!, mouth.x, mouth.y) - 127.5)).toBeLessThanOrEqual(2);
  });

  it('puts the restorer’s mouth marker on the face’s mouth keypoint in the frame', async () => {
    const { frames } = await render(solidImage(W, W, [100, 100, 100]), 1, { shape: { fn: 'markers', size: 128 }, blend: 1 });
    const { mouth } = FACE.keypoints;
    // The marker is white; the restorer's picture is black around it.
    expect(px(frames[0]!, mouth.x, mouth.y)).toBeGreaterThan(240);
    expect(px(frames[0]!, mouth.x - 16, mouth.y)).toBeLessThan(40);
    expect(px(frames[0]!, mouth.x + 16, mouth.y)).toBeLessThan(40);
  });

  it('feeds a CodeFormer-shaped restorer the configured fidelity', async () => {
    const { frames } = await render(solidImage(W, W, [100, 100, 100]), 1, {
      shape: { fn: 'fidelity', size: 128, fidelity: { type: 'double' }, names: { input: 'x' } },
      blend: 1,
      fidelity: 0.4,
    });
    const { mouth } = FACE.keypoints;
    expect(Math.abs(px(frames[0]!, mouth.x, mouth.y) - 0.4 * 255)).toBeLessThanOrEqual(2);
  });
});
