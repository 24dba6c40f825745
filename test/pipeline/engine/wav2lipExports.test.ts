import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeTestModel } from '../../../scripts/make-test-model.js';
import { ModelFormatError } from '../../../src/errors.js';
import type { EngineFrame } from '../../../src/pipeline/engine/types.js';
import { Wav2LipOnnxEngine } from '../../../src/pipeline/engine/wav2lipOnnx.js';
import type { FaceDetection } from '../../../src/pipeline/face/types.js';
import { cloneRgbImage, type RgbImage } from '../../../src/pipeline/media/image.js';
import { writeExportModel, type ExportShape } from '../../support/exportModels.js';
import { noiseImage, solidImage } from '../../support/images.js';
import { tempDir } from '../../support/media.js';

const W = 128;
const CONTEXT = { fps: 25, width: W, height: W, facePads: { top: 0, bottom: 0, left: 0, right: 0 } };
/** A fixed crop box (the crop is exactly this box): 64×64 at (32,32). */
const BOX = 32;
const SIDE = 64;
const point = { x: W / 2, y: W / 2 };
const FACE: FaceDetection = {
  x: BOX,
  y: BOX,
  width: SIDE,
  height: SIDE,
  score: 1,
  fixedCrop: true,
  keypoints: { rightEye: point, leftEye: point, nose: point, mouth: point, rightEar: point, leftEar: point },
};

/** Runs `mels.length` frames of `image` through the engine in the pipeline's batches; returns the edited frames. */
async function render(modelPath: string, image: RgbImage, mels: number[], batchSize = 4): Promise<{ engine: Wav2LipOnnxEngine; frames: RgbImage[] }> {
  const engine = await Wav2LipOnnxEngine.create({ modelPath, device: 'cpu', batchSize, threads: 1, channelOrder: 'rgb' });
  const clip = engine.startClip(CONTEXT);
  const frames: EngineFrame[] = mels.map((value, index) => ({ index, image: cloneRgbImage(image), face: FACE, mel: new Float32Array(80 * 16).fill(value) }));
  for (let i = 0; i < frames.length; i += engine.batchSize) await clip.synthesize(frames.slice(i, i + engine.batchSize));
  await engine.dispose();
  return { engine, frames: frames.map((f) => f.image) };
}

/** Red channel at the crop's lower centre, where the paste mask has full weight. */
const lowerCentre = (img: RgbImage) => img.data[((BOX + Math.round(SIDE * 0.85)) * W + W / 2) * 3]!;

describe('Wav2LipOnnxEngine with export-shaped models', () => {
  const { dir, cleanup } = tempDir();
  afterAll(cleanup);
  let n = 0;
  const model = (shape: ExportShape) => writeExportModel(path.join(dir, `e${n++}.onnx`), shape);
  const grey = solidImage(W, W, [100, 100, 100]);
  // Frames alternate silent (mel 0: the model returns the crop unchanged) and loud (mel 0.5: the crop + 0.5).
  const pattern = [0, 0.5, 0, 0.5, 0, 0.5];

  async function expectPattern(shape: ExportShape) {
    const { engine, frames } = await render(await model(shape), grey, pattern);
    frames.forEach((img, k) => {
      if (pattern[k] === 0) expect(Math.abs(lowerCentre(img) - 100), `frame ${k}`).toBeLessThanOrEqual(1);
      else expect(lowerCentre(img), `frame ${k}`).toBeGreaterThanOrEqual(225);
    });
    return engine;
  }

  it('hands fixed-batch exports full batches and keeps each frame its own output (batch 4, 6 frames)', async () => {
    const engine = await expectPattern({ size: 32, batch: 4 });
    expect(engine.batchSize).toBe(4);
  });

  it('runs float16 exports', async () => {
    const engine = await expectPattern({ size: 32, elemType: 'float16' });
    expect(engine.signature.faceType).toBe('float16');
  });

  it('runs exports with extra outputs', async () => {
    await expectPattern({ size: 32, extraOutputs: true, names: { output: 'pred' } });
  });

  it('runs 5-D exports with T = 1 and refuses T = 5', async () => {
    const engine = await expectPattern({ size: 32, time: 1, batch: 2 });
    expect(engine.signature.timeAxis).toBe(true);
    const err = await Wav2LipOnnxEngine.create({ modelPath: await model({ size: 32, time: 5 }), device: 'cpu', batchSize: 4, threads: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelFormatError);
    expect((err as Error).message).toMatch(/generates 5 frames per call/);
  });

  it('crops and pastes at the model face size (288 px)', async () => {
    const engine = await expectPattern({ size: 288, batch: 1 });
    expect(engine.signature.faceSize).toBe(288);
  });

  it('gives the same picture with the float16 and the float32 test model', async () => {
    const f32 = path.join(dir, 'test32.onnx');
    const f16 = path.join(dir, 'test16.onnx');
    await writeTestModel(f32);
    await writeTestModel(f16, { float16: true });
    const image = noiseImage(W, W, 7);
    const mels = [-4, -1, 2, 4, 0];
    const a = await render(f32, image, mels);
    const b = await render(f16, image, mels);
    expect(b.engine.signature).toMatchObject({ faceType: 'float16', melType: 'float16', outputType: 'float16' });
    let maxDiff = 0;
    let changed = 0;
    a.frames.forEach((img, k) => {
      for (let i = 0; i < img.data.length; i++) {
        maxDiff = Math.max(maxDiff, Math.abs(img.data[i]! - b.frames[k]!.data[i]!));
        if (img.data[i] !== image.data[i]) changed += 1;
      }
    });
    expect(changed).toBeGreaterThan(1000);
    expect(maxDiff).toBeLessThanOrEqual(2);
  });
});
